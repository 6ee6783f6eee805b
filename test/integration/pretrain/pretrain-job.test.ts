// `pretrain.run` end to end through the engine: a tiny SynthDrive set imported, a pretraining job in a
// real worker streaming metrics, the model registered in the store and used by `features.extract` like a
// `models add` export, exported as a plain file; label files poisoned change no weight; an engine
// shutdown mid-run resumes to the same weights; bad input is refused with the cause named.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { readInitModel } from '../../../main/engine/pretrain/init-model.js';
import { buildVitModel } from '../../../main/engine/onnx/vit-model.js';
import type { PretrainResult } from '../../../shared/contract/pretrain.js';
import { tempDir } from '../../helpers/temp-workspace.js';
import { buildHfVit } from '../../unit/pretrain/hf-dinov2-fixture.js';

let tmp: ReturnType<typeof tempDir>;
let wsDir: string;
let synth: string;
let engine: Engine;
let datasetId: string;
let firstModel = '';

const small = { size: '128x64', window: 8, crop: 6, batch: 2, depth: 1, seed: 5, threads: 1 } as const;

async function pretrain(
  name: string,
  steps: number,
  extra: Record<string, unknown> = {},
): Promise<PretrainResult> {
  const { jobId } = await engine.call('pretrain.start', {
    datasets: [datasetId],
    name,
    steps,
    ...small,
    ...extra,
  });
  const job = await engine.call('jobs.wait', { id: jobId });
  expect(job.error).toBeNull();
  expect(job.state).toBe('succeeded');
  return (await engine.call('jobs.get', { id: jobId })).result as PretrainResult;
}

function weights(file: string): Map<string, Float32Array> {
  return readInitModel(file, file).encoder;
}

function sameWeights(a: string, b: string): boolean {
  const wa = weights(a);
  const wb = weights(b);
  return [...wa].every(
    ([k, v]) => Buffer.compare(Buffer.from(v.buffer), Buffer.from(wb.get(k)!.buffer)) === 0,
  );
}

beforeAll(async () => {
  tmp = tempDir();
  wsDir = path.join(tmp.dir, 'ws');
  synth = path.join(tmp.dir, 'synth');
  await generateSynthDrive({
    out: synth,
    sequences: 1,
    frames: 6,
    width: 128,
    height: 64,
    seed: 2,
    weather: 'clear',
    split: 'train',
  });
  engine = await createEngine({ workspace: wsDir, runJobs: true });
  const imp = await engine.call('datasets.import', { path: synth, name: 'synth-train' });
  expect((await engine.call('jobs.wait', { id: imp.jobId! })).state).toBe('succeeded');
  datasetId = imp.datasetId!;
}, 120_000);

afterAll(async () => {
  await engine?.close();
  tmp?.cleanup();
});

