import { describe, expect, it } from 'vitest';
import { BUILTIN_DIM, createBuiltinBackbone, createRgbBackbone, filterBankFeatures, rgbFeatures } from '../../../main/engine/backbones/builtin.js';
import { cropBoxes, resolvePreprocessing } from '../../../main/engine/backbones/preprocess.js';
import { referenceSize } from '../../../main/engine/backbones/backbone.js';

/** Planar RGB image from a per-pixel function. */
function img(w: number, h: number, f: (x: number, y: number) => [number, number, number]): Float32Array {
  const a = new Float32Array(3 * w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const [r, g, b] = f(x, y);
    a[y * w + x] = r;
    a[w * h + y * w + x] = g;
    a[2 * w * h + y * w + x] = b;
  }
  return a;
}

const token = (data: Float32Array, dim: number, cell: number) => data.subarray(cell * dim, (cell + 1) * dim);
const dist = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));

describe('rgb backbone', () => {
  it('gives per-patch colour mean and spread', async () => {
    const data = img(16, 8, (x) => (x < 8 ? [1, 0, 0] : [x % 2, 0.5, 0]));
    const g = await createRgbBackbone().extract({ data, n: 1, height: 8, width: 16 });
    expect([g.h, g.w, g.dim]).toEqual([1, 2, 6]);
    expect(Array.from(token(g.data, 6, 0))).toEqual([1, 0, 0, 0, 0, 0]);
    const t1 = Array.from(token(g.data, 6, 1));
    expect(t1[0]).toBeCloseTo(0.5);
    expect(t1[1]).toBeCloseTo(0.5);
    expect(t1[3]).toBeCloseTo(0.5); // std of alternating 0/1
    expect(t1[4]).toBeCloseTo(0);
  });

  it('refuses sizes that are not multiples of the patch', async () => {
    await expect(createRgbBackbone().extract({ data: new Float32Array(3 * 10 * 8), n: 1, height: 8, width: 10 })).rejects.toThrow(/not a multiple of the patch size 8/);
  });
});

describe('builtin filter-bank backbone', () => {
  it('has the declared shape and finite values', async () => {
    const data = img(64, 32, (x, y) => [Math.sin(x / 3) * 0.5 + 0.5, y / 32, 0.3]);
    const bb = createBuiltinBackbone();
    const g = await bb.extract({ data: new Float32Array([...data, ...data]), n: 2, height: 32, width: 64 });
    expect([g.n, g.h, g.w, g.dim]).toEqual([2, 4, 8, BUILTIN_DIM]);
    expect(g.data.every((v) => Number.isFinite(v))).toBe(true);
    // Both images identical → identical features (no cross-image state).
    expect(Array.from(g.data.subarray(0, g.data.length / 2))).toEqual(Array.from(g.data.subarray(g.data.length / 2)));
  });

  it('separates textures that have the same colour statistics (which rgb cannot)', () => {
    // Vertical vs horizontal stripes: identical per-patch RGB mean and std.
    const vertical = img(32, 32, (x) => (x % 4 < 2 ? [0.9, 0.9, 0.9] : [0.1, 0.1, 0.1]));
    const horizontal = img(32, 32, (_x, y) => (y % 4 < 2 ? [0.9, 0.9, 0.9] : [0.1, 0.1, 0.1]));
    const rv = rgbFeatures({ data: vertical, n: 1, height: 32, width: 32 });
    const rh = rgbFeatures({ data: horizontal, n: 1, height: 32, width: 32 });
    const cell = 1 * 4 + 1; // an interior patch, same position in both
    expect(dist(token(rv.data, 6, cell), token(rh.data, 6, cell))).toBeLessThan(1e-6);
    const fv = filterBankFeatures({ data: vertical, n: 1, height: 32, width: 32 });
    const fh = filterBankFeatures({ data: horizontal, n: 1, height: 32, width: 32 });
    expect(dist(token(fv.data, BUILTIN_DIM, cell), token(fh.data, BUILTIN_DIM, cell))).toBeGreaterThan(1);
  });

  it('puts similar surfaces closer than different ones', () => {
    // Left: flat grey-blue "sky"; right: noisy dark "road".
    let s = 9;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const data = img(64, 32, (x) => (x < 32 ? [0.55, 0.65, 0.85] : ((v) => [v, v, v] as [number, number, number])(0.25 + 0.2 * rnd())));
    const g = filterBankFeatures({ data, n: 1, height: 32, width: 64 });
    const sky1 = token(g.data, BUILTIN_DIM, 1 * 8 + 1);
    const sky2 = token(g.data, BUILTIN_DIM, 2 * 8 + 2);
    const road = token(g.data, BUILTIN_DIM, 1 * 8 + 6);
    expect(dist(sky1, sky2)).toBeLessThan(dist(sky1, road) / 3);
  });
});

describe('preprocessing', () => {
  it('uses the reference sizes of the method', () => {
    expect(referenceSize(14)).toBe(322);
    expect(referenceSize(8)).toBe(320);
    expect(referenceSize(16)).toBe(320);
    const p = resolvePreprocessing({ id: 'x', patchSize: 14, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], fixedSize: null }, { crops: 'five' });
    expect(p).toMatchObject({ width: 322, height: 322, crops: 'five', resize: 'short-side-center-crop' });
    expect(() => resolvePreprocessing({ id: 'x', patchSize: 14, mean: [0, 0, 0], std: [1, 1, 1], fixedSize: null }, { width: 320 })).toThrow(
      /320x320 is not a multiple of backbone x's patch size 14 \(try 322x322\)/,
    );
  });

  it('five-crops into 4 corners and the centre, each half by half', () => {
    const boxes = cropBoxes(2048, 1024, 'five');
    expect(boxes).toEqual([
      { left: 0, top: 0, width: 1024, height: 512 },
      { left: 1024, top: 0, width: 1024, height: 512 },
      { left: 0, top: 512, width: 1024, height: 512 },
      { left: 1024, top: 512, width: 1024, height: 512 },
      { left: 512, top: 256, width: 1024, height: 512 },
    ]);
    expect(cropBoxes(100, 50, 'none')).toEqual([{ left: 0, top: 0, width: 100, height: 50 }]);
  });
});
