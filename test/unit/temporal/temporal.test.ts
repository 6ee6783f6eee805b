// Temporal prediction's parts: patch matching and optical flow recover a known shift, patch matches
// become per-pixel correspondences, and the temporal predictor equals per-frame prediction where nothing
// moves. The filter itself: temporal-filter.test.ts.
import { describe, expect, it } from 'vitest';
import { correspondenceFromPatches } from '../../../main/engine/temporal/carry.js';
import { matchPatches } from '../../../main/engine/temporal/feature-match.js';
import { lucasKanadeFlow, type GreyImage } from '../../../main/engine/temporal/optical-flow.js';
import { Prng } from '../../../shared/random.js';

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

describe('patch matching', () => {
  it('finds where each patch was when the whole grid shifted', () => {
    const h = 20;
    const w = 30;
    const dim = 64;
    const rng = new Prng(3);
    const big = new Float32Array((h + 8) * (w + 8) * dim).map(() => rng.next() - 0.5);
    const crop = (ox: number, oy: number) => {
      const g = new Float32Array(h * w * dim);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) g.set(big.subarray(((y + oy) * (w + 8) + x + ox) * dim, ((y + oy) * (w + 8) + x + ox + 1) * dim), (y * w + x) * dim);
      return g;
    };
    // frame t sees the world 3 patches right and 2 down of frame t−1: its patch (x, y) was at (x+3, y+2)
    const prev = crop(1, 1);
    const cur = crop(4, 3);
    const m = matchPatches(prev, cur, h, w, dim);
    const dx: number[] = [];
    const dy: number[] = [];
    for (let y = 2; y < h - 4; y++) for (let x = 2; x < w - 5; x++) {
      dx.push(m.dx[y * w + x]!);
      dy.push(m.dy[y * w + x]!);
    }
    expect(median(dx)).toBeCloseTo(3, 0);
    expect(median(dy)).toBeCloseTo(2, 0);
    expect(m.meanSimilarity).toBeGreaterThan(0.7); // border patches have no true match
    // an unrelated frame (a scene cut) matches far worse
    const other = new Float32Array(h * w * dim).map(() => rng.next() - 0.5);
    expect(matchPatches(prev, other, h, w, dim).meanSimilarity).toBeLessThan(m.meanSimilarity - 0.3);
  });
});

describe('Lucas–Kanade flow', () => {
  it('recovers a sub-pixel translation of a smooth texture', () => {
    const W = 96;
    const H = 64;
    const tex = (x: number, y: number) => 0.5 + 0.2 * Math.sin(x * 0.31 + y * 0.07) + 0.2 * Math.cos(y * 0.23 - x * 0.11) + 0.1 * Math.sin(x * 0.05 * y * 0.05);
    const img = (ox: number, oy: number): GreyImage => {
      const data = new Float32Array(W * H);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = tex(x + ox, y + oy);
      return { data, width: W, height: H };
    };
    // cur(p) = prev(p + (2.5, −1.5))
    const prev = img(0, 0);
    const cur = img(2.5, -1.5);
    const f = lucasKanadeFlow(prev, cur);
    const us: number[] = [];
    const vs: number[] = [];
    for (let y = 10; y < H - 10; y++) for (let x = 10; x < W - 10; x++) {
      us.push(f.u[y * W + x]!);
      vs.push(f.v[y * W + x]!);
    }
    expect(Math.abs(median(us) - 2.5)).toBeLessThan(0.2);
    expect(Math.abs(median(vs) + 1.5)).toBeLessThan(0.2);
    expect(median(Array.from(f.confidence))).toBeGreaterThan(0.8);
  });
});

describe('patch correspondences', () => {
  it('carries along the correspondence, scaled from patches to pixels', () => {
    // one patch row of 4 patches over a 16-pixel-wide region: dx = 1 patch = 4 pixels
    const m = { h: 1, w: 4, dx: new Float32Array(4).fill(1), dy: new Float32Array(4), similarity: new Float32Array(4).fill(1), meanSimilarity: 1 };
    const corr = correspondenceFromPatches(m, { x: 0, y: 0, width: 16, height: 4 }, 16, 4);
    expect(corr.u[5]).toBeCloseTo(4);
    expect(corr.confidence[5]).toBeCloseTo(1);
  });
});

describe('temporal predictor', () => {
  it('equals per-frame prediction on a still scene and at every sequence start', async () => {
    const { Predictor } = await import('../../../main/engine/cause/predict.js');
    const { TemporalPredictor } = await import('../../../main/engine/temporal/temporal-predictor.js');
    const h = 6;
    const w = 8;
    const dim = 8;
    const K = 3;
    const rng = new Prng(4);
    const centroids = rng.normalArray(K * dim);
    const model = { method: 'kmeans' as const, grid: { h, w }, dim, centroids, clusters: K };
    const predictor = new Predictor(model, false);
    try {
      const grid = rng.normalArray(h * w * dim);
      const other = rng.normalArray(h * w * dim);
      const region = { x: 0, y: 0, width: 32, height: 24 };
      const per = (g: Float32Array) => predictor.predict(g, h, w, dim, 32, 24, region).clusters;
      for (const mode of ['features', 'flow'] as const) {
        // at full state resolution the filter's argmax is the per-frame argmax exactly
        const t = new TemporalPredictor(predictor, mode, { stateFactor: 1 });
        const rgb = new Uint8Array(32 * 24 * 3).map((_, i) => (i * 37) % 251);
        const frame = (sequence: string, g: Float32Array) => t.predict({ sequence, grid: g, h, w, dim, outW: 32, outH: 24, region, rgb }).clusters;
        expect(Array.from(frame('s', grid))).toEqual(Array.from(per(grid)));
        // the same frame again: carrying it changes nothing
        expect(Array.from(frame('s', grid))).toEqual(Array.from(per(grid)));
        // a new sequence starts from its own prediction
        expect(Array.from(frame('t', other))).toEqual(Array.from(per(other)));
        expect(t.resets).toBe(2);
        // at the default half resolution (scores upsampled after the filter) it stays within a few pixels
        const half = new TemporalPredictor(predictor, mode);
        const a = half.predict({ sequence: 's', grid, h, w, dim, outW: 32, outH: 24, region, rgb }).clusters;
        const b = per(grid);
        expect(a.filter((x, i) => x === b[i]).length / a.length).toBeGreaterThan(0.9);
        if (mode === 'flow') {
          // A flow at a quarter of the output is carried to the half-size state: the correspondence is the
          // state's size, and the same frame again still changes nothing.
          const q = new TemporalPredictor(predictor, mode, { stateFactor: 1, flowFactor: 4 });
          const first = q.predict({ sequence: 's', grid, h, w, dim, outW: 32, outH: 24, region, rgb }).clusters;
          const again = q.predict({ sequence: 's', grid, h, w, dim, outW: 32, outH: 24, region, rgb }).clusters;
          expect(q.lastCorrespondence).toMatchObject({ width: 32, height: 24 });
          expect(Array.from(again)).toEqual(Array.from(first));
        }
      }
    } finally {
      predictor.dispose();
    }
  });
});