describe('pretrain through the engine', () => {
  it('pretrains, streams metrics, registers a model that features.extract uses, and exports it', async () => {
    const metrics: string[] = [];
    const off = engine.onEvent((e) => {
      if (e.type === 'metric') metrics.push(e.name);
    });
    const r = await pretrain('pt-a', 6);
    off();
    firstModel = r.file;
    expect(r.dim).toBe(192);
    expect(metrics).toContain('pretrain/loss');
    expect(metrics).toContain('pretrain/teacher_entropy');
    expect(metrics).toContain('pretrain/prototypes_used');
    // The Experiments view's history of the run: every step of every pretrain/* series.
    const jobId = (await engine.call('jobs.list', {})).find((j) => j.title.startsWith('Pretrain pt-a '))!.id;
    const history = await engine.call('pretrain.metrics', { jobId });
    expect(history.find((m) => m.name === 'pretrain/loss')!.steps).toEqual([0, 1, 2, 3, 4, 5]);
    expect(history.map((m) => m.name)).toContain('pretrain/feature_std');
    const model = (await engine.call('models.list', {})).find((m) => m.name === 'pt-a')!;
    expect(model).toMatchObject({ patchSize: 8, dim: 192 });
    const fx = (await engine.call('features.extract', {
      datasetId,
      backbone: 'pt-a',
      width: 64,
      height: 64,
    })) as { id: string };
    expect((await engine.call('jobs.wait', { id: fx.id })).state).toBe('succeeded');
    const set = (await engine.call('features.list', { datasetId })).find((f) => f.backbone === 'pt-a')!;
    expect(set.grid).toMatchObject({ h: 8, w: 8 });
    const out = path.join(tmp.dir, 'exported.onnx');
    const ex = await engine.call('pretrain.export', { name: 'pt-a', out });
    expect(ex.bytes).toBe(fs.statSync(r.file).size);
  });

  it('poisoning the label files changes no weight', async () => {
    const a = await pretrain('pt-clean', 3);
    const labels = fs
      .readdirSync(synth, { recursive: true })
      .map(String)
      .filter((f) => f.includes('labelIds'));
    expect(labels.length).toBeGreaterThan(0);
    labels.forEach((f, i) => {
      if (i % 2) fs.rmSync(path.join(synth, f));
      else fs.writeFileSync(path.join(synth, f), Buffer.from('not a png'));
    });
    const b = await pretrain('pt-poisoned', 3);
    expect(sameWeights(a.file, b.file)).toBe(true);
  });

  it('refuses bad input with the cause named', async () => {
    await expect(
      engine.call('pretrain.start', { datasets: [datasetId], name: 'x', steps: 2, ...small, window: 12 }),
    ).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/16×8 token grid \(patch 8\), smaller than the teacher window 12×12/),
    });
    await expect(
      engine.call('pretrain.start', { datasets: ['no-such'], name: 'x', steps: 2 }),
    ).rejects.toMatchObject({ code: 'not_found' });
    const vit = path.join(tmp.dir, 'vit.onnx');
    fs.writeFileSync(vit, buildVitModel({ patchSize: 8, dim: 16, depth: 1, heads: 2, seed: 1 }));
    await engine.call('models.add', { path: vit, name: 'plain-vit' });
    await expect(
      engine.call('pretrain.start', { datasets: [datasetId], name: 'x', steps: 2, init: 'plain-vit' }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/unsupported layout for --init/),
    });
  });

  it('continues pretraining a pretrain-made model with --init', async () => {
    const r = await pretrain('pt-cont', 2, { init: 'pt-a' });
    expect(r.dim).toBe(192);
    expect(sameWeights(r.file, firstModel)).toBe(false);
  });

  it('continues a DINOv2 export added with models add (--init), and trains a raw-pixel ViT with --patch 16', async () => {
    const file = path.join(tmp.dir, 'dinov2-small.onnx');
    fs.writeFileSync(file, buildHfVit({ patch: 14, dim: 32, depth: 2, heads: 2, registers: 2, side: 56 }));
    await engine.call('models.add', { path: file, name: 'dinov2-tiny' });
    const r = await pretrain('pt-dinov2', 2, {
      init: 'dinov2-tiny',
      heads: 2,
      size: '112x56',
      window: 4,
      crop: 3,
    });
    expect(r.dim).toBe(32);
    expect((await engine.call('models.list', {})).find((m) => m.name === 'pt-dinov2')).toMatchObject({
      patchSize: 14,
      dim: 32,
    });
    const fx = (await engine.call('features.extract', {
      datasetId,
      backbone: 'pt-dinov2',
      width: 112,
      height: 56,
    })) as { id: string };
    expect((await engine.call('jobs.wait', { id: fx.id })).state).toBe('succeeded');
    expect(
      (await engine.call('features.list', { datasetId })).find((f) => f.backbone === 'pt-dinov2')!.grid,
    ).toMatchObject({ h: 4, w: 8 });
    const px = await pretrain('pt-px16', 2, { patch: 16, size: '128x64', window: 4, crop: 3 });
    expect((await engine.call('models.list', {})).find((m) => m.name === 'pt-px16')).toMatchObject({
      patchSize: 16,
      dim: 192,
    });
    expect(px.steps).toBe(2);
    await expect(
      engine.call('pretrain.start', {
        datasets: [datasetId],
        name: 'x',
        steps: 2,
        ...small,
        init: 'dinov2-tiny',
        heads: 2,
        size: '120x60',
      }),
    ).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/--size 120x60: sides must be multiples of the patch size 14/),
    });
  }, 180_000);

  it('a job killed by an engine shutdown resumes to the same weights as an uninterrupted run', async () => {
    const steps = 40;
    const { jobId } = await engine.call('pretrain.start', {
      datasets: [datasetId],
      name: 'pt-killed',
      steps,
      ...small,
    });
    const deadline = Date.now() + 120_000;
    for (;;) {
      const j = await engine.call('jobs.get', { id: jobId });
      if ((j.checkpointStep ?? 0) >= 10) break;
      if (j.state === 'succeeded' || Date.now() > deadline)
        throw new Error(`job reached ${j.state} before a mid-run checkpoint`);
      await new Promise((res) => setTimeout(res, 100));
    }
    await engine.close();
    engine = await createEngine({ workspace: wsDir, runJobs: true, resumeInterrupted: true });
    const done = await engine.call('jobs.wait', { id: jobId });
    expect(done.state).toBe('succeeded');
    expect(done.attempts).toBeGreaterThan(0);
    const straight = await pretrain('pt-straight', steps);
    const resumed = (await engine.call('jobs.get', { id: jobId })).result as PretrainResult;
    expect(sameWeights(resumed.file, straight.file)).toBe(true);
  });
});
