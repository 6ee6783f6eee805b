// Static-scene flow along the ego-motion (issue 18, session 11): off the ground plane, a static point moves
// along the line through the focus of expansion, by an amount that depends only on its depth. The ground
// plane's fit (plane-motion.ts) gives that focus, the forward step's sign and the small rotation's shift, so
// each pixel's flow is a 1-D unknown: how far along its line. A search over that line (a cost per candidate
// shift, summed over a window, the least kept and refined by a parabola) replaces Lucas–Kanade's flow where
// it explains frame t about as well (`tie`), as the ground prior does on the road.
//
// Why: after the ground prior, carrying along the flow left 2.4–4× the ground-truth inconsistency that
// carrying along the TRUE motion does (tuning worlds; README.md session 10). Off the road the flow erred on
// buildings (EPE p75 6.2 px, p90 17.7 at the flow's 256 px width … read at the output's 512) and parked
// vehicles (median 4–7 px): LK's 7×7 windows see window edges along one direction only (the aperture
// problem), and near objects move farther than its pyramid recovers. Along the epipolar line neither
// matters: the direction is known, and the search covers the whole range of shifts. What moves on its own
// (crossing cars) matches no shift on its line and keeps LK's flow.
import type { FlowField } from './optical-flow.js';
import { boxSum, residualSums, Scratch } from './image-ops.js';

/**
 * The motion of the static scene between two frames at a field's size (pixels): a point p of frame t is at
 * e + (p − e)·s + t in the other frame, s > 0 from its depth; `sign` 1 when it moves towards e (s < 1: the
 * other frame is farther back along the drive), −1 away from e.
 */
export interface EgoMotion {
  readonly ex: number;
  readonly ey: number;
  readonly tx: number;
  readonly ty: number;
  readonly sign: 1 | -1;
}

/** plane-motion.ts's ground model θ = (k, ex, yh, tx, ty) (normalised coordinates) → the ego-motion at w×h. */
export function egoMotionOf(theta: ArrayLike<number>, w: number, h: number): EgoMotion {
  const [k, ex, yh, tx, ty] = [theta[0]!, theta[1]!, theta[2]!, theta[3]!, theta[4]!];
  // normalised → pixel: x = (nx + 1)·w/2 − ½, y = (ny·w + h)/2 − ½; offsets scale by w/2
  return { ex: ((ex + 1) * w) / 2 - 0.5, ey: (yh * w + h) / 2 - 0.5, tx: (tx * w) / 2, ty: (ty * w) / 2, sign: k >= 0 ? 1 : -1 };
}

/**
 * The same motion the other way (the other frame's points to this one's): p = e′ + (p′ − e′)/s − t with
 * e′ = e + t, so the lines run through e′, the shift is −t, and the points move the other way along them.
 */
export function reverseEgoMotion(m: EgoMotion): EgoMotion {
  return { ex: m.ex + m.tx, ey: m.ey + m.ty, tx: -m.tx, ty: -m.ty, sign: m.sign === 1 ? -1 : 1 };
}

export interface EpipolarOptions {
  /** The largest shift along the line searched, as a fraction of the field's width (px = this × width). */
  readonly maxShift?: number;
  /** The search's window radius (window (2r+1)²). */
  readonly radius?: number;
  /** Per-pixel residuals are capped at this (luma) before summing: an occluded pixel costs a fixed amount. */
  readonly cap?: number;
  /** A pixel off the plane takes the line's flow when its residual (3×3 mean) is within this of LK's (luma). */
  readonly tie?: number;
  /** Luma residual at which the line flow's confidence falls to e^−1 (as FlowOptions.sigma). */
  readonly sigma?: number;
  /**
   * Search only this many pixels either side of the given flow's own shift along the line (its component
   * across the line dropped; applyEpipolar gives its flow); 0 searches the whole line, from −1 to `maxShift`. Why 2: on the
   * tuning worlds the whole line gave ×0.346 and ×0.364 of per-frame inconsistency (both ways), ±2 gave
   * ×0.346 and ×0.382 — but the whole line's 34 candidates per direction made the flow thread the
   * bottleneck (bench:temporal, both ways: ×0.69 of per-frame speed), and ±2 needs 5.
   */
  readonly around?: number;
}

export const EPIPOLAR_DEFAULTS = { maxShift: 1 / 8, radius: 3, cap: 0.1, tie: 0.005, sigma: 0.04, around: 2 } as const satisfies Required<EpipolarOptions>;

/**
 * For every pixel of `C` (frame t), the shift along its line that best matches `P` (the other frame):
 * candidates at whole pixels from −1 (a step the wrong way, for the parabola) to maxShift — or, given a
 * flow `near` and `around` > 0, within ±around of that flow's own shift along the line — each summed over
 * the window, the least refined by a parabola through its neighbours. Returns the flow (offsets to P).
 */
