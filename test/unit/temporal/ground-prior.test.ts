// The flow's ground-plane prior: the 5-parameter ground motion is a homography, the direct fit recovers a
// known ground motion (and a free homography) from two images whose road is flat but for a few marks, the
// prior fills that motion in where LK alone cannot see it, and it steps aside cleanly when there is no plane.
import { describe, expect, it } from 'vitest';
import { applyGroundPrior } from '../../../main/engine/temporal/ground-prior.js';
import { buildPyramid, FlowTracker, type GreyImage } from '../../../main/engine/temporal/optical-flow.js';
import { fitPlaneMotion, groundHomography, highPassedLevel, highPassInto, planeFlow, reversePlaneMotion } from '../../../main/engine/temporal/plane-motion.js';
import { Scratch } from '../../../main/engine/temporal/image-ops.js';
import { Prng } from '../../../shared/random.js';

const W = 160;
const H = 80;

const marks = (() => {
  const rng = new Prng(11);
  return Array.from({ length: 40 }, () => ({ x: rng.next() * W, y: H * 0.45 + rng.next() * H * 0.6, r2: 4 + 12 * rng.next() }));
})();

/** A road scene's luma: textured upper half, flat asphalt below with sparse marks of a few pixels. */
function scene(x: number, y: number): number {
  if (y < H * 0.45) return 0.5 + 0.2 * Math.sin(x * 0.31 + Math.cos(y * 0.23) * 3) * Math.cos(y * 0.27 - x * 0.07);
  let mark = 0;
  for (const m of marks) mark += Math.exp(-((x - m.x) ** 2 + (y - m.y) ** 2) / m.r2);
  return 0.35 + 0.45 * Math.min(1, mark);
}

/** Frame t−1 = the scene; frame t = the scene seen through a known motion (t → t−1 offsets). */
function pair(u: Float32Array, v: Float32Array, noise = 0.003): { prev: GreyImage; cur: GreyImage } {
  const rng = new Prng(7);
  const prev = new Float32Array(W * H);
  const cur = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      prev[i] = scene(x, y) + noise * (rng.next() - 0.5);
      cur[i] = scene(x + u[i]!, y + v[i]!) + noise * (rng.next() - 0.5);
    }
  }
  return { prev: { data: prev, width: W, height: H }, cur: { data: cur, width: W, height: H } };
}

function meanError(a: { u: Float32Array; v: Float32Array }, b: { u: Float32Array; v: Float32Array }, fromRow: number): number {
  let e = 0;
  let n = 0;
  for (let i = fromRow * W; i < W * H; i++, n++) e += Math.hypot(a.u[i]! - b.u[i]!, a.v[i]! - b.v[i]!);
  return e / n;
}

// forward driving: expansion from a focus on the horizon (a little above the centre), slight yaw
const THETA = [0.35, 0.02, -0.05, 0.004, 0.0];

describe('ground motion model', () => {
  it('is the identity at θ = 0 and moves ground points away from the focus of expansion', () => {
    expect(Array.from(groundHomography([0, 0, 0, 0, 0]))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const f = planeFlow(groundHomography(THETA), W, H);
    const bottom = (H - 1) * W;
    // frame t → t−1: near the bottom the ground was higher up (v < 0), left of the focus further right
    expect(f.v[bottom + W / 2]!).toBeLessThan(-3);
    expect(f.u[bottom]!).toBeGreaterThan(2);
    expect(f.u[bottom + W - 1]!).toBeLessThan(-2);
    // the closer to the horizon, the smaller the motion
    expect(Math.abs(f.v[Math.round(H * 0.6) * W + W / 2]!)).toBeLessThan(Math.abs(f.v[bottom + W / 2]!));
  });
});

describe('direct plane fit', () => {
  it('recovers a known ground motion where the road is flat but for sparse marks', () => {
    const truth = planeFlow(groundHomography(THETA), W, H);
    const { prev, cur } = pair(truth.u, truth.v);
    const fit = fitPlaneMotion(buildPyramid(prev), buildPyramid(cur), null, { finestLevel: 0 });
    expect(fit).not.toBeNull();
    const got = planeFlow(fit!.Hn, W, H);
    expect(meanError(got, truth, Math.round(H * 0.6))).toBeLessThan(0.3);
  });

  it('recovers a free homography on a textured image', () => {
    const Hn = Float64Array.of(1.04, 0.01, 0.0, 0.0, 1.04, -0.02, 0, 0.1, 1);
    const truth = planeFlow(Hn, W, H);
    const rng = new Prng(1);
    const phase = Array.from({ length: 4 }, () => rng.next() * 6);
    const tex = (x: number, y: number) => 0.5 + 0.15 * Math.sin(x * 0.21 + phase[0]!) * Math.cos(y * 0.17 + phase[1]!) + 0.1 * Math.sin(x * 0.07 + y * 0.11 + phase[2]!);
    const prev = new Float32Array(W * H);
    const cur = new Float32Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        prev[y * W + x] = tex(x, y);
        cur[y * W + x] = tex(x + truth.u[y * W + x]!, y + truth.v[y * W + x]!);
      }
    }
    const fit = fitPlaneMotion(buildPyramid({ data: prev, width: W, height: H }), buildPyramid({ data: cur, width: W, height: H }), null, {
      model: 'homography',
      finestLevel: 0,
    });
    expect(meanError(planeFlow(fit!.Hn, W, H), truth, Math.round(H * 0.6))).toBeLessThan(0.1);
  });

  it('gives no plane for a uniform image, and the prior then leaves the flow as it was', () => {
    const flat: GreyImage = { data: new Float32Array(W * H).fill(0.4), width: W, height: H };
    const pyr = buildPyramid(flat);
    expect(fitPlaneMotion(pyr, pyr)).toBeNull();
    const flow = { width: W, height: H, u: new Float32Array(W * H).fill(1), v: new Float32Array(W * H), confidence: new Float32Array(W * H).fill(0.5) };
    const r = applyGroundPrior(flow, pyr, pyr);
    expect(r.fit).toBeNull();
    expect(r.field).toBe(flow);
    expect(r.onPlane.every((x) => x === 0)).toBe(true);
  });
});

