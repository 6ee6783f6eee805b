// The worker pool end to end: a studio engine sends feature extraction and prediction to three
// `cause-studio worker` processes over a private redis-server; one worker is SIGKILLed in the middle of
// a shard, BullMQ's stalled-job check hands that shard to another, and the feature cache and the
// prediction maps come out byte-identical to a run of the local engine on the same frames.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePreprocessing } from '../../../main/engine/backbones/preprocess.js';
import { describeBackbone } from '../../../main/engine/backbones/registry.js';
import { predictionDir, safeName } from '../../../main/engine/cause/paths.js';
import { listFrames } from '../../../main/engine/datasets/frame-source.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { featureCacheKey, featureSetIdFor } from '../../../main/engine/features/cache-key.js';
import { openFeatureSet } from '../../../main/engine/features/feature-reader.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { tempDir } from '../../helpers/temp-workspace.js';
import { redisServerAvailable, startRedis, type TestRedis } from './redis-server.js';
import { startWorker, type WorkerProc } from './workers.js';

const haveRedis = redisServerAvailable();
if (!haveRedis) console.warn('skipping the pool tests: redis-server is not installed (scripts/install-system-packages.sh installs it)');

let tmp: ReturnType<typeof tempDir>;
let synth: string;
let redis: TestRedis | undefined;
const workers: WorkerProc[] = [];

const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

interface Outcome {
  shardShas: string[];
  features: string[];
  predictions: string[];
  model: string;
}

/** Imports the frames, extracts features (2 frames a shard: 8 shards), trains k-means, predicts. */
async function pipeline(engine: Engine, root: string, onExtractStarted?: () => Promise<void>): Promise<Outcome & { extractJob: string }> {
  const imp = await engine.call('datasets.import', { path: synth, name: 'frames' });
  expect((await engine.call('jobs.wait', { id: imp.jobId! })).state).toBe('succeeded');
  const datasetId = imp.datasetId!;
  const d = describeBackbone(engine.db, 'builtin');
  const prep = resolvePreprocessing(d, { width: 256, height: 128 });
  const cacheKey = featureCacheKey(d.cacheId, prep);
  const featureSetId = featureSetIdFor(datasetId, cacheKey);
  const job = engine.jobs.submit('features.extract', {
    featureSetId,
    datasetId,
    backbone: 'builtin',
    family: d.family,
    patchSize: d.patchSize,
    modelSha256: null,
    cacheKey,
    preprocessing: prep,
    batchSize: 2,
    shardBytes: 1,
  });
  await onExtractStarted?.();
  const fx = await engine.call('jobs.wait', { id: job.id });
  expect(fx.error).toBeNull();
  expect(fx.state).toBe('succeeded');

  const created = await engine.call('experiments.create', { datasetId, featureSetId, method: 'kmeans', clusters: 5, preset: 'fast', seed: 3, backend: 'wasm' });
  expect((await engine.call('jobs.wait', { id: created.jobId })).error).toBeNull();
  const { jobId } = await engine.call('experiments.predict', { id: created.experimentId, featureSetId });
  const pj = await engine.call('jobs.wait', { id: jobId });
  expect(pj.error).toBeNull();
  expect((await engine.call('experiments.get', { id: created.experimentId })).predictions[0]!.frames).toBe(16);

  const shardShas = (engine.db.prepare('SELECT sha256 FROM feature_shards WHERE cache_key = ? ORDER BY sha256').all(cacheKey) as { sha256: string }[]).map((r) => r.sha256);
  const set = openFeatureSet(root, featureSetId);
  const features = set.items.map((_, i) => sha(new Uint8Array(set.read(i).buffer)));
  set.close();
  const outRel = predictionDir(created.experimentId, datasetId);
  const predictions = listFrames(engine.db, datasetId).flatMap((f) =>
    ['.png', '.conf.png'].map((ext) => sha(fs.readFileSync(path.join(root, outRel, `${safeName(f.id)}${ext}`)))),
  );
  const model = sha(fs.readFileSync(path.join(root, 'experiments', created.experimentId, 'model.bin')));
  return { shardShas, features, predictions, model, extractJob: job.id };
}

beforeAll(async () => {
  tmp = tempDir();
  synth = path.join(tmp.dir, 'synth');
  await generateSynthDrive({ out: synth, sequences: 1, frames: 16, width: 256, height: 128, seed: 5, weather: 'clear', split: 'train' });
});

afterAll(async () => {
  for (const w of workers) await w.kill();
  await redis?.stop();
  tmp?.cleanup();
});

describe.skipIf(!haveRedis)('worker pool on Redis (BullMQ)', () => {
  it('three workers, one killed mid-shard: feature cache and predictions byte-identical to the local engine', async () => {
    const localRoot = path.join(tmp.dir, 'local');
    const local = await createEngine({ workspace: localRoot });
    let expected: Outcome;
    try {
      expected = await pipeline(local, localRoot);
    } finally {
      await local.close();
    }
    expect(expected.shardShas).toHaveLength(8);

    redis = await startRedis();
    const shared = path.join(tmp.dir, 'shared');
    const poolRoot = path.join(shared, 'ws');
    fs.mkdirSync(poolRoot, { recursive: true });
    for (const n of ['w1', 'w2', 'w3']) workers.push(startWorker(n, redis.url, shared, ['--root', synth]));
    await Promise.all(workers.map((w) => w.waitFor(/^ready$/m, 120_000)));

    const engine = await createEngine({ workspace: poolRoot });
    let killed: { worker: WorkerProc; task: string } | undefined;
    let outcome: Outcome & { extractJob: string };
    try {
      // The workspace setting (the desktop app's way; the CLI's --queue sets the same for its engine).
      await engine.call('settings.set', { key: 'queue', value: redis.url });
      outcome = await pipeline(engine, poolRoot, async () => {
        const t0 = Date.now();
        for (;;) {
          for (const w of workers) {
            const m = /: (features-shard-[0-9a-f]+) \(features\.shard\) started/.exec(w.output());
            if (m) {
              killed = { worker: w, task: m[1]! };
              await w.kill('SIGKILL');
              return;
            }
          }
          if (Date.now() - t0 > 120_000) throw new Error('no worker started a shard');
          await new Promise((r) => setTimeout(r, 10));
        }
      });
      const detail = await engine.call('jobs.get', { id: outcome.extractJob });
      expect(detail.events.map((e) => e.message).join('\n')).toMatch(/8 shard task\(s\) of ≤2 frames for 3 worker\(s\)/);
    } finally {
      await engine.close();
    }

    // The killed worker never finished its shard; a live one did.
    expect(killed).toBeDefined();
    expect(killed!.worker.output()).not.toContain(`${killed!.task} done`);
    const finisher = workers.filter((w) => w !== killed!.worker).find((w) => w.output().includes(`${killed!.task} done`));
    expect(finisher, workers.map((w) => `${w.name}:\n${w.output()}`).join('\n')).toBeDefined();
    // Work really was spread: both surviving workers ran tasks.
    for (const w of workers.filter((x) => x !== killed!.worker)) expect(w.output()).toMatch(/ done$/m);
    // Prediction went to the pool too (16 frames: two ranges of 8).
    expect(workers.map((w) => w.output()).join('\n').match(/\(predict\.range\) started/g)?.length).toBeGreaterThanOrEqual(2);

    expect(outcome.model).toBe(expected.model);
    expect(outcome.shardShas).toEqual(expected.shardShas);
    expect(outcome.features).toEqual(expected.features);
    expect(outcome.predictions).toEqual(expected.predictions);
  });
});