export function epipolarSearch(
  P: Float32Array,
  C: Float32Array,
  w: number,
  h: number,
  m: EgoMotion,
  options: EpipolarOptions = {},
  scratch: Scratch = new Scratch(),
  near: { readonly u: Float32Array; readonly v: Float32Array } | null = null,
): { u: Float32Array; v: Float32Array } {
  const o = { ...EPIPOLAR_DEFAULTS, ...options };
  const n = w * h;
  // `near` (with `around` > 0): only ±around about that flow's own shift along each line
  const base = near && o.around > 0 ? scratch.f32('epi.base', n) : null;
  const from = base ? -o.around : -1;
  const top = base ? o.around : Math.max(1, Math.ceil(o.maxShift * w));
  // the unit step along each pixel's line (towards e when sign is 1)
  const dx = scratch.f32('epi.dx', n);
  const dy = scratch.f32('epi.dy', n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const ax = m.ex - x;
      const ay = m.ey - y;
      const len = Math.hypot(ax, ay);
      dx[i] = len > 1e-6 ? (m.sign * ax) / len : 0;
      dy[i] = len > 1e-6 ? (m.sign * ay) / len : 0;
      // the given flow's shift along the line (its component across the line dropped), rounded
      if (base) base[i] = len > 1e-6 ? Math.round((m.sign * ((near!.u[i]! - m.tx) * ax + (near!.v[i]! - m.ty) * ay)) / len) : 0;
    }
  }
  const res = scratch.f32('epi.res', n);
  const cost = scratch.f32('epi.cost', n);
  const best = scratch.f32('epi.best', n);
  const left = scratch.f32('epi.left', n);
  const right = scratch.f32('epi.right', n);
  const prevCost = scratch.f32('epi.prev', n);
  const at = scratch.f32('epi.at', n);
  best.fill(Infinity);
  const integral = scratch.integral(w, h);
  for (let s = from; s <= top; s++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const b = base ? base[i]! + s : s;
        const px = x + m.tx + dx[i]! * b;
        const py = y + m.ty + dy[i]! * b;
        if (px < 0 || py < 0 || px > w - 1 || py > h - 1) {
          res[i] = o.cap;
          continue;
        }
        // image-ops.ts's bilinear sample inlined (the point is inside, so its clamps are the identity)
        const x0 = Math.floor(px);
        const y0 = Math.floor(py);
        const fx = px - x0;
        const fy = py - y0;
        const q0 = y0 * w + x0;
        const q1 = y0 + 1 < h ? q0 + w : q0;
        const r = x0 + 1 < w ? 1 : 0;
        const a = P[q0]! + (P[q0 + r]! - P[q0]!) * fx;
        const bb = P[q1]! + (P[q1 + r]! - P[q1]!) * fx;
        const d = Math.abs(C[i]! - (a + (bb - a) * fy));
        res[i] = d < o.cap ? d : o.cap;
      }
    }
    boxSum(res, w, h, o.radius, cost, integral);
    for (let i = 0; i < n; i++) {
      const c = cost[i]!;
      // the candidate after the best so far is its right neighbour
      if (at[i] === s - 1 && s > from) right[i] = c;
      if (c < best[i]!) {
        best[i] = c;
        at[i] = s;
        left[i] = s > from ? prevCost[i]! : Infinity;
        right[i] = Infinity;
      }
      prevCost[i] = c;
    }
  }
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = at[i]!;
    const l = left[i]!;
    const r = right[i]!;
    const curv = l - 2 * best[i]! + r;
    if (Number.isFinite(l) && Number.isFinite(r) && curv > 1e-9) s += Math.max(-0.5, Math.min(0.5, (l - r) / (2 * curv)));
    if (base) s += base[i]!;
    u[i] = m.tx + dx[i]! * s;
    v[i] = m.ty + dy[i]! * s;
  }
  return { u, v };
}

/**
 * `flow` with the line search's flow where the pixel is off the ground plane (`onPlane` 0) and the line's
 * flow explains `C` within `tie` of the flow's own residual (3×3 means on P, C: the luma judged). Its
 * confidence is photometric, as LK's before the forward–backward check.
 */
export function applyEpipolar(
  flow: FlowField,
  onPlane: Uint8Array | null,
  P: Float32Array,
  C: Float32Array,
  m: EgoMotion,
  options: EpipolarOptions = {},
  scratch: Scratch = new Scratch(),
): { field: FlowField; onLine: Uint8Array } {
  const o = { ...EPIPOLAR_DEFAULTS, ...options };
  const { width: w, height: h } = flow;
  const n = w * h;
  const line = epipolarSearch(P, C, w, h, m, o, scratch, flow);
  const avgE = scratch.f32('epi.avgE', n);
  const avgL = scratch.f32('epi.avgL', n);
  residualSums(P, C, w, h, line, scratch.f32('epi.resE', n), avgE, scratch.integral(w, h));
  residualSums(P, C, w, h, flow, scratch.f32('epi.resL', n), avgL, scratch.integral(w, h));
  const tie = o.tie * 9;
  const u = flow.u.slice();
  const v = flow.v.slice();
  const confidence = flow.confidence.slice();
  const onLine = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (onPlane?.[i] || avgE[i]! > avgL[i]! + tie) continue;
    onLine[i] = 1;
    u[i] = line.u[i]!;
    v[i] = line.v[i]!;
    confidence[i] = Math.exp(-avgE[i]! / 9 / o.sigma);
  }
  return { field: { ...flow, u, v, confidence }, onLine };
}