describe('FlowTracker with the ground prior', () => {
  it('follows flat moving road that LK alone leaves behind (or holds still)', () => {
    const truth = planeFlow(groundHomography(THETA), W, H);
    const { prev, cur } = pair(truth.u, truth.v);
    const rgb = (g: GreyImage) => Uint8Array.from({ length: W * H * 3 }, (_, k) => Math.round(Math.max(0, Math.min(1, g.data[Math.floor(k / 3)]!)) * 255));
    const run = (groundPrior: boolean) => {
      const t = new FlowTracker({ groundPrior, ground: { finestLevel: 0 } });
      t.push('s', rgb(prev), W, H, W, H);
      t.push('s', rgb(cur), W, H, W, H);
      return t.field()!;
    };
    const withPrior = meanError(run(true), truth, Math.round(H * 0.6));
    const without = meanError(run(false), truth, Math.round(H * 0.6));
    expect(withPrior).toBeLessThan(0.5);
    expect(withPrior).toBeLessThan(without / 3);
  });

  it('gives the flow the other way too (reverse): frame t−1 to t, the inverse of the road motion', () => {
    const truth = planeFlow(groundHomography(THETA), W, H);
    const { prev, cur } = pair(truth.u, truth.v);
    const rgb = (g: GreyImage) => Uint8Array.from({ length: W * H * 3 }, (_, k) => Math.round(Math.max(0, Math.min(1, g.data[Math.floor(k / 3)]!)) * 255));
    const t = new FlowTracker({ reverse: true, ground: { finestLevel: 0 } });
    t.push('s', rgb(prev), W, H, W, H);
    t.push('s', rgb(cur), W, H, W, H);
    t.field();
    const rev = t.reverseField()!;
    // the true reverse motion: the inverse plane's
    const inverse = reversePlaneMotion({ Hn: groundHomography(THETA), theta: null, scale: 0 })!;
    const expected = planeFlow(inverse.Hn, W, H);
    // rows whose points stay in frame t (the road leaves at the bottom moving forward)
    expect(meanError(rev, expected, Math.round(H * 0.6))).toBeLessThan(0.6);
    // without the option there is none
    const plain = new FlowTracker({ ground: { finestLevel: 0 } });
    plain.push('s', rgb(prev), W, H, W, H);
    plain.push('s', rgb(cur), W, H, W, H);
    plain.field();
    expect(plain.reverseField()).toBeNull();
  });
});

describe('reversePlaneMotion', () => {
  it('is the inverse homography: there and back is the identity', () => {
    const fit = { Hn: groundHomography(THETA), theta: null, scale: 0 };
    const there = planeFlow(fit.Hn, W, H);
    const back = planeFlow(reversePlaneMotion(fit)!.Hn, W, H);
    for (const [x, y] of [[10, 50], [80, 70], [150, 60]] as const) {
      const i = y * W + x;
      const qx = x + there.u[i]!;
      const qy = y + there.v[i]!;
      const j = Math.round(qy) * W + Math.round(qx);
      expect(Math.hypot(qx + back.u[j]! - x, qy + back.v[j]! - y)).toBeLessThan(1);
    }
  });
});

