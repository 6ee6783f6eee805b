// MAE support: a small MAE-layout ViT written here (Hugging Face ViTMAEModel's embedding: position
// embeddings, then random_masking of 75 % of the patches, then the CLS token) really masks at random
// when ONNX Runtime runs it, and the model store refuses it with a message that says how to export it;
// the same encoder without masking is accepted as an MAE backbone with a full patch grid.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../../shared/contract/errors.js';
import { addModel, HUB_PRESETS } from '../../../main/engine/backbones/model-store.js';
import { openBackbone } from '../../../main/engine/backbones/registry.js';
import { buildVitModel } from '../../../main/engine/onnx/vit-model.js';
import { makeFixture, type Fixture } from '../../../bench/lib/folder-dataset.js';

let fx: Fixture | undefined;
afterEach(() => {
  fx?.cleanup();
  fx = undefined;
});

const mae = (maskRatio?: number) =>
  buildVitModel({ patchSize: 8, dim: 16, depth: 1, heads: 2, fixedSize: { height: 32, width: 32 }, attentionLayout: 'separate-qkv', ...(maskRatio ? { maskRatio } : {}) });

describe('MAE backbones', () => {
  it('the MAE-layout fixture keeps a random quarter of the patches on every run (as the pre-training forward does)', async () => {
    const session = await ort.InferenceSession.create(mae(0.75));
    const input = new ort.Tensor('float32', Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i * 0.37)), [1, 3, 32, 32]);
    const a = (await session.run({ pixel_values: input })).last_hidden_state!;
    const b = (await session.run({ pixel_values: input })).last_hidden_state!;
    expect(a.dims).toEqual([1, 1 + 4, 16]); // CLS + 16 patches × (1 − 0.75)
    expect([...(a.data as Float32Array)]).not.toEqual([...(b.data as Float32Array)]);
    await session.release();
  });

  it('models add refuses an export that still masks tokens, naming the file and the fix', async () => {
    fx = await makeFixture({ frames: 1 });
    const file = path.join(fx.root, 'vit-mae-masked.onnx');
    fs.writeFileSync(file, mae(0.75));
    const e = await addModel(fx.db, fx.ws, { file, name: 'mae-masked' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(StudioError);
    expect((e as StudioError).message).toMatch(/vit-mae-masked\.onnx: the graph draws random numbers \(RandomUniformLike\): this MAE export still applies MAE's random token masking/);
    expect((e as StudioError).message).toMatch(/mask_ratio=0\.0/);
  });

  it('the same encoder exported with masking off is an MAE backbone with the full patch grid', async () => {
    fx = await makeFixture({ frames: 1 });
    const file = path.join(fx.root, 'vit-mae-nomask.onnx');
    fs.writeFileSync(file, mae());
    const m = await addModel(fx.db, fx.ws, { file, name: 'mae-tiny' });
    expect(m).toMatchObject({ family: 'mae', patchSize: 8, dim: 16 });
    const bb = await openBackbone(fx.db, 'mae-tiny', { workspaceRoot: fx.ws.root, provider: 'cpu' });
    try {
      const grid = await bb.extract({ data: new Float32Array(3 * 32 * 32).fill(0.2), n: 1, height: 32, width: 32 });
      expect([grid.h, grid.w, grid.dim]).toEqual([4, 4, 16]);
    } finally {
      await bb.dispose();
    }
    expect(HUB_PRESETS['mae-base']).toMatchObject({ family: 'mae', patchSize: 16 });
  });
});
