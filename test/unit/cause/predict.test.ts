import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import { bilinearMatrix, centreCropRegion, Predictor } from '../../../main/engine/cause/predict.js';
import { encodeClusterMap } from '../../../main/engine/cause/prediction-png.js';
import { decodeTensorFile, encodeTensorFile } from '../../../main/engine/cause/tensor-file.js';
import { Prng } from '../../../shared/random.js';
import { parseTrainConfig, presetConfig } from '../../../shared/contract/experiments.js';

beforeAll(async () => {
  await initTfBackend('wasm');
});

describe('inference', () => {
  it('bilinear resampling matrices equal tf.image.resizeBilinear with half-pixel centres', () => {
    const h = 5, w = 7, H = 12, W = 17;
    const img = tf.tensor3d(new Prng(1).normalArray(h * w), [h, w, 1]);
    const ref = tf.image.resizeBilinear(img, [H, W], false, true).reshape([H, W]).arraySync() as number[][];
    const Ry = tf.tensor2d(bilinearMatrix(H, h, 0, H), [H, h]);
    const Rx = tf.tensor2d(bilinearMatrix(W, w, 0, W), [W, w]);
    const mine = tf.matMul(tf.matMul(Ry, img.reshape([h, w]) as tf.Tensor2D), Rx, false, true).arraySync() as number[][];
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) expect(mine[y]![x]).toBeCloseTo(ref[y]![x]!, 5);
  });

  it('the centre-crop region matches short-side resize + centre crop', () => {
    expect(centreCropRegion(512, 256, 320, 320)).toEqual({ x: 128, y: 0, width: 256, height: 256 });
    expect(centreCropRegion(640, 480, 640, 480)).toEqual({ x: 0, y: 0, width: 640, height: 480 });
  });

  it('k-means prediction picks the nearest centroid by cosine at the output resolution', () => {
    // Two centroids along the axes; a grid whose left half points along x, right half along y.
    const h = 4, w = 4, D = 2;
    const grid = new Float32Array(h * w * D);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) grid.set(x < 2 ? [3, 0.1] : [0.2, 5], (y * w + x) * D);
    const p = new Predictor({ method: 'kmeans', grid: { h, w }, dim: D, clusters: 2, centroids: Float32Array.from([1, 0, 0, 1]) });
    const out = p.predict(grid, h, w, D, 16, 8);
    expect(out.clusters[0]).toBe(0);
    expect(out.clusters[15]).toBe(1);
    expect(out.clusters[7 * 16]).toBe(0);
    expect(out.confidence[0]).toBeGreaterThan(128);
    p.dispose();
  });

  it('cosines, argmax and confidence from grid-level dots equal those of the explicitly upsampled embedding', () => {
    // Random embedding and centroids; a centre-crop region (pixels outside it clamp to the grid's edge),
    // an output larger than the grid and one smaller than it.
    const h = 6, w = 9, D = 11, K = 7;
    const rng = new Prng(5);
    const grid = Float32Array.from(rng.normalArray(h * w * D));
    const p = new Predictor({ method: 'kmeans', grid: { h, w }, dim: D, clusters: K, centroids: Float32Array.from(rng.normalArray(K * D)) });
    for (const [outW, outH, region] of [
      [53, 31, { x: 7.5, y: 2, width: 38, height: 27 }],
      [5, 4, undefined],
    ] as const) {
      const fast = p.predict(grid, h, w, D, outW, outH, region);
      const cos = p.cosines(grid, h, w, D, outW, outH, region);
      // The temporal filter's state: the cosines themselves, from grid-level dots.
      const gridCos = p.gridCosines(grid, h, w, D, outW, outH, region);
      expect(gridCos.length).toBe(cos.length);
      for (let i = 0; i < cos.length; i++) expect(Math.abs(gridCos[i]! - cos[i]!)).toBeLessThan(1e-5);
      let same = 0;
      for (let i = 0; i < outW * outH; i++) {
        const row = cos.subarray(i * K, (i + 1) * K);
        let best = 0;
        for (let k = 1; k < K; k++) if (row[k]! > row[best]!) best = k;
        let z = 0;
        for (let k = 0; k < K; k++) z += Math.exp(3 * (row[k]! - row[best]!));
        if (fast.clusters[i] === best) same++;
        else expect(row[fast.clusters[i]!]).toBeCloseTo(row[best]!, 5); // a tie up to float rounding
        expect(Math.abs(fast.confidence[i]! - Math.round(255 / z))).toBeLessThanOrEqual(1);
      }
      expect(same).toBeGreaterThanOrEqual(outW * outH - 1);
    }
    p.dispose();
  });
});

describe('files', () => {
  it('cluster maps are 8-bit for K ≤ 255 and 16-bit above', async () => {
    const ids = Uint16Array.from([0, 1, 300, 2]);
    const small = await sharp(await encodeClusterMap(Uint16Array.from([0, 1, 2, 3]), 2, 2, 27)).metadata();
    const big = await sharp(await encodeClusterMap(ids, 2, 2, 400)).metadata();
    expect(small.depth).toBe('uchar');
    expect(big.depth).toBe('ushort');
    const raw = await sharp(await encodeClusterMap(ids, 2, 2, 400)).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
    expect(Array.from(new Uint16Array(raw.buffer, raw.byteOffset, 4))).toEqual([0, 1, 300, 2]);
  });

  it('tensor files round-trip and reject garbage with the file name', () => {
    const bytes = encodeTensorFile({ a: 1 }, new Map([['x', { shape: [2], values: Float32Array.from([1.5, -2]) }], ['i', { shape: [1], values: Int32Array.from([7]) }]]));
    const back = decodeTensorFile(Buffer.from(bytes), 'mem');
    expect(back.meta).toEqual({ a: 1 });
    expect(Array.from(back.arrays.get('x')!.values)).toEqual([1.5, -2]);
    expect(Array.from(back.arrays.get('i')!.values)).toEqual([7]);
    expect(() => decodeTensorFile(Buffer.from('nonsense data'), '/tmp/bad.bin')).toThrow(/\/tmp\/bad.bin/);
  });

  it('configs carry a schemaVersion; presets validate, newer or broken configs are refused by name', () => {
    for (const preset of ['reference', 'fast'] as const) {
      for (const m of ['cause-mlp', 'cause-tr', 'kmeans'] as const) expect(parseTrainConfig(presetConfig(preset, m, 27), 'x').schemaVersion).toBe(1);
    }
    expect(presetConfig('reference', 'cause-tr', 27).step3.epochs).toBe(5);
    expect(presetConfig('reference', 'cause-mlp', 27).concepts).toBe(2048);
    expect(() => parseTrainConfig({ ...presetConfig('fast', 'cause-mlp', 27), schemaVersion: 2 }, 'exp.json')).toThrow(/exp.json.*newer/);
    expect(() => parseTrainConfig({ ...presetConfig('fast', 'cause-mlp', 27), tau: -1 }, 'exp.json')).toThrow(/exp.json: invalid training config: tau/);
  });
});