describe('plane fit against frame-fixed shading, and from several starts', () => {
  // shading that stays put in the frame (a sky-to-road brightness ramp and a vignette), as SynthDrive's road has
  const shade = (x: number, y: number) => 0.35 * (y / H) ** 2 - 0.15 * ((x - W / 2) / W) ** 2;
  function shadedPair(u: Float32Array, v: Float32Array): { prev: GreyImage; cur: GreyImage } {
    const p = pair(u, v, 0);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        p.prev.data[y * W + x] = p.prev.data[y * W + x]! + shade(x, y);
        p.cur.data[y * W + x] = p.cur.data[y * W + x]! + shade(x, y);
      }
    }
    return p;
  }
  const truth = planeFlow(groundHomography(THETA), W, H);
  const from = Math.round(H * 0.6);

  it('recovers the motion on high-passed luma where raw luma does worse', () => {
    const { prev, cur } = shadedPair(truth.u, truth.v);
    const raw = fitPlaneMotion(buildPyramid(prev), buildPyramid(cur), null, { finestLevel: 0 });
    const hp = fitPlaneMotion(buildPyramid(prev), buildPyramid(cur), null, { finestLevel: 0, highPass: 4 });
    const hpErr = meanError(planeFlow(hp!.Hn, W, H), truth, from);
    expect(hpErr).toBeLessThan(0.5);
    expect(raw === null ? Infinity : meanError(planeFlow(raw.Hn, W, H), truth, from)).toBeGreaterThan(hpErr);
  });

  it('leaves a wrong warm start when another start explains the road better, in either direction of travel', () => {
    for (const theta of [THETA, [-0.3, 0.02, -0.05, 0, 0]]) {
      const t = planeFlow(groundHomography(theta), W, H);
      const { prev, cur } = pair(t.u, t.v);
      const pp = buildPyramid(prev);
      const pc = buildPyramid(cur);
      const flow = { width: W, height: H, u: new Float32Array(W * H), v: new Float32Array(W * H), confidence: new Float32Array(W * H).fill(1) };
      // a warm start of the right sign but far too small a step, from a previous pair
      const wrong = { Hn: groundHomography([Math.sign(theta[0]!) * 0.02, 0.3, 0.3, 0, 0]), theta: Float64Array.of(Math.sign(theta[0]!) * 0.02, 0.3, 0.3, 0, 0), scale: 0 };
      const single = applyGroundPrior(flow, pp, pc, { highPass: 4, starts: [] }, wrong);
      const multi = applyGroundPrior(flow, pp, pc, { highPass: 4, starts: [0.15, 0.3, 0.45] }, wrong);
      const errMulti = meanError(planeFlow(multi.fit!.Hn, W, H), t, from);
      expect(errMulti).toBeLessThan(0.5);
      expect(meanError(planeFlow(single.fit!.Hn, W, H), t, from)).toBeGreaterThan(errMulti);
    }
  });
});

describe('high-pass computed once per frame', () => {
  it('levels that carry their high-pass give the same fit and prior, bit for bit, as levels that do not', () => {
    const truth = planeFlow(groundHomography(THETA), W, H);
    const { prev, cur } = pair(truth.u, truth.v);
    const plain = [buildPyramid(prev), buildPyramid(cur)] as const;
    const scratch = new Scratch();
    // as FlowTracker does: each level high-passed at the prior's radius into buffers the level keeps
    const carry = plain.map((pyr) => pyr.map((l) => ({ ...l, hp: highPassInto(l.im, { radius: 4, data: new Float32Array(l.im.data.length), ix: new Float32Array(l.im.data.length), iy: new Float32Array(l.im.data.length) }, scratch) })));
    const flow = { width: W, height: H, u: new Float32Array(W * H), v: new Float32Array(W * H), confidence: new Float32Array(W * H).fill(1) };
    const a = applyGroundPrior(flow, plain[0], plain[1], { highPass: 4, starts: [0.15, 0.3] });
    const b = applyGroundPrior(flow, carry[0]!, carry[1]!, { highPass: 4, starts: [0.15, 0.3] });
    expect(Array.from(b.fit!.Hn)).toEqual(Array.from(a.fit!.Hn));
    expect(b.field.u).toEqual(a.field.u);
    expect(b.field.confidence).toEqual(a.field.confidence);
    // a level carrying another radius is high-passed afresh, not taken as it is
    expect(highPassedLevel(carry[0]![0]!, 5, scratch, 'other')).not.toBe(carry[0]![0]!.hp);
    expect(highPassedLevel(carry[0]![0]!, 4, scratch, 'same')).toBe(carry[0]![0]!.hp);
  });

  it('FlowTracker high-passes each frame at the prior’s radius (8 px at 256 px wide: 1/32)', () => {
    const tracker = new FlowTracker();
    const rgb = new Uint8Array(W * H * 3).map((_, i) => (i * 37) % 251);
    tracker.push('s', rgb, W, H, W, H);
    const levels = (tracker as unknown as { cur: { hp?: { radius: number } }[] }).cur;
    expect(levels.every((l) => l.hp?.radius === Math.round(W / 32))).toBe(true);
    const off = new FlowTracker({ groundPrior: false });
    off.push('s', rgb, W, H, W, H);
    expect((off as unknown as { cur: { hp?: unknown }[] }).cur.every((l) => l.hp === undefined)).toBe(true);
  });
});
