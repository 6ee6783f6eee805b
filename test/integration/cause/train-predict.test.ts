// CAUSE training and prediction end to end through the engine: a tiny SynthDrive set imported, builtin
// features extracted, 'experiments.train' (k-means and CAUSE-MLP) and 'experiments.predict' jobs in
// real workers, metrics in SQLite, PNG outputs; label files deleted/poisoned change nothing; a training
// job interrupted by an engine shutdown resumes from its checkpoint to the same model as an uninterrupted run.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGrayPng } from '../../../main/engine/eval/cluster-png.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { tempDir } from '../../helpers/temp-workspace.js';
import { tinyBudget } from '../../helpers/tiny-budget.js';
import { loadModel } from '../../../main/engine/cause/model-io.js';
import { centreCropRegion, Predictor } from '../../../main/engine/cause/predict.js';
import { encodeClusterMap } from '../../../main/engine/cause/prediction-png.js';
import { listFrames } from '../../../main/engine/datasets/frame-source.js';
import { openDatabase } from '../../../main/engine/db/connection.js';
import { openFeatureSet } from '../../../main/engine/features/feature-reader.js';
import { sequenceOrder } from '../../../main/engine/temporal/sequence-order.js';
import { TemporalPredictor } from '../../../main/engine/temporal/temporal-predictor.js';
import { TwoPassPredictor, twoPassStretches } from '../../../main/engine/temporal/two-pass.js';
import type { TemporalDirection } from '../../../shared/contract/experiments.js';

let tmp: ReturnType<typeof tempDir>;
let wsDir: string;
let synth: string;
let engine: Engine;
let datasetId: string;

/** Small budgets over the fast preset so each run takes seconds. */
const tiny = tinyBudget({ checkpointEvery: 2 });

async function train(e: Engine, method: 'kmeans' | 'cause-mlp', seed = 3): Promise<string> {
  const r = await e.call('experiments.create', { datasetId, backbone: 'builtin', method, clusters: 5, preset: 'fast', seed, backend: 'wasm', overrides: tiny });
  const job = await e.call('jobs.wait', { id: r.jobId });
  expect(job.error).toBeNull();
  expect(job.state).toBe('succeeded');
  return r.experimentId;
}

const modelBytes = (id: string) => fs.readFileSync(path.join(wsDir, 'experiments', id, 'model.bin'));

beforeAll(async () => {
  tmp = tempDir();
  wsDir = path.join(tmp.dir, 'ws');
  synth = path.join(tmp.dir, 'synth');
  await generateSynthDrive({ out: synth, sequences: 1, frames: 8, width: 128, height: 64, seed: 2, weather: 'clear', split: 'train' });
  engine = await createEngine({ workspace: wsDir, runJobs: true });
  const imp = await engine.call('datasets.import', { path: synth, name: 'synth-train' });
  expect((await engine.call('jobs.wait', { id: imp.jobId! })).state).toBe('succeeded');
  datasetId = imp.datasetId!;
  const fx = (await engine.call('features.extract', { datasetId, backbone: 'builtin', width: 64, height: 64 })) as { id: string };
  expect((await engine.call('jobs.wait', { id: fx.id })).state).toBe('succeeded');
});

afterAll(async () => {
  await engine?.close();
  tmp?.cleanup();
});

