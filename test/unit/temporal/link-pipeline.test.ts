// The speed-ups of the temporal path must not change what it computes: the helper-thread pipeline gives
// the same links as a Linker on this thread (and so the same predictions), and the reused buffers (Scratch, spare pyramids, the
// filter's double-buffered state) give the same results as fresh ones.
import { afterAll, describe, expect, it } from 'vitest';
import { Linker, type FrameLink } from '../../../main/engine/temporal/link.js';
import { LinkPipeline, stopTemporalHelper } from '../../../main/engine/temporal/link-pipeline.js';
import { TemporalPredictor } from '../../../main/engine/temporal/temporal-predictor.js';
import { boxSum, Scratch } from '../../../main/engine/temporal/image-ops.js';
import { buildPyramid, lucasKanadePyramid, lumaResized, type FlowField } from '../../../main/engine/temporal/optical-flow.js';
import { selectKth } from '../../../main/engine/temporal/plane-motion.js';
import { TemporalFilter } from '../../../main/engine/temporal/filter.js';

const W = 64;
const H = 48;
/** A scene moving down-right frame by frame, the lower half like a road that stretches towards the bottom. */
function frameRgb(t: number, seed = 0): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const s = y > H / 2 ? 1 + (0.05 * t * (y - H / 2)) / H : 1;
      const X = (x - W / 2) / s + 1.5 * t + seed;
      const Y = y + 0.7 * t;
      const v = 0.5 + 0.2 * Math.sin(X * 0.37 + Y * 0.11) + 0.15 * Math.cos(Y * 0.29 - X * 0.13) + (((x * 7 + y * 13 + t) % 5) - 2) * 0.004;
      rgb.fill(Math.max(0, Math.min(255, Math.round(v * 255))), (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  }
  return rgb;
}
const frames = [...[0, 1, 2, 3].map((t) => ({ sequence: 'a', rgb: frameRgb(t) })), ...[0, 1, 2].map((t) => ({ sequence: 'b', rgb: frameRgb(t, 5) }))];
const w = W / 2;
const h = H / 2;

function sameField(a: FlowField | null, b: FlowField | null): void {
  expect(a === null).toBe(b === null);
  if (!a || !b) return;
  expect(Array.from(a.u)).toEqual(Array.from(b.u));
  expect(Array.from(a.v)).toEqual(Array.from(b.v));
  expect(Array.from(a.confidence)).toEqual(Array.from(b.confidence));
  expect(a.still ? Array.from(a.still) : null).toEqual(b.still ? Array.from(b.still) : null);
}

/** Patch grids that drift with the scene (features mode matches them). */
const GH = 6;
const GW = 8;
const DIM = 5;
function gridAt(t: number, seed = 0): Float32Array {
  return Float32Array.from({ length: GH * GW * DIM }, (_, i) => {
    const c = i % DIM;
    const p = (i - c) / DIM;
    const x = (p % GW) + 0.4 * t;
    const y = Math.floor(p / GW);
    return Math.sin(x * (0.5 + c * 0.3) + y * (0.2 + c * 0.1) + seed);
  });
}
const linkFrames = frames.map((f, i) => ({ ...f, grid: gridAt(i < 4 ? i : i - 4, f.sequence === 'b' ? 2 : 0), h: GH, w: GW, dim: DIM, outW: W, outH: H, region: { x: 0, y: 0, width: W, height: H } }));

function sameLink(a: FrameLink, b: FrameLink): void {
  expect(a.meanSimilarity).toBe(b.meanSimilarity);
  const ca = a.correspondence;
  const cb = b.correspondence;
  expect(ca === null).toBe(cb === null);
  if (!ca || !cb) return;
  sameField({ ...ca }, { ...cb });
}

