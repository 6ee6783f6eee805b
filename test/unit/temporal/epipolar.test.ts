// The static scene's flow along the ego-motion (epipolar.ts): the ground model's parameters become a focus
// of expansion, a shift and a direction at a field's size; the line search recovers a static scene's flow
// at two depths; a motion off every line (a crossing car) keeps the flow it had, and so does the road.
import { describe, expect, it } from 'vitest';
import { applyEpipolar, egoMotionOf, epipolarSearch, reverseEgoMotion, type EgoMotion } from '../../../main/engine/temporal/epipolar.js';
import { groundHomography, planeFlow } from '../../../main/engine/temporal/plane-motion.js';
import { FlowTracker, type FlowField } from '../../../main/engine/temporal/optical-flow.js';
import { Prng } from '../../../shared/random.js';

const W = 160;
const H = 80;
const EGO: EgoMotion = { ex: 84, ey: 34, tx: 0.6, ty: -0.3, sign: 1 };

const texture = (() => {
  const rng = new Prng(5);
  const waves = Array.from({ length: 6 }, () => ({ fx: 0.05 + rng.next() * 0.4, fy: 0.05 + rng.next() * 0.4, p: rng.next() * 6, a: 0.04 + rng.next() * 0.06 }));
  return (x: number, y: number) => 0.5 + waves.reduce((s, w) => s + w.a * Math.sin(w.fx * x + w.p) * Math.cos(w.fy * y - w.p), 0);
})();

/** How far along its line a static pixel moves: a near facade on the left, the rest farther away. */
const depthShift = (x: number, y: number) => (x < 56 && y < 44 ? 0.16 : 0.05);

/** The static scene's offsets (frame t → the other frame) under `m`, with `q` = 1 − s per pixel. */
function staticFlow(m: EgoMotion, q: (x: number, y: number) => number): { u: Float32Array; v: Float32Array } {
  const u = new Float32Array(W * H);
  const v = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // p' = e + (p − e)·s + t: towards e by q·|p − e| when sign is 1
      u[y * W + x] = m.sign * (m.ex - x) * q(x, y) + m.tx;
      v[y * W + x] = m.sign * (m.ey - y) * q(x, y) + m.ty;
    }
  }
  return { u, v };
}

/** prev = the texture; cur(p) = prev(p + flow(p)). */
function imagesFor(flow: { u: Float32Array; v: Float32Array }): { P: Float32Array; C: Float32Array } {
  const P = new Float32Array(W * H);
  const C = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      P[i] = texture(x, y);
      C[i] = texture(x + flow.u[i]!, y + flow.v[i]!);
    }
  }
  return { P, C };
}

/** Mean endpoint error over the pixels `keep` selects, away from the frame's edges and the depth edge. */
function meanError(a: { u: Float32Array; v: Float32Array }, b: { u: Float32Array; v: Float32Array }, keep: (x: number, y: number) => boolean): number {
  let e = 0;
  let n = 0;
  for (let y = 12; y < H - 4; y++) {
    for (let x = 12; x < W - 12; x++) {
      if (!keep(x, y) || Math.abs(x - 56) < 5 || Math.abs(y - 44) < 5) continue;
      e += Math.hypot(a.u[y * W + x]! - b.u[y * W + x]!, a.v[y * W + x]! - b.v[y * W + x]!);
      n++;
    }
  }
  return e / n;
}