describe('experiments through the engine', () => {
  it('trains k-means and CAUSE-MLP, records backend, metrics and summary, and predicts PNG maps at frame size', async () => {
    for (const method of ['kmeans', 'cause-mlp'] as const) {
      const id = await train(engine, method);
      const d = await engine.call('experiments.get', { id });
      expect(d.status).toBe('trained');
      expect(d.backend).toBe('wasm');
      expect(d.config.schemaVersion).toBe(1);
      if (method === 'cause-mlp') {
        const series = await engine.call('experiments.metrics', { id });
        const names = series.map((s) => s.name);
        for (const n of ['step1.loss', 'step2.loss', 'step2.posPairs', 'step2.bankFill', 'step3.loss', 'lr', 'stepMs']) expect(names).toContain(n);
        const loss = series.find((s) => s.name === 'step1.loss')!;
        expect(loss.steps.length).toBe(2); // 8 images / batch 4 × 1 epoch
        // The MLP head's Step 2 runs as one ONNX graph by default; the engine is stored with the run.
        expect(d.summary?.step2Engine).toMatch(/^onnxruntime/);
        // Step 3 of the MLP head reads its teacher in tfjs (only the TR teacher has a forward graph).
        expect(d.summary?.step3Engine).toBe('tfjs');
      }
      const { jobId } = await engine.call('experiments.predict', { id });
      const pj = await engine.call('jobs.wait', { id: jobId });
      expect(pj.error).toBeNull();
      const after = await engine.call('experiments.get', { id });
      expect(after.predictions[0]!.frames).toBe(8);
      const dir = path.join(wsDir, 'experiments', id, 'predictions');
      const files = fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.png') && !f.endsWith('.conf.png'));
      expect(files.length).toBe(8);
      const img = await readGrayPng(path.join(dir, files[0]!));
      expect([img.width, img.height]).toEqual([128, 64]);
      expect(Math.max(...img.data)).toBeLessThan(5);
    }
  });

  it('predicts with the dense CRF (--refine crf): the worker reads each frame, the set records the mode', async () => {
    const id = await train(engine, 'cause-mlp', 4);
    const { jobId } = await engine.call('experiments.predict', { id, refine: 'crf' });
    expect((await engine.call('jobs.wait', { id: jobId })).error).toBeNull();
    const set = (await engine.call('experiments.get', { id })).predictions.find((p) => p.jobId === jobId);
    expect(set?.refine).toBe('crf');
    expect(set?.frames).toBe(8);
    const dir = path.join(wsDir, 'experiments', id, 'predictions');
    const files = fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.png') && !f.endsWith('.conf.png'));
    const img = await readGrayPng(path.join(dir, files[0]!));
    expect([img.width, img.height]).toEqual([128, 64]);
    expect(Math.max(...img.data)).toBeLessThan(5);
  });

  it('predicts in sequence with --temporal flow and features, backward or both ways (the default): the set records mode and direction, and labels change no more often than per frame', async () => {
    const id = await train(engine, 'kmeans', 6);
    const outputs = new Map<string, Buffer[]>();
    const changes = async (temporal: 'none' | 'flow' | 'features', key: string = temporal, direction?: TemporalDirection): Promise<number> => {
      const { jobId } = await engine.call('experiments.predict', { id, temporal, ...(direction ? { temporalDirection: direction } : {}) });
      expect((await engine.call('jobs.wait', { id: jobId })).error).toBeNull();
      const set = (await engine.call('experiments.get', { id })).predictions.find((p) => p.jobId === jobId);
      expect(set?.temporal).toBe(temporal);
      if (temporal !== 'none') expect(set?.temporalDirection).toBe(direction ?? 'both');
      expect(set?.frames).toBe(8);
      const dir = path.join(wsDir, 'experiments', id, 'predictions');
      const files = fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.png') && !f.endsWith('.conf.png')).sort();
      expect(files).toHaveLength(8);
      outputs.set(key, files.map((f) => fs.readFileSync(path.join(dir, f))));
      let changed = 0;
      let prev: Uint8Array | null = null;
      for (const f of files) {
        const img = await readGrayPng(path.join(dir, f));
        expect([img.width, img.height]).toEqual([128, 64]);
        if (prev) for (let i = 0; i < img.data.length; i++) if (img.data[i] !== prev[i]) changed++;
        prev = Uint8Array.from(img.data);
      }
      return changed;
    };
    const perFrame = await changes('none');
    expect(await changes('flow', 'flow', 'backward')).toBeLessThanOrEqual(perFrame);
    expect(await changes('features', 'features', 'backward')).toBeLessThanOrEqual(perFrame);
    // the links on the job's helper thread (the default) give the same maps as on the job's own thread
    // the same prediction with the links on the job's own thread (CAUSE_TEMPORAL_THREADS=1)
    const oneThread = async (key: string, direction: TemporalDirection): Promise<void> => {
      process.env.CAUSE_TEMPORAL_THREADS = '1';
      try {
        await changes('flow', key, direction);
      } finally {
        delete process.env.CAUSE_TEMPORAL_THREADS;
      }
    };
    await oneThread('flow one thread', 'backward');
    expect(outputs.get('flow one thread')).toEqual(outputs.get('flow'));
    // the direction is applied: forward gives other maps, and the job's backward maps are the predictor's
    // own, fed the sequence last frame first (and not first frame first)
    expect(await changes('flow', 'flow forward', 'forward')).toBeLessThanOrEqual(perFrame);
    expect(outputs.get('flow forward')).not.toEqual(outputs.get('flow'));
    const inProcess = async (direction: 'forward' | 'backward'): Promise<Buffer[]> => {
      const set = openFeatureSet(wsDir, (await engine.call('experiments.get', { id })).predictions.at(-1)!.featureSetId);
      const db = openDatabase(path.join(wsDir, 'studio.db'), { readonly: true });
      const predictor = new Predictor(loadModel(path.join(wsDir, 'experiments', id, 'model.bin')), true);
      try {
        const frames = listFrames(db, datasetId);
        const temporal = new TemporalPredictor(predictor, 'features', { direction });
        const maps = new Map<number, Buffer>();
        for (const i of sequenceOrder(frames, direction)) {
          const f = frames[i]!;
          const item = set.items.findIndex((it) => it.frameId === f.id && it.crop === 0);
          const region = centreCropRegion(f.width, f.height, set.preprocessing.width, set.preprocessing.height);
          const p = temporal.predict({ sequence: f.sequenceId, grid: set.read(item), h: set.grid.h, w: set.grid.w, dim: set.dim, outW: f.width, outH: f.height, region });
          maps.set(i, await encodeClusterMap(p.clusters, p.width, p.height, predictor.clusters));
        }
        return [...maps.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m);
      } finally {
        predictor.dispose();
        set.close();
        db.close();
      }
    };
    const backward = await inProcess('backward');
    expect(backward).toEqual(outputs.get('features'));
    expect(await inProcess('forward')).not.toEqual(backward);
    // both ways (two-pass.ts): recorded as such, other maps than one pass, the same on one thread and two,
    // and the job's maps are TwoPassPredictor's over each sequence's stretch in-process
    // (no direction asked: both ways is the default)
    expect(await changes('flow', 'flow both')).toBeLessThanOrEqual(perFrame);
    expect(outputs.get('flow both')).not.toEqual(outputs.get('flow'));
    await oneThread('flow both one thread', 'both');
    expect(outputs.get('flow both one thread')).toEqual(outputs.get('flow both'));
    await changes('features', 'features both', 'both');
    const set = openFeatureSet(wsDir, (await engine.call('experiments.get', { id })).predictions.at(-1)!.featureSetId);
    const db = openDatabase(path.join(wsDir, 'studio.db'), { readonly: true });
    const predictor = new Predictor(loadModel(path.join(wsDir, 'experiments', id, 'model.bin')), true);
    try {
      const frames = listFrames(db, datasetId);
      const two = new TwoPassPredictor(predictor, 'features');
      const maps: Buffer[] = new Array(frames.length);
      for (const stretch of twoPassStretches(frames, sequenceOrder(frames, 'forward'))) {
        const inputs = stretch.map((i) => {
          const f = frames[i]!;
          const item = set.items.findIndex((it) => it.frameId === f.id && it.crop === 0);
          const region = centreCropRegion(f.width, f.height, set.preprocessing.width, set.preprocessing.height);
          return { sequence: f.sequenceId, grid: set.read(item), h: set.grid.h, w: set.grid.w, dim: set.dim, outW: f.width, outH: f.height, region };
        });
        await two.stretch(`${frames[stretch[0]!]!.sequenceId}#${stretch[0]}`, inputs, async (k, p) => {
          maps[stretch[k]!] = await encodeClusterMap(p.clusters, p.width, p.height, predictor.clusters);
        });
      }
      expect(maps).toEqual(outputs.get('features both'));
      expect(maps).not.toEqual(outputs.get('features'));
    } finally {
      predictor.dispose();
      set.close();
      db.close();
    }
  });

  it('predicts from a chosen feature set (whole frames for a model trained on square crops) and refuses wrong ones', async () => {
    const id = await train(engine, 'cause-mlp', 5);
    const wholeJob = (await engine.call('features.extract', { datasetId, backbone: 'builtin', width: 128, height: 64 })) as { id: string };
    expect((await engine.call('jobs.wait', { id: wholeJob.id })).state).toBe('succeeded');
    const sets = await engine.call('features.list', { datasetId });
    const whole = sets.find((f) => f.backbone === 'builtin' && f.grid.w === 2 * f.grid.h)!;
    expect(whole).toBeDefined();
    const { jobId } = await engine.call('experiments.predict', { id, featureSetId: whole.id });
    expect((await engine.call('jobs.wait', { id: jobId })).error).toBeNull();
    const set = (await engine.call('experiments.get', { id })).predictions.find((p) => p.jobId === jobId);
    expect(set?.featureSetId).toBe(whole.id);
    expect(set?.frames).toBe(8);

    await expect(engine.call('experiments.predict', { id, featureSetId: 'no-such-set' })).rejects.toMatchObject({ code: 'not_found' });
    const rgbJob = (await engine.call('features.extract', { datasetId, backbone: 'rgb', width: 64, height: 64 })) as { id: string };
    expect((await engine.call('jobs.wait', { id: rgbJob.id })).state).toBe('succeeded');
    const rgb = (await engine.call('features.list', { datasetId })).find((f) => f.backbone === 'rgb')!;
    await expect(engine.call('experiments.predict', { id, featureSetId: rgb.id })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/"rgb" features/),
    });
  });

  it('deleting or poisoning the label files changes nothing in training', async () => {
    const a = await train(engine, 'cause-mlp', 11);
    const labels = fs.readdirSync(synth, { recursive: true }).map(String).filter((f) => f.includes('labelIds'));
    expect(labels.length).toBeGreaterThan(0);
    labels.forEach((f, i) => {
      if (i % 2) fs.rmSync(path.join(synth, f));
      else fs.writeFileSync(path.join(synth, f), Buffer.from('not a png'));
    });
    const b = await train(engine, 'cause-mlp', 11);
    expect(Buffer.compare(modelBytes(a), modelBytes(b))).toBe(0);
  });

  it('a training job killed by an engine shutdown resumes to the same model as an uninterrupted run', async () => {
    // Long enough (~60 steps) that the shutdown lands mid-run however fast the steps are: with Step 2 on
    // onnxruntime a 4-epoch run could finish between the checkpoint poll and the shutdown.
    const LONG_STEP2_EPOCHS = 30;
    const reference = await train(engine, 'cause-mlp', 21);
    const r = await engine.call('experiments.create', {
      datasetId,
      backbone: 'builtin',
      method: 'cause-mlp',
      clusters: 5,
      preset: 'fast',
      seed: 21,
      backend: 'wasm',
      overrides: { ...tiny, step2: { lr: 0.002, epochs: LONG_STEP2_EPOCHS } },
    });
    // Same settings as `reference` except a longer step 2 would change the result; so compare against a
    // third, uninterrupted run of exactly these settings.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const j = await engine.call('jobs.get', { id: r.jobId });
      if ((j.checkpointStep ?? 0) >= 4) break;
      if (j.state === 'succeeded' || Date.now() > deadline) throw new Error(`job reached ${j.state} before a mid-run checkpoint`);
      await new Promise((res) => setTimeout(res, 100));
    }
    await engine.close();
    engine = await createEngine({ workspace: wsDir, runJobs: true, resumeInterrupted: true });
    const done = await engine.call('jobs.wait', { id: r.jobId });
    expect(done.state).toBe('succeeded');
    expect(done.attempts).toBeGreaterThan(0);
    const straight = await engine.call('experiments.create', {
      datasetId,
      backbone: 'builtin',
      method: 'cause-mlp',
      clusters: 5,
      preset: 'fast',
      seed: 21,
      backend: 'wasm',
      overrides: { ...tiny, step2: { lr: 0.002, epochs: LONG_STEP2_EPOCHS } },
    });
    expect((await engine.call('jobs.wait', { id: straight.jobId })).state).toBe('succeeded');
    expect(Buffer.compare(modelBytes(r.experimentId), modelBytes(straight.experimentId))).toBe(0);
    expect(Buffer.compare(modelBytes(reference), modelBytes(straight.experimentId))).not.toBe(0);
  });
});
