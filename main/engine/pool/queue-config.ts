// Which queue, if any, the studio sends its work to: `--queue` (put in the environment by the CLI, so the
// engine's job threads see it) wins over the workspace setting `queue`. Neither = everything runs here.
import type { Database } from 'better-sqlite3';
import { getSetting } from '../db/queries/settings.js';
import { parseQueueUrl } from './redis-url.js';

export const QUEUE_ENV = 'CAUSE_STUDIO_QUEUE';

export function configuredQueue(db: Database): string | null {
  const fromEnv = process.env[QUEUE_ENV];
  if (fromEnv) return fromEnv;
  const setting = getSetting(db, 'queue');
  return typeof setting === 'string' && setting.trim() !== '' ? setting : null;
}

/** `--queue`: checked now (a bad URL fails the command, not a job later) and handed to the job threads. */
export function usePoolQueue(url: string): void {
  parseQueueUrl(url);
  process.env[QUEUE_ENV] = url;
}
