// Training on the pool ('train.run'): a small CAUSE-MLP run whose worker is SIGKILLed after a few
// checkpoints is taken over by the other worker from the checkpoint in <workspace>/pool/train/<task id>/,
// and the studio registers a model byte-identical to a local training's, with the same metric points.
// Cancelling the studio's job stops the task on its worker; resuming the job resumes the task.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSeries } from '../../../shared/contract/experiments.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { tempDir } from '../../helpers/temp-workspace.js';
import { redisServerAvailable, startRedis, type TestRedis } from './redis-server.js';
import { startWorker, type WorkerProc } from './workers.js';
import { tinyBudget } from '../../helpers/tiny-budget.js';

const haveRedis = redisServerAvailable();
let tmp: ReturnType<typeof tempDir>;
let world: string;
let redis: TestRedis | undefined;
const workers: WorkerProc[] = [];
let expected: Trained | undefined;

/** A few seconds of CAUSE-MLP on 8 frames, a checkpoint every step. */
const tiny = tinyBudget({ backend: 'wasm', step2Epochs: 20, checkpointEvery: 1 });

interface Trained {
  model: string;
  summary: Record<string, number | string> | null;
  /** Every series but the step times. */
  metrics: MetricSeries[];
}

async function train(engine: Engine, root: string, whileTraining?: () => Promise<void>): Promise<Trained> {
  const imp = await engine.call('datasets.import', { path: world, name: 'world' });
  expect((await engine.call('jobs.wait', { id: imp.jobId! })).state).toBe('succeeded');
  const fx = await engine.call('features.extract', { datasetId: imp.datasetId!, backbone: 'rgb' });
  expect((await engine.call('jobs.wait', { id: fx.id })).error).toBeNull();
  const created = await engine.call('experiments.create', { datasetId: imp.datasetId!, backbone: 'rgb', method: 'cause-mlp', clusters: 5, preset: 'fast', seed: 7, overrides: tiny });
  await whileTraining?.();
  const job = await engine.call('jobs.wait', { id: created.jobId });
  expect(job.error).toBeNull();
  const detail = await engine.call('experiments.get', { id: created.experimentId });
  const metrics = (await engine.call('experiments.metrics', { id: created.experimentId })).filter((m) => m.name !== 'stepMs');
  return {
    model: crypto.createHash('sha256').update(fs.readFileSync(path.join(root, 'experiments', created.experimentId, 'model.bin'))).digest('hex'),
    summary: detail.summary,
    metrics,
  };
}

beforeAll(async () => {
  tmp = tempDir();
  world = path.join(tmp.dir, 'world');
  await generateSynthDrive({ out: world, sequences: 1, frames: 8, width: 128, height: 64, seed: 2, weather: 'clear', split: 'train' });
  if (haveRedis) redis = await startRedis();
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.kill();
  await redis?.stop();
  tmp?.cleanup();
});

