// pool.* methods: the worker pool's workers and tasks, for the studio's Pool view.
import type { Database } from 'better-sqlite3';
import type { PoolStatus } from '../../../shared/contract/pool.js';
import { configuredQueue, QUEUE_ENV } from '../pool/queue-config.js';
import { maskPasswords } from '../pool/redis-url.js';
import type * as StatusModule from '../pool/status.js';
import type { HandlerGroup } from './handler-types.js';

/** The queue the next job would use and where it comes from (the launch flag wins over the setting). */
export function queueSource(db: Database): { url: string | null; source: PoolStatus['source'] } {
  const url = configuredQueue(db);
  if (url === null) return { url: null, source: null };
  // configuredQueue takes the environment first: a non-empty one is where the URL came from.
  return { url, source: process.env[QUEUE_ENV] ? 'launch' : 'setting' };
}

/** The status reader, once a call has loaded it (with bullmq); null in an engine that never had a queue. */
let statusModule: typeof StatusModule | null = null;

/** Engine shutdown: the status reader's kept Redis connection goes with it. */
export async function closePoolStatusConnections(): Promise<void> {
  await statusModule?.closePoolStatus();
}

export const poolHandlers: HandlerGroup<'pool.status'> = {
  'pool.status': async ({ recent }, ctx) => {
    const { url, source } = queueSource(ctx.db);
    if (url === null) {
      return {
        queue: null,
        source: null,
        connected: false,
        error: null,
        workers: [],
        counts: { waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 },
        active: [],
        recent: [],
        checkedAt: new Date().toISOString(),
      };
    }
    // Loaded only here: an engine without a queue never loads bullmq.
    statusModule ??= await import('../pool/status.js');
    const { readPoolStatus } = statusModule;
    const reading = await readPoolStatus(url, { workspaceRoot: ctx.workspace.root, recent: recent ?? 10 });
    return { queue: maskPasswords(url.trim()), source, ...reading };
  },
};