describe('ego-motion of the ground model', () => {
  it('puts the focus of expansion where the ground plane converges, and the shift where it moves at infinity', () => {
    const theta = [0.35, 0.05, -0.06, 0.004, -0.002];
    const m = egoMotionOf(theta, W, H);
    const plane = planeFlow(groundHomography(theta), W, H);
    // a ground pixel's flow is along its line: (p' − t) − e is parallel to p − e
    for (const [x, y] of [[20, 70], [140, 75], [80, 60]] as const) {
      const i = y * W + x;
      const ax = x - m.ex;
      const ay = y - m.ey;
      const bx = x + plane.u[i]! - m.tx - m.ex;
      const by = y + plane.v[i]! - m.ty - m.ey;
      expect(Math.abs(ax * by - ay * bx) / Math.hypot(ax, ay)).toBeLessThan(0.05);
      // and towards e: the other frame is farther back along the drive
      expect(Math.hypot(bx, by)).toBeLessThan(Math.hypot(ax, ay));
    }
    expect(m.sign).toBe(1);
    expect(egoMotionOf([-0.3, 0, 0, 0, 0], W, H).sign).toBe(-1);
  });

  it('reverses: a point carried there and back returns, and reversing twice is the identity', () => {
    const s = 0.8;
    const r = reverseEgoMotion(EGO);
    const [x, y] = [30, 20];
    // there: p' = e + (p − e)·s + t; back, by the reverse motion with 1/s as its scale
    const px = EGO.ex + (x - EGO.ex) * s + EGO.tx;
    const py = EGO.ey + (y - EGO.ey) * s + EGO.ty;
    expect(r.ex + (px - r.ex) / s + r.tx).toBeCloseTo(x, 9);
    expect(r.ey + (py - r.ey) / s + r.ty).toBeCloseTo(y, 9);
    expect(r.sign).toBe(-1);
    expect(reverseEgoMotion(r)).toEqual(EGO);
  });
});

describe('line search', () => {
  it('recovers a static scene at two depths, shifts of up to ~9 px, to a fraction of a pixel', () => {
    const truth = staticFlow(EGO, depthShift);
    const { P, C } = imagesFor(truth);
    const got = epipolarSearch(P, C, W, H, EGO, { maxShift: 1 / 12, radius: 3 });
    expect(meanError(got, truth, (x, y) => depthShift(x, y) > 0.1)).toBeLessThan(0.35);
    expect(meanError(got, truth, (x, y) => depthShift(x, y) < 0.1)).toBeLessThan(0.35);
  });

  it('the other way: the reverse motion moves points away from the shifted focus, and the search follows', () => {
    const back = reverseEgoMotion(EGO);
    const truth = staticFlow(back, () => 0.06);
    const { P, C } = imagesFor(truth);
    expect(meanError(epipolarSearch(P, C, W, H, back, { maxShift: 1 / 12 }), truth, () => true)).toBeLessThan(0.35);
    // searched with the forward motion's direction instead, it cannot follow
    expect(meanError(epipolarSearch(P, C, W, H, EGO, { maxShift: 1 / 12 }), truth, () => true)).toBeGreaterThan(1);
  });

  it('searching around a given shift: only that neighbourhood is searched', () => {
    const truth = staticFlow(EGO, depthShift);
    const { P, C } = imagesFor(truth);
    // a flow two pixels off along the line: the search ±3 around it finds the truth
    const flow: FlowField = { width: W, height: H, u: truth.u.slice(), v: truth.v.slice(), confidence: new Float32Array(W * H).fill(0.5) };
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const len = Math.hypot(EGO.ex - x, EGO.ey - y) || 1;
        flow.u[i] = flow.u[i]! + (2 * (EGO.ex - x)) / len;
        flow.v[i] = flow.v[i]! + (2 * (EGO.ey - y)) / len;
      }
    }
    const near = applyEpipolar(flow, null, P, C, EGO, { around: 3, tie: 1 });
    expect(meanError(near.field, truth, () => true)).toBeLessThan(0.35);
    // ±1 cannot reach the truth two pixels away
    const tooNear = applyEpipolar(flow, null, P, C, EGO, { around: 1, tie: 1 });
    expect(meanError(tooNear.field, truth, () => true)).toBeGreaterThan(0.6);
  });
});

