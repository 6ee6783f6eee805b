// The filter bank written as ONNX operators gives the JS filter bank's tokens (within 1e-4), and the
// exported pretrained model equals the training graph's encoder on those tokens: one model file,
// [B,3,H,W] → [B,T,D], computes exactly what pretraining trained.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { BUILTIN_DIM, filterBankFeatures } from '../../../main/engine/backbones/builtin.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../../main/engine/backbones/backbone.js';
import { buildFilterBankModel } from '../../../main/engine/onnx/filter-bank-graph.js';
import { inspectOnnx } from '../../../main/engine/onnx/onnx-inspect.js';
import { buildEncoderModel } from '../../../main/engine/pretrain/export-model.js';
import { allParamNames, initParams, paramShape } from '../../../main/engine/pretrain/params.js';
import { defaultRecipe } from '../../../main/engine/pretrain/recipe.js';
import { rgbToPlanar } from '../../../main/engine/pretrain/synth-corpus.js';
import { buildTeacherGraph, paramInput } from '../../../main/engine/pretrain/step-graph.js';
import { Rasterizer } from '../../../main/engine/synth/raster.js';
import { SynthSequence } from '../../../main/engine/synth/world.js';

function frame(W: number, H: number): Float32Array {
  const r = new Rasterizer(W, H);
  new SynthSequence({ seed: 5, sequence: 0, frames: 3, width: W, height: H, weather: 'clear' }).render(r, 1);
  return rgbToPlanar(r.rgb, W, H);
}

describe('filter bank as ONNX', () => {
  it('matches filterBankFeatures within 1e-4 on a SynthDrive frame and on flat patches', async () => {
    const W = 96;
    const H = 64;
    const img = frame(W, H);
    // A flat block (zero spread, zero gradient: the 0/0 orientation case) in one corner.
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) img[c * W * H + y * W + x] = 0.3;
    const ref = filterBankFeatures({ data: img, n: 1, height: H, width: W });
    const session = await ort.InferenceSession.create(buildFilterBankModel());
    const out = (await session.run({ pixel_values: new ort.Tensor('float32', img, [1, 3, H, W]) }))
      .last_hidden_state!;
    expect(out.dims).toEqual([1, (H / 8) * (W / 8), BUILTIN_DIM]);
    const d = out.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < d.length; i++) worst = Math.max(worst, Math.abs(d[i]! - ref.data[i]!));
    expect(worst).toBeLessThan(1e-4);
    await session.release();
  });

  it('the exported encoder model equals the training graph on the same frame, and the store finds patch 8', async () => {
    const recipe = defaultRecipe({ depth: 1 });
    const params = initParams(recipe.spec, 4);
    const W = 64;
    const H = 48;
    const img = frame(W, H);
    const bytes = buildEncoderModel(recipe, params);
    expect(inspectOnnx('model.onnx', bytes).patchSize).toBe(8);
    // The model takes ImageNet-normalised input, like every ViT export.
    const norm = img.map(
      (v, i) => (v - IMAGENET_MEAN[Math.floor(i / (W * H))]!) / IMAGENET_STD[Math.floor(i / (W * H))]!,
    );
    const model = await ort.InferenceSession.create(bytes);
    const y = (await model.run({ pixel_values: new ort.Tensor('float32', norm, [1, 3, H, W]) }))
      .last_hidden_state!;
    const fb = filterBankFeatures({ data: img, n: 1, height: H, width: W });
    const n = fb.h * fb.w;
    const teacher = await ort.InferenceSession.create(buildTeacherGraph(recipe.spec, n));
    const feeds: Record<string, ort.Tensor> = {
      tokens: new ort.Tensor('float32', fb.data, [n, BUILTIN_DIM]),
    };
    for (const name of allParamNames(recipe.spec))
      feeds[paramInput(name)] = new ort.Tensor('float32', params.get(name)!, paramShape(recipe.spec, name));
    const f = (await teacher.run(feeds)).features!.data as Float32Array;
    expect(y.dims).toEqual([1, n, recipe.spec.dim]);
    const d = y.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < f.length; i++) worst = Math.max(worst, Math.abs(f[i]! - d[i]!));
    expect(worst).toBeLessThan(1e-3);
    await Promise.all([model.release(), teacher.release()]);
  });
});