describe('link pipeline', () => {
  afterAll(() => stopTemporalHelper());

  for (const mode of ['flow', 'features'] as const) {
    it(`gives on the helper thread, submitted ahead, the same ${mode} links as a Linker on this thread`, async () => {
      const local = new Linker(mode);
      const expected = linkFrames.map((f) => local.link(f));
      expect(expected.filter((l) => l.correspondence === null)).toHaveLength(2);
      for (const threads of [2, 1]) {
        const pipe = await LinkPipeline.open(mode, {}, threads);
        expect(pipe.threaded).toBe(threads === 2);
        // one frame ahead, the decode a promise, as the predict job submits them
        pipe.submit({ ...linkFrames[0]!, rgb: Promise.resolve(linkFrames[0]!.rgb) });
        for (let i = 0; i < linkFrames.length; i++) {
          if (i + 1 < linkFrames.length) pipe.submit(linkFrames[i + 1]!);
          sameLink(await pipe.next(), expected[i]!);
        }
        pipe.close();
      }
    });
  }

  it('gives the same predictions as the one-thread predictor when its links are handed in', async () => {
    const { Predictor } = await import('../../../main/engine/cause/predict.js');
    const K = 3;
    const centroids = Float32Array.from({ length: K * DIM }, (_, i) => Math.cos(i * 1.3));
    const predictor = new Predictor({ method: 'kmeans' as const, grid: { h: GH, w: GW }, dim: DIM, centroids, clusters: K }, false);
    try {
      for (const mode of ['flow', 'features'] as const) {
        const plain = new TemporalPredictor(predictor, mode);
        const piped = new TemporalPredictor(predictor, mode);
        const pipe = await LinkPipeline.open(mode, piped.linkOptions, 2);
        for (const f of linkFrames) pipe.submit(f);
        for (const f of linkFrames) {
          const a = plain.predict(f);
          const b = piped.predict({ ...f, link: await pipe.next() });
          expect(Array.from(b.clusters)).toEqual(Array.from(a.clusters));
          expect(Array.from(b.confidence)).toEqual(Array.from(a.confidence));
        }
        expect(piped.resets).toBe(plain.resets);
        pipe.close();
      }
    } finally {
      predictor.dispose();
    }
  });

  it('reports a failed decode from next()', async () => {
    const pipe = await LinkPipeline.open('flow', {}, 2);
    pipe.submit({ ...linkFrames[0]!, rgb: Promise.reject(new Error('no image')) });
    await expect(pipe.next()).rejects.toThrow('no image');
    pipe.close();
  });
});

describe('reused buffers', () => {
  it('pyramids and LK flows built into reused buffers equal fresh ones', () => {
    const scratch = new Scratch();
    const lum = frames.map((f) => lumaResized(f.rgb, W, H, w, h));
    const fresh = lum.map((l) => buildPyramid(l));
    // built one into the other's buffers, in turn, as FlowTracker does with its spare pyramid
    let spare = buildPyramid(lumaResized(frames[6]!.rgb, W, H, w, h));
    for (let i = 1; i < 4; i++) {
      const prev = buildPyramid(lumaResized(frames[i - 1]!.rgb, W, H, w, h), {}, spare, scratch);
      const cur = buildPyramid(lum[i]!, {}, null, scratch);
      const a = lucasKanadePyramid(prev, cur, {}, undefined, scratch);
      const b = lucasKanadePyramid(fresh[i - 1]!, fresh[i]!);
      sameField(a, b);
      for (let l = 0; l < prev.length; l++) expect(Array.from(prev[l]!.texture)).toEqual(Array.from(fresh[i - 1]![l]!.texture));
      spare = prev;
    }
  });

  it('boxSum equals the clamped window sum, at every size against the radius', () => {
    for (const [bw, bh, r] of [
      [9, 5, 1],
      [3, 4, 2],
      [7, 7, 3],
      [2, 9, 4],
    ] as const) {
      const src = Float32Array.from({ length: bw * bh }, (_, i) => Math.sin(i * 1.7));
      const out = new Float32Array(bw * bh);
      boxSum(src, bw, bh, r, out, new Scratch().integral(bw, bh));
      for (let y = 0; y < bh; y++) {
        for (let x = 0; x < bw; x++) {
          let s = 0;
          for (let yy = Math.max(0, y - r); yy < Math.min(bh, y + r + 1); yy++) for (let xx = Math.max(0, x - r); xx < Math.min(bw, x + r + 1); xx++) s += src[yy * bw + xx]!;
          expect(out[y * bw + x]).toBeCloseTo(s, 4);
        }
      }
    }
  });

  it('selectKth is the sorted array at k', () => {
    for (let n = 1; n < 60; n += 7) {
      const a = Float64Array.from({ length: n }, (_, i) => Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 1);
      a[n >> 2] = a[n >> 1]!; // ties
      const sorted = a.slice().sort();
      for (const k of [0, n >> 1, n - 1]) expect(selectKth(a.slice(), n, k)).toBe(sorted[k]);
    }
  });

  it('the filter with its reused state buffers equals a new filter fed the same frames', () => {
    const K = 3;
    const n = 6 * 4;
    const corr = { width: 6, height: 4, u: new Float32Array(n).fill(0.4), v: new Float32Array(n).fill(-0.3), confidence: new Float32Array(n).fill(0.8) };
    const scoresAt = (t: number) => Float32Array.from({ length: n * K }, (_, i) => Math.sin(i * 0.7 + t));
    const long = new TemporalFilter(K);
    const seqs = ['a', 'a', 'a', 'b', 'b', 'a'];
    const outs = seqs.map((s, t) => {
      const sc = scoresAt(t);
      long.step(s, sc, 6, 4, t === 0 ? null : corr, null);
      return Array.from(sc);
    });
    // the same steps, each from a fresh filter replaying the history (its buffers all new)
    seqs.forEach((_, t) => {
      const f = new TemporalFilter(K);
      let last: number[] = [];
      for (let j = 0; j <= t; j++) {
        const sc = scoresAt(j);
        f.step(seqs[j]!, sc, 6, 4, j === 0 ? null : corr, null);
        last = Array.from(sc);
      }
      expect(last).toEqual(outs[t]);
    });
  });
});
