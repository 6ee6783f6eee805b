// `pretrain --init` of a Hugging Face DINOv2 / DINO export: the weights are mapped onto the pretraining
// parameters exactly (re-exported untrained, the model gives the export's own outputs), training
// continues from them and exports back in the store's layout, and layouts it cannot read are refused
// with a message naming what is missing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../../shared/contract/errors.js';
import { mulberry32 } from '../../../shared/random.js';
import { buildVitModel } from '../../../main/engine/onnx/vit-model.js';
import { patchify } from '../../../main/engine/pretrain/dataset-corpus.js';
import { buildEncoderModel } from '../../../main/engine/pretrain/export-model.js';
import { readInitModel } from '../../../main/engine/pretrain/init-model.js';
import { initParams } from '../../../main/engine/pretrain/params.js';
import { runPretraining } from '../../../main/engine/pretrain/run.js';
import { buildHfVit, type HfFixtureSpec } from './hf-dinov2-fixture.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-init-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, bytes);
  return f;
}

async function forward(bytes: Uint8Array, img: Float32Array, h: number, w: number): Promise<ort.Tensor> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    return (await s.run({ pixel_values: new ort.Tensor('float32', img, [1, 3, h, w]) })).last_hidden_state!;
  } finally {
    await s.release();
  }
}

const image = (h: number, w: number, seed = 1) => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: 3 * h * w }, () => r() * 4 - 2);
};

const DINOV2: HfFixtureSpec = { patch: 14, dim: 32, depth: 2, heads: 2, registers: 2, side: 56 };

describe('pretrain --init of a Hugging Face export', () => {
  it.each([
    ['DINOv2 with registers', DINOV2],
    [
      'DINO (ViT) without layer scale',
      { ...DINOV2, patch: 16, side: 64, registers: 0, layout: 'vit-dino' } as HfFixtureSpec,
    ],
  ])('%s: re-exported untrained, the model gives the export’s own outputs', async (_l, fx) => {
    const src = buildHfVit(fx);
    const w = readInitModel(write('src.onnx', src), '--init dino', fx.heads);
    expect(w.recipe.spec).toMatchObject({
      patch: fx.patch,
      dim: fx.dim,
      depth: fx.depth,
      heads: fx.heads,
      prefix: 1 + fx.registers,
      layerScale: (fx.layout ?? 'dinov2') === 'dinov2',
      posGrid: [fx.side / fx.patch, fx.side / fx.patch],
    });
    const params = initParams(w.recipe.spec, 1);
    for (const [k, v] of w.encoder) params.set(k, v);
    const ours = buildEncoderModel(w.recipe, params);
    const img = image(fx.side, fx.side);
    const a = await forward(src, img, fx.side, fx.side);
    const b = await forward(ours, img, fx.side, fx.side);
    expect(b.dims).toEqual(a.dims);
    const x = a.data as Float32Array;
    const y = b.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    expect(worst).toBeLessThan(1e-3);
    // Another frame size: the position grid is resized, the output is CLS + registers + that grid.
    const c = await forward(ours, image(3 * fx.patch, 5 * fx.patch), 3 * fx.patch, 5 * fx.patch);
    expect(c.dims).toEqual([1, 1 + fx.registers + 15, fx.dim]);
    expect([...(c.data as Float32Array)].every(Number.isFinite)).toBe(true);
  });

  it('continues pretraining on raw-pixel patches and exports a model --init reads back', async () => {
    const file = write('dinov2.onnx', buildHfVit(DINOV2));
    const w = readInitModel(file, '--init dinov2', DINOV2.heads);
    const recipe = {
      ...w.recipe,
      spec: { ...w.recipe.spec, headHidden: 16, bottleneck: 8, prototypes: 12 },
      steps: 4,
      batch: 2,
      window: 4,
      crop: 3,
      warmupSteps: 1,
    };
    const init = initParams(recipe.spec, 1);
    for (const [k, v] of w.encoder) init.set(k, v);
    const frames = Array.from({ length: 4 }, (_, i) => patchify(image(56, 84, i + 2), 84, 56, 14));
    const corpus = { frames, h: 4, w: 6, dim: 3 * 14 * 14 };
    const losses: number[] = [];
    const state = await runPretraining({
      dir: path.join(tmp, 'run'),
      recipe,
      corpus,
      source: 'test frames',
      init,
      threads: 1,
      onMetrics: (m) => losses.push(m.loss),
    });
    expect(losses).toHaveLength(4);
    expect(losses.every(Number.isFinite)).toBe(true);
    // The fixed position embedding is not trained; the blocks are.
    expect(state.teacher.get('pos')).toEqual(w.encoder.get('pos'));
    expect(state.student.get('blk0.q.w')).not.toEqual(w.encoder.get('blk0.q.w'));
    const out = write('continued.onnx', buildEncoderModel(recipe, state.teacher));
    const back = readInitModel(out, '--init continued');
    expect(back.recipe.spec).toEqual(recipe.spec);
    const t = await forward(fs.readFileSync(out), image(56, 84), 56, 84);
    expect(t.dims).toEqual([1, 3 + 24, 32]);
  });

  it('refuses a DINOv2 export missing a weight, naming it and how to export with names', () => {
    const file = write(
      'partial.onnx',
      buildHfVit({ ...DINOV2, omit: ['encoder.layer.1.layer_scale2.lambda1'] }),
    );
    expect(() => readInitModel(file, '--init partial', 2)).toThrow(StudioError);
    expect(() => readInitModel(file, '--init partial', 2)).toThrow(
      /--init partial: unsupported layout for --init — a DINOv2 export without the initializer 'encoder\.layer\.1\.layer_scale2\.lambda1'.*do_constant_folding=False/,
    );
  });

  it('refuses a ViT export of another layout (timm-style fused qkv, no Hugging Face names) with what it reads', () => {
    const file = write('timm.onnx', buildVitModel({ patchSize: 8, dim: 16, depth: 1, heads: 2 }));
    expect(() => readInitModel(file, '--init timm')).toThrow(
      /--init timm: unsupported layout for --init — .*Hugging Face DINOv2 \/ DINO exports .*this model is neither/,
    );
  });

  it('asks for --heads when the width is not a multiple of DINO’s head width', () => {
    const file = write('odd.onnx', buildHfVit({ ...DINOV2, dim: 24 }));
    expect(() => readInitModel(file, '--init odd')).toThrow(
      /width 24 is not a multiple of DINO's head width 64; give --heads/,
    );
  });
});
