// The temporal filter (recursive score average + label hysteresis), the flow tracker (pyramid reuse, warm
// start, still pixels) and the upsampled argmax of the temporal predictor.
import { describe, expect, it } from 'vitest';
import type { Correspondence } from '../../../main/engine/temporal/carry.js';
import { TemporalFilter } from '../../../main/engine/temporal/filter.js';
import { FlowTracker } from '../../../main/engine/temporal/optical-flow.js';
import { Prng } from '../../../shared/random.js';

const still = (W: number, H: number, confidence = 1): Correspondence => ({
  width: W,
  height: H,
  u: new Float32Array(W * H),
  v: new Float32Array(W * H),
  confidence: new Float32Array(W * H).fill(confidence),
});

const argmax = (s: Float32Array, K: number, i: number) => {
  let b = 0;
  for (let k = 1; k < K; k++) if (s[i * K + k]! > s[i * K + b]!) b = k;
  return b;
};

describe('temporal filter', () => {
  it('keeps the carried label until frame t beats it by the margin (hysteresis)', () => {
    const K = 2;
    const f = new TemporalFilter(K, { carry: 0, margin: 0.1 });
    const one = (a: number, b: number) => new Float32Array([a, b]);
    let s = one(0.5, 0.4);
    f.step('s', s, 1, 1, null, null);
    expect(argmax(s, K, 0)).toBe(0);
    // cluster 1 now leads by 0.05 < margin: the label stays 0
    s = one(0.45, 0.5);
    f.step('s', s, 1, 1, still(1, 1), null);
    expect(argmax(s, K, 0)).toBe(0);
    // by 0.15 > margin: it changes, and then cluster 1 holds
    s = one(0.35, 0.5);
    f.step('s', s, 1, 1, still(1, 1), null);
    expect(argmax(s, K, 0)).toBe(1);
    s = one(0.5, 0.45);
    f.step('s', s, 1, 1, still(1, 1), null);
    expect(argmax(s, K, 0)).toBe(1);
    // no correspondence confidence (disocclusion): frame t's own evidence decides
    s = one(0.5, 0.45);
    f.step('s', s, 1, 1, still(1, 1, 0), null);
    expect(argmax(s, K, 0)).toBe(0);
  });

  it('holds a still pixel\'s same-place label beside the one carried along the flow', () => {
    const K = 2;
    // 2×1: left pixel cluster 0, right pixel cluster 1; the flow says the right pixel came from the left
    const first = new Float32Array([0.6, 0.4, 0.4, 0.6]);
    const moved = (stillMask?: Uint8Array): Correspondence => ({
      width: 2,
      height: 1,
      u: new Float32Array([0, -1]),
      v: new Float32Array(2),
      confidence: new Float32Array([1, 1]),
      ...(stillMask ? { still: stillMask } : {}),
    });
    const run = (stillMask?: Uint8Array) => {
      const f = new TemporalFilter(K, { carry: 0, margin: 0.3, stillMargin: 0.5 });
      f.step('s', first.slice(), 2, 1, null, null);
      const s = new Float32Array([0.6, 0.4, 0.45, 0.55]);
      f.step('s', s, 2, 1, moved(stillMask), null);
      return argmax(s, K, 1);
    };
    // along the flow alone the carried cluster 0 wins the right pixel; marked still, its own 1 holds
    expect(run()).toBe(0);
    expect(run(new Uint8Array([0, 1]))).toBe(1);
  });

  it('averages the scores recursively along the correspondence and resets at a new sequence or cut', () => {
    const K = 2;
    const W = 4;
    const f = new TemporalFilter(K, { carry: 0.5, margin: 0, cutDrop: 0.2 });
    const a = new Float32Array(W * K).map((_, j) => (j % K === 0 ? 1 : 0));
    f.step('s', a, W, 1, null, 0.9);
    // frame t moved one pixel right: its pixel x was at x − 1
    const shift: Correspondence = { width: W, height: 1, u: new Float32Array(W).fill(-1), v: new Float32Array(W), confidence: new Float32Array(W).fill(1) };
    const b = new Float32Array(W * K).map((_, j) => (j % K === 1 ? 1 : 0));
    f.step('s', b, W, 1, shift, 0.9);
    expect(b[1 * K]).toBeCloseTo(0.5); // half carried from x = 0
    expect(b[0 * K]).toBeCloseTo(0); // x = 0 came from outside the frame: its own scores
    const c = new Float32Array(W * K).map((_, j) => (j % K === 1 ? 1 : 0));
    f.step('t', c, W, 1, still(W, 1), 0.9);
    expect(c[0]).toBe(0);
    const d = new Float32Array(W * K).map((_, j) => (j % K === 0 ? 1 : 0));
    f.step('t', d, W, 1, still(W, 1), 0.5); // similarity fell 0.4 below the running mean: a cut
    expect(d[1]).toBe(0);
    expect(f.cuts).toBe(1);
    expect(f.resets).toBe(3);
  });

  it('holds a noisy two-cluster scene far stiller than per-frame argmax', () => {
    const W = 16;
    const H = 8;
    const K = 3;
    const n = W * H;
    const rng = new Prng(9);
    const frame = () => {
      const p = new Float32Array(n * K);
      for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) p[i * K + k] = (k === (i % W < W / 2 ? 0 : 1) ? 0.3 : 0.2) + 0.2 * (rng.next() - 0.5);
      return p;
    };
    const flicker = (filtered: boolean) => {
      const f = new TemporalFilter(K);
      let prev: number[] | null = null;
      let changed = 0;
      for (let t = 0; t < 20; t++) {
        const s = frame();
        if (filtered) f.step('seq', s, W, H, t === 0 ? null : still(W, H), 0.9);
        const labels = Array.from({ length: n }, (_, i) => argmax(s, K, i));
        if (prev) for (let i = 0; i < n; i++) if (labels[i] !== prev[i]) changed++;
        prev = labels;
      }
      return changed / (19 * n);
    };
    const perFrame = flicker(false);
    expect(perFrame).toBeGreaterThan(0.1);
    expect(flicker(true)).toBeLessThan(perFrame / 4);
  });
});

