// `pool.status` against a private redis-server and two `cause-studio worker` processes: the workers
// appear by name (and disappear when killed), a feature extraction's shard tasks show up as running on
// them and then as finished, counts add up; no queue → a clear "none"; an unreachable queue or a wrong
// password → `connected: false` with the reason and never the password.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolStatus } from '../../../shared/contract/pool.js';
import { resolvePreprocessing } from '../../../main/engine/backbones/preprocess.js';
import { describeBackbone } from '../../../main/engine/backbones/registry.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { featureCacheKey, featureSetIdFor } from '../../../main/engine/features/cache-key.js';
import { closePoolStatus } from '../../../main/engine/pool/status.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { tempDir } from '../../helpers/temp-workspace.js';
import { redisServerAvailable, startRedis, type TestRedis } from './redis-server.js';
import { startWorker, type WorkerProc } from './workers.js';

const haveRedis = redisServerAvailable();
if (!haveRedis) console.warn('skipping the pool status tests: redis-server is not installed');

let tmp: ReturnType<typeof tempDir>;
let redis: TestRedis | undefined;
let locked: TestRedis | undefined;
const workers: WorkerProc[] = [];
const PASSWORD = 'hunter2-secret';

beforeAll(async () => {
  tmp = tempDir();
  if (haveRedis) [redis, locked] = await Promise.all([startRedis(), startRedis(['--requirepass', PASSWORD])]);
});
afterAll(async () => {
  await closePoolStatus();
  for (const w of workers) await w.kill();
  await redis?.stop();
  await locked?.stop();
  tmp?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(engine: Engine, ok: (s: PoolStatus) => boolean, ms: number): Promise<PoolStatus> {
  const t0 = Date.now();
  let last = await engine.call('pool.status', {});
  while (!ok(last)) {
    if (Date.now() - t0 > ms) throw new Error(`pool.status never matched; last: ${JSON.stringify(last, null, 1)}`);
    await sleep(100);
    last = await engine.call('pool.status', {});
  }
  return last;
}

describe.skipIf(!haveRedis)('pool.status', () => {
  it('without a queue: nothing configured, nothing connected', async () => {
    const engine = await createEngine({ workspace: path.join(tmp.dir, 'none') });
    try {
      const s = await engine.call('pool.status', {});
      expect(s).toMatchObject({ queue: null, source: null, connected: false, error: null, workers: [], active: [], recent: [] });
      // The setting is checked where it is written; null clears it.
      await expect(engine.call('settings.set', { key: 'queue', value: 'http://127.0.0.1:6379' })).rejects.toThrow(/queue: 'http:' is not redis/);
      await expect(engine.call('settings.set', { key: 'queue', value: 42 })).rejects.toThrow(/queue: expected redis:/);
      await engine.call('settings.set', { key: 'queue', value: 'redis://127.0.0.1:1' });
      expect((await engine.call('pool.status', { recent: 0 })).source).toBe('setting');
      await engine.call('settings.set', { key: 'queue', value: null });
      expect((await engine.call('pool.status', {})).queue).toBeNull();
    } finally {
      await engine.close();
    }
  });

  it('lists two workers by name, their running shard tasks, then the finished ones; a killed worker leaves the list', async () => {
    const synth = path.join(tmp.dir, 'synth');
    await generateSynthDrive({ out: synth, sequences: 1, frames: 12, width: 128, height: 64, seed: 11, weather: 'clear', split: 'train' });
    const shared = path.join(tmp.dir, 'shared');
    const root = path.join(shared, 'ws');
    const engine = await createEngine({ workspace: root });
    try {
      await engine.call('settings.set', { key: 'queue', value: redis!.url });
      const empty = await engine.call('pool.status', {});
      expect(empty).toMatchObject({ queue: redis!.url, source: 'setting', connected: true, error: null, workers: [] });

      workers.push(startWorker('alpha', redis!.url, shared, ['--root', synth]));
      workers.push(startWorker('beta', redis!.url, shared, ['--root', synth, '--concurrency', '2']));
      await Promise.all(workers.map((w) => w.waitFor(/^ready$/m, 120_000)));
      const both = await until(engine, (s) => s.workers.length === 2, 10_000);
      expect(both.workers.map((w) => w.name)).toEqual(['alpha', 'beta']);
      for (const w of both.workers) {
        expect(w.addr).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(w.running).toEqual([]);
      }

      const imp = await engine.call('datasets.import', { path: synth, name: 'frames' });
      expect((await engine.call('jobs.wait', { id: imp.jobId! })).state).toBe('succeeded');
      const d = describeBackbone(engine.db, 'builtin');
      const prep = resolvePreprocessing(d, { width: 128, height: 64 });
      const cacheKey = featureCacheKey(d.cacheId, prep);
      const job = engine.jobs.submit('features.extract', {
        featureSetId: featureSetIdFor(imp.datasetId!, cacheKey),
        datasetId: imp.datasetId!,
        backbone: 'builtin',
        family: d.family,
        patchSize: d.patchSize,
        modelSha256: null,
        cacheKey,
        preprocessing: prep,
        batchSize: 2,
        shardBytes: 1,
      });

      // While it runs: shard tasks of this workspace, each on one of the two workers and in its `running`.
      const seenActive: PoolStatus[] = [];
      let finished = false;
      void engine.call('jobs.wait', { id: job.id }).finally(() => (finished = true));
      while (!finished) {
        const s = await engine.call('pool.status', {});
        if (s.active.length > 0) seenActive.push(s);
        await sleep(50);
      }
      expect((await engine.call('jobs.get', { id: job.id })).state).toBe('succeeded');
      expect(seenActive.length).toBeGreaterThan(0);
      for (const s of seenActive) {
        for (const t of s.active) {
          expect(t).toMatchObject({ kind: 'features.shard', state: 'active', thisWorkspace: true, frames: 2, finishedAt: null, error: null });
          expect(['alpha', 'beta']).toContain(t.worker);
          expect(s.workers.find((w) => w.name === t.worker)?.running).toContain(t.id);
          expect(t.fraction).toBeGreaterThanOrEqual(0);
          expect(t.fraction).toBeLessThanOrEqual(1);
        }
        expect(s.counts.active).toBeGreaterThanOrEqual(s.active.length);
      }

      // Afterwards: 6 shards (12 frames, 2 a shard) completed, the latest listed newest first.
      const done = await engine.call('pool.status', { recent: 20 });
      expect(done.counts).toMatchObject({ active: 0, waiting: 0, completed: 6, failed: 0 });
      expect(done.active).toEqual([]);
      expect(done.recent).toHaveLength(6);
      for (const t of done.recent) {
        expect(t).toMatchObject({ kind: 'features.shard', state: 'completed', fraction: 1, thisWorkspace: true, frames: 2 });
        expect(['alpha', 'beta']).toContain(t.worker);
        expect(Date.parse(t.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(t.startedAt!));
      }
      const ends = done.recent.map((t) => t.finishedAt!);
      expect([...ends].sort().reverse()).toEqual(ends);
      expect((await engine.call('pool.status', { recent: 2 })).recent).toHaveLength(2);

      // A worker that dies drops out of the list (its connections close with it).
      await workers[0]!.kill('SIGKILL');
      const one = await until(engine, (s) => s.workers.length === 1, 10_000);
      expect(one.workers.map((w) => w.name)).toEqual(['beta']);
    } finally {
      await engine.close();
    }
  });

  it('the launch queue wins over the setting; a wrong password or no server says why, never the password', async () => {
    const engine = await createEngine({ workspace: path.join(tmp.dir, 'secure') });
    const before = process.env.CAUSE_STUDIO_QUEUE;
    try {
      await engine.call('settings.set', { key: 'queue', value: redis!.url });
      process.env.CAUSE_STUDIO_QUEUE = `redis://:${PASSWORD}@127.0.0.1:${locked!.port}/2`;
      const ok = await engine.call('pool.status', {});
      expect(ok).toMatchObject({ queue: `redis://:***@127.0.0.1:${locked!.port}/2`, source: 'launch', connected: true, error: null });
      expect(JSON.stringify(ok)).not.toContain(PASSWORD);

      process.env.CAUSE_STUDIO_QUEUE = `redis://:wrong-${PASSWORD}@127.0.0.1:${locked!.port}`;
      const refused = await engine.call('pool.status', {});
      expect(refused.connected).toBe(false);
      expect(refused.error).toMatch(/cannot read the queue at redis:\/\/:\*\*\*@127\.0\.0\.1/);
      expect(refused.error).toMatch(/WRONGPASS|NOAUTH|invalid|auth/i);
      expect(JSON.stringify(refused)).not.toContain(PASSWORD);

      // Nothing listens on this port (the redis just stopped): an answer, not a hang.
      const gone = await startRedis();
      await gone.stop();
      process.env.CAUSE_STUDIO_QUEUE = gone.url;
      const down = await engine.call('pool.status', {});
      expect(down.connected).toBe(false);
      expect(down.error).toMatch(/ECONNREFUSED|no answer/);
    } finally {
      if (before === undefined) delete process.env.CAUSE_STUDIO_QUEUE;
      else process.env.CAUSE_STUDIO_QUEUE = before;
      await engine.close();
    }
  });
});
