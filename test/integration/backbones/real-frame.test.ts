// The backbone path on a real driving frame nobody here made (KITTI 000000_10 from ../shared/data):
// decode, reference five-crop preprocessing, the built-in and an ONNX backbone. Skips without the data.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBuiltinBackbone, createRgbBackbone } from '../../../main/engine/backbones/builtin.js';
import { openOnnxBackbone } from '../../../main/engine/backbones/onnx-backbone.js';
import { decodeRGB, preprocessImage, resolvePreprocessing } from '../../../main/engine/backbones/preprocess.js';
import { buildVitModel } from '../../../main/engine/onnx/vit-model.js';
import { sharedDataDir } from '../../helpers/temp-workspace.js';

const data = sharedDataDir();
const frame = data ? path.join(data, 'real-driving', 'kitti', 'training', 'image_2', '000000_10.png') : null;
const present = frame !== null && fs.existsSync(frame);
if (!present) console.warn('real-frame.test: ../shared/data/real-driving (KITTI frame) not found; skipping');

describe.skipIf(!present)('backbones on a real KITTI frame', () => {
  it('five-crops the 1242×375 frame and extracts finite built-in and ONNX features', async () => {
    const img = await decodeRGB(frame!);
    expect([img.width, img.height]).toEqual([1242, 375]);
    for (const bb of [createRgbBackbone(), createBuiltinBackbone()]) {
      const prep = resolvePreprocessing(bb, { crops: 'five' });
      const input = await preprocessImage(img, prep);
      const g = await bb.extract({ data: input, n: 5, height: 320, width: 320 });
      expect([g.n, g.h, g.w]).toEqual([5, 40, 40]);
      expect(g.data.every(Number.isFinite)).toBe(true);
      // Top-left and bottom-right crops see different parts of the street.
      const per = g.h * g.w * g.dim;
      let diff = 0;
      for (let i = 0; i < per; i++) diff += Math.abs(g.data[i]! - g.data[3 * per + i]!);
      expect(diff / per).toBeGreaterThan(0.01);
    }
    const vit = await openOnnxBackbone({ model: buildVitModel({ patchSize: 14, dim: 32, depth: 1, heads: 2, registers: 4 }), label: 'tiny', id: 'tiny', family: 'dinov2', patchSize: 14, sha256: null, provider: 'cpu' });
    const prep = resolvePreprocessing(vit, {});
    expect([prep.width, prep.height, prep.mean[0]]).toEqual([322, 322, 0.485]);
    const input = await preprocessImage(img, prep);
    // ImageNet normalisation: a real photo lands roughly in [-2.2, 2.7].
    expect(input.reduce((m, v) => Math.min(m, v), Infinity)).toBeGreaterThanOrEqual(-2.2);
    expect(input.reduce((m, v) => Math.max(m, v), -Infinity)).toBeLessThanOrEqual(2.7);
    const g = await vit.extract({ data: input, n: 1, height: 322, width: 322 });
    expect([g.h, g.w, g.dim, vit.prefixTokens]).toEqual([23, 23, 32, 5]);
    await vit.dispose();
  });
});