describe('flow tracker', () => {
  const W = 96;
  const H = 64;
  const tex = (x: number, y: number) => 0.5 + 0.2 * Math.sin(x * 0.31 + y * 0.07) + 0.2 * Math.cos(y * 0.23 - x * 0.11) + 0.1 * Math.sin(x * 0.05 * y * 0.05);
  const rgbAt = (ox: number, oy: number) => {
    const rgb = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgb.fill(Math.round(tex(x + ox, y + oy) * 255), (y * W + x) * 3, (y * W + x) * 3 + 3);
    return rgb;
  };
  const medianInside = (a: Float32Array) => {
    const v: number[] = [];
    for (let y = 12; y < H - 12; y++) for (let x = 12; x < W - 12; x++) v.push(a[y * W + x]!);
    v.sort((p, q) => p - q);
    return v[v.length >> 1]!;
  };

  it('follows a steady pan frame after frame (warm start) and starts over with a new sequence', () => {
    const t = new FlowTracker();
    t.push('s', rgbAt(0, 0), W, H, W, H);
    expect(t.field()).toBeNull();
    // each frame sees the texture 3 px further right: pixel x of frame t was at x + 3 in frame t−1
    for (let f = 1; f <= 3; f++) {
      t.push('s', rgbAt(3 * f, 0), W, H, W, H);
      const flow = t.field()!;
      expect(Math.abs(medianInside(flow.u) - 3)).toBeLessThan(0.25);
      expect(Math.abs(medianInside(flow.v))).toBeLessThan(0.25);
      expect(medianInside(flow.confidence)).toBeGreaterThan(0.5);
    }
    t.push('other', rgbAt(0, 0), W, H, W, H);
    expect(t.field()).toBeNull();
  });

  it('takes unchanged pixels as still when asked (zero flow, full confidence)', () => {
    const t = new FlowTracker({ staticThreshold: 0.01, stillBonus: false });
    t.push('s', rgbAt(0, 0), W, H, W, H);
    t.push('s', rgbAt(0, 0), W, H, W, H);
    const flow = t.field()!;
    expect(Array.from(flow.u).every((x) => x === 0)).toBe(true);
    expect(Array.from(flow.confidence).every((x) => x === 1)).toBe(true);
  });

  it('by default marks unchanged pixels as still and keeps their flow', () => {
    const t = new FlowTracker({ staticThreshold: 0.01 });
    t.push('s', rgbAt(0, 0), W, H, W, H);
    t.push('s', rgbAt(0, 0), W, H, W, H);
    const flow = t.field()!;
    expect(flow.still).toBeDefined();
    expect(Array.from(flow.still!).every((x) => x === 1)).toBe(true);
  });
});

describe('upsampled argmax', () => {
  it('equals the argmax of the bilinearly upsampled scores', async () => {
    const { upsampleArgmax } = await import('../../../main/engine/temporal/temporal-predictor.js');
    const K = 2;
    // 2×1 state: cluster 0 on the left, 1 on the right → the 8-pixel row splits in the middle
    const p = upsampleArgmax(new Float32Array([1, 0, 0, 1]), 2, 1, K, 8, 2);
    expect(Array.from(p.clusters)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(p.confidence[0]).toBe(Math.round((Math.exp(3) / (Math.exp(3) + 1)) * 255));
  });
});
