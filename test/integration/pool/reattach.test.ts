// An engine that stops while its extraction runs on the pool, and a new engine that resumes the job:
// it reattaches to the queue (task ids are input hashes), so no shard is computed twice, and the
// feature set completes. A shard damaged afterwards is recomputed, not taken from the queue's old result.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePreprocessing } from '../../../main/engine/backbones/preprocess.js';
import { describeBackbone } from '../../../main/engine/backbones/registry.js';
import { createEngine } from '../../../main/engine/engine.js';
import { featureCacheKey, featureSetIdFor } from '../../../main/engine/features/cache-key.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { tempDir } from '../../helpers/temp-workspace.js';
import { redisServerAvailable, startRedis, type TestRedis } from './redis-server.js';
import { startWorker, type WorkerProc } from './workers.js';

const haveRedis = redisServerAvailable();
let tmp: ReturnType<typeof tempDir>;
let redis: TestRedis | undefined;
let worker: WorkerProc | undefined;

beforeAll(async () => {
  tmp = tempDir();
  if (haveRedis) redis = await startRedis();
});
afterAll(async () => {
  await worker?.kill();
  await redis?.stop();
  tmp?.cleanup();
});

describe.skipIf(!haveRedis)('engine restart with work on the pool', () => {
  it('resumes an interrupted extraction by reattaching to its tasks; none runs twice', async () => {
    const synth = path.join(tmp.dir, 'synth');
    await generateSynthDrive({ out: synth, sequences: 1, frames: 12, width: 128, height: 64, seed: 7, weather: 'clear', split: 'train' });
    const root = path.join(tmp.dir, 'ws');
    worker = startWorker('solo', redis!.url, tmp.dir);
    await worker.waitFor(/^ready$/m, 120_000);

    let engine = await createEngine({ workspace: root });
    await engine.call('settings.set', { key: 'queue', value: redis!.url });
    const imp = await engine.call('datasets.import', { path: synth, name: 'frames' });
    expect((await engine.call('jobs.wait', { id: imp.jobId! })).state).toBe('succeeded');
    const d = describeBackbone(engine.db, 'builtin');
    const prep = resolvePreprocessing(d, { width: 128, height: 64 });
    const cacheKey = featureCacheKey(d.cacheId, prep);
    const params = { featureSetId: featureSetIdFor(imp.datasetId!, cacheKey), datasetId: imp.datasetId!, backbone: 'builtin', family: d.family, patchSize: d.patchSize, modelSha256: null, cacheKey, preprocessing: prep, batchSize: 2, shardBytes: 1 };
    const job = engine.jobs.submit('features.extract', params);
    // Stop the engine once the pool has finished a shard or two (6 tasks in all).
    await worker.waitFor(/ done$/m, 120_000);
    await engine.close();
    const before = (worker.output().match(/ done$/gm) ?? []).length;
    expect(before).toBeLessThan(6);

    engine = await createEngine({ workspace: root });
    try {
      engine.jobs.recover({ resume: true });
      const final = await engine.call('jobs.wait', { id: job.id });
      expect(final.error).toBeNull();
      expect(final.state).toBe('succeeded');
      expect((await engine.call('features.get', { id: params.featureSetId })).frameCount).toBe(12);
    } finally {
      await engine.close();
    }
    const startedTasks = () => [...worker!.output().matchAll(/: (features-shard-[0-9a-f]+) \(features\.shard\) started/g)].map((m) => m[1]);
    expect(startedTasks()).toHaveLength(6);
    expect(new Set(startedTasks()).size).toBe(6);

    // A damaged shard: the next extraction drops it; the queue still holds that task's old result, which
    // no longer matches what is on disk, so the task is run again rather than trusted.
    const shardDir = path.join(root, 'features', 'cache', cacheKey);
    const victim = path.join(shardDir, fs.readdirSync(shardDir).filter((f) => f.endsWith('.csf')).sort()[0]!);
    const bytes = fs.readFileSync(victim);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    fs.writeFileSync(victim, bytes);
    engine = await createEngine({ workspace: root });
    try {
      const again = engine.jobs.submit('features.extract', params);
      const done = await engine.call('jobs.wait', { id: again.id });
      expect(done.error).toBeNull();
      const detail = await engine.call('jobs.get', { id: again.id });
      expect(detail.result).toMatchObject({ computed: 2, reused: 10, corruptShards: 1 });
      expect(detail.events.map((e) => e.message).join('\n')).toMatch(/its result is missing or fails its checksum; recomputing/);
    } finally {
      await engine.close();
    }
    expect(startedTasks()).toHaveLength(7);
    expect(new Set(startedTasks()).size).toBe(6);
  });
});
