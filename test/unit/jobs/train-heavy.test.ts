// A training job is heavy (one at a time) only when it runs in this engine: with a queue — given at
// launch or set for the workspace — it runs on a pool worker and only waits here, so trainings of a
// study's cells wait side by side. Decided per job, when it is submitted.
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../main/engine/db/connection.js';
import { migration001 } from '../../../main/engine/db/migrations/001-init.js';
import { setSetting } from '../../../main/engine/db/queries/settings.js';
import { trainJobKind } from '../../../main/engine/cause/train-job.js';
import { QUEUE_ENV } from '../../../main/engine/pool/queue-config.js';
import type { HostContext } from '../../../main/engine/jobs/job-kind.js';

const saved = process.env[QUEUE_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[QUEUE_ENV];
  else process.env[QUEUE_ENV] = saved;
});

function host(): HostContext {
  const db = new BetterSqlite3(':memory:');
  migrate(db, [migration001]);
  return { db, workspace: { root: '/nonexistent' } as HostContext['workspace'] };
}

const heavy = (h: HostContext) => (typeof trainJobKind.heavy === 'function' ? trainJobKind.heavy(h) : trainJobKind.heavy);

describe('experiments.train heaviness', () => {
  it('is heavy without a queue, light with a launch queue or a workspace setting, heavy again when cleared', () => {
    delete process.env[QUEUE_ENV];
    const h = host();
    expect(heavy(h)).toBe(true);
    setSetting(h.db, 'queue', 'redis://127.0.0.1:6379');
    expect(heavy(h)).toBe(false);
    setSetting(h.db, 'queue', null);
    expect(heavy(h)).toBe(true);
    process.env[QUEUE_ENV] = 'redis://127.0.0.1:6379';
    expect(heavy(h)).toBe(false);
  });
});