describe.skipIf(!haveRedis)('training on the pool', () => {
  it('a worker SIGKILLed mid-training: the other resumes the task from its checkpoint; model and metrics equal a local run', async () => {
    const localRoot = path.join(tmp.dir, 'local');
    const local = await createEngine({ workspace: localRoot, runJobs: true });
    try {
      expected = await train(local, localRoot);
    } finally {
      await local.close();
    }
    expect(expected.metrics.length).toBeGreaterThan(0);
    const want = expected;

    for (const n of ['a', 'b']) workers.push(startWorker(n, redis!.url, tmp.dir));
    await Promise.all(workers.map((w) => w.waitFor(/^ready$/m, 120_000)));
    const root = path.join(tmp.dir, 'pooled');
    const engine = await createEngine({ workspace: root, runJobs: true });
    let killed: WorkerProc | undefined;
    let task = '';
    let got: Trained;
    try {
      await engine.call('settings.set', { key: 'queue', value: redis!.url });
      got = await train(engine, root, async () => {
        // Whoever takes the task is killed once it has written a few checkpoints (step ≥ 3).
        const t0 = Date.now();
        for (;;) {
          for (const w of workers) {
            const m = /: (train-run-[0-9a-f]+) \(train\.run\) started/.exec(w.output());
            if (m) [killed, task] = [w, m[1]!];
          }
          const file = task && path.join(root, 'pool', 'train', task, 'checkpoint.json');
          let step = 0;
          try {
            step = (JSON.parse(fs.readFileSync(file, 'utf8')) as { step: number }).step;
          } catch {
            // not written yet
          }
          if (killed && step >= 3) {
            await killed.kill('SIGKILL');
            return;
          }
          if (Date.now() - t0 > 300_000) throw new Error('no worker checkpointed the training');
          await new Promise((r) => setTimeout(r, 10));
        }
      });
    } finally {
      await engine.close();
    }
    const survivor = workers.find((w) => w !== killed)!;
    expect(killed!.output()).not.toContain(`${task} done`);
    expect(survivor.output()).toContain(`${task} done`);
    expect(survivor.output()).toMatch(new RegExp(`${task}: info: resuming from the pool checkpoint at step ([3-9]|\\d\\d)`));
    expect(got.model).toBe(want.model);
    expect(got.metrics).toEqual(want.metrics);
    expect(got.summary?.steps).toBe(want.summary?.steps);
    // The task's checkpoints and staged model are gone once the studio has the model.
    expect(fs.existsSync(path.join(root, 'pool', 'train', task))).toBe(false);
    expect(fs.existsSync(path.join(root, 'pool', 'out', task))).toBe(false);
  }, 900_000);

  it('cancelling the job stops the training on its worker; resuming it finishes from the checkpoint', async () => {
    const live = workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
    expect(live.length).toBeGreaterThan(0);
    const root = path.join(tmp.dir, 'cancelled');
    const engine = await createEngine({ workspace: root, runJobs: true });
    try {
      await engine.call('settings.set', { key: 'queue', value: redis!.url });
      const imp = await engine.call('datasets.import', { path: world, name: 'world' });
      expect((await engine.call('jobs.wait', { id: imp.jobId! })).state).toBe('succeeded');
      const fx = await engine.call('features.extract', { datasetId: imp.datasetId!, backbone: 'rgb' });
      expect((await engine.call('jobs.wait', { id: fx.id })).error).toBeNull();
      // Long enough that the cancel lands mid-run (its bytes are checked against nothing: the kill above covers that).
      const long = { ...tiny, step2: { lr: 0.002, epochs: 400 } };
      const created = await engine.call('experiments.create', { datasetId: imp.datasetId!, backbone: 'rgb', method: 'cause-mlp', clusters: 5, preset: 'fast', seed: 7, overrides: long });
      const before = live.map((w) => w.output().length);
      let task = '';
      const t0 = Date.now();
      for (;;) {
        const m = live.map((w, i) => /: (train-run-[0-9a-f]+) \(train\.run\) started/.exec(w.output().slice(before[i]))).find(Boolean);
        if (m) task = m[1]!;
        if (task && fs.existsSync(path.join(root, 'pool', 'train', task, 'checkpoint.json'))) break;
        if (Date.now() - t0 > 300_000) throw new Error('no worker checkpointed the training');
        await new Promise((r) => setTimeout(r, 10));
      }
      await engine.call('jobs.cancel', { id: created.jobId });
      expect((await engine.call('jobs.wait', { id: created.jobId })).state).toBe('cancelled');
      await Promise.race(live.map((w) => w.waitFor(new RegExp(`${task}: cancelled by the studio`), 60_000)));
      await Promise.race(live.map((w) => w.waitFor(new RegExp(`${task} failed`), 60_000)));
      expect(live.some((w) => w.output().includes(`${task} done`))).toBe(false);
      await engine.call('jobs.resume', { id: created.jobId });
      expect((await engine.call('jobs.wait', { id: created.jobId })).error).toBeNull();
      expect(live.some((w) => new RegExp(`${task}: info: resuming from the pool checkpoint at step [1-9]`).test(w.output()) && w.output().includes(`${task} done`))).toBe(true);
      expect(fs.existsSync(path.join(root, 'experiments', created.experimentId, 'model.bin'))).toBe(true);
      // Every step's points once: the resumed task returned those before its checkpoint from the checkpoint.
      const steps = (await engine.call('experiments.get', { id: created.experimentId })).summary?.steps;
      const times = (await engine.call('experiments.metrics', { id: created.experimentId })).find((m) => m.name === 'stepMs')!;
      expect(times.steps).toEqual(Array.from({ length: Number(steps) }, (_, i) => i + 1));
    } finally {
      await engine.close();
    }
  }, 600_000);
});