describe('applyEpipolar', () => {
  it('replaces a wrong flow of the static scene, keeps a crossing object’s right flow and the road’s', () => {
    const truth = staticFlow(EGO, depthShift);
    // a car crossing the frame on the right: 3 px down-left, on no line through e
    const car = (x: number, y: number) => x > 110 && x < 140 && y > 14 && y < 40;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (!car(x, y)) continue;
        truth.u[y * W + x] = -2.5;
        truth.v[y * W + x] = 3;
      }
    }
    const { P, C } = imagesFor(truth);
    // the given flow: right on the car, zero elsewhere; the rows from 60 are "the road" (on the plane)
    const u = new Float32Array(W * H);
    const v = new Float32Array(W * H);
    const onPlane = new Uint8Array(W * H);
    for (let i = 0; i < W * H; i++) {
      const x = i % W;
      const y = Math.floor(i / W);
      if (car(x, y)) {
        u[i] = truth.u[i]!;
        v[i] = truth.v[i]!;
      }
      if (y >= 60) onPlane[i] = 1;
    }
    const flow: FlowField = { width: W, height: H, u, v, confidence: new Float32Array(W * H).fill(0.5) };
    const { field, onLine } = applyEpipolar(flow, onPlane, P, C, EGO, { maxShift: 1 / 12, around: 0 });
    const inner = (x: number, y: number) => x > 114 && x < 136 && y > 18 && y < 36;
    expect(meanError(field, truth, (x, y) => y < 56 && !car(x, y) && (x < 104 || x > 146))).toBeLessThan(0.35);
    let roadTouched = 0;
    let carTaken = 0;
    for (let i = 0; i < W * H; i++) {
      if (onPlane[i] && (onLine[i] || field.u[i] !== 0 || field.v[i] !== 0)) roadTouched++;
      if (inner(i % W, Math.floor(i / W)) && onLine[i]) carTaken++;
    }
    expect(roadTouched).toBe(0);
    // a line shift can match a smooth texture within `tie` here and there, but not the car as a whole
    expect(carTaken).toBeLessThan(0.05 * 21 * 17);
    expect(meanError(field, truth, inner)).toBeLessThan(0.15);
    // where the line's flow was taken its confidence is its own, high where it matches
    expect(field.confidence[20 * W + 30]!).toBeGreaterThan(0.8);
  });
});

describe('FlowTracker with the line search (its default)', () => {
  it('recovers facades whose texture runs one way only (the aperture problem), better than LK alone', () => {
    const w = 192;
    const h = 96;
    const theta = [0.35, 0.02, -0.05, 0.004, 0];
    const rng = new Prng(3);
    const marks = Array.from({ length: 60 }, () => ({ x: rng.next() * w, y: h * 0.45 + rng.next() * h * 0.6, r2: 4 + 12 * rng.next() }));
    const stripes = Array.from({ length: 6 }, () => ({ f: 0.05 + rng.next() * 0.4, p: rng.next() * 6, a: 0.04 + rng.next() * 0.06 }));
    // above the horizon: vertical stripes (window columns), which show LK only the horizontal motion
    const scene = (x: number, y: number) => {
      if (y < h * 0.45) return 0.5 + stripes.reduce((s, k) => s + k.a * Math.sin(k.f * x + k.p), 0);
      let m = 0;
      for (const k of marks) m += Math.exp(-((x - k.x) ** 2 + (y - k.y) ** 2) / k.r2);
      return 0.35 + 0.45 * Math.min(1, m);
    };
    // the road moves with the ground plane, the facades as static points along their lines (near on the left)
    const plane = planeFlow(groundHomography(theta), w, h);
    const e = egoMotionOf(theta, w, h);
    const u = new Float32Array(w * h);
    const v = new Float32Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const q = x < w * 0.3 ? 0.1 : 0.03;
        u[i] = y >= h * 0.45 ? plane.u[i]! : (e.ex - x) * q + e.tx;
        v[i] = y >= h * 0.45 ? plane.v[i]! : (e.ey - y) * q + e.ty;
      }
    }
    const rgbOf = (f: (x: number, y: number) => number) => {
      const a = new Uint8Array(w * h * 3);
      for (let i = 0; i < w * h; i++) a.fill(Math.round(255 * Math.max(0, Math.min(1, f(i % w, Math.floor(i / w))))), 3 * i, 3 * i + 3);
      return a;
    };
    const prev = rgbOf(scene);
    const cur = rgbOf((x, y) => scene(x + u[y * w + x]!, y + v[y * w + x]!));
    const facadeError = (options: { epipolar?: false }) => {
      const t = new FlowTracker(options);
      t.push('s', prev, w, h, w, h);
      t.push('s', cur, w, h, w, h);
      const f = t.field()!;
      let err = 0;
      let n = 0;
      for (let y = 8; y < h * 0.4; y++) for (let x = 8; x < w - 8; x++, n++) err += Math.hypot(f.u[y * w + x]! - u[y * w + x]!, f.v[y * w + x]! - v[y * w + x]!);
      return err / n;
    };
    const lk = facadeError({ epipolar: false });
    const withLines = facadeError({});
    expect(lk).toBeGreaterThan(2);
    expect(withLines).toBeLessThan(0.7 * lk);
  });
});
