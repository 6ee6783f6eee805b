// The ground plane's motion between two frames, fitted directly to the images (hierarchical model-based
// motion estimation, Bergen et al. 1992): the parameters of one plane-induced homography are refined by
// robust Gauss–Newton (Tukey IRLS) on the luma of the road ahead (lower rows, central columns), coarse to
// fine over the flow's own pyramids, starting from the previous frame pair's fit.
//
// Why direct rather than from Lucas–Kanade tracks: on SynthDrive ~70 % of the lower frame is asphalt whose
// structure tensor is at the sensor-noise level; per-pixel LK leaves it at a confident-looking zero, and
// the textured tracks that do move right are mostly near the horizon, where a zero motion fits them within
// a pixel too — a RANSAC over such tracks picked the identity (README.md). Summed over the region, the
// road's weak gradients and its few marks do pin the motion down. Why 5 parameters rather than 8: lane
// lines run towards the focus of expansion, along the very motion they would have to show, and the free
// homography drifted to half the true motion; the ground model (below) converges to ~0.3 px.
import { gradients, highPass, Scratch } from './image-ops.js';

/** A level's luma minus its (2·radius+1)² box mean, with that image's gradients. */
export interface HighPassed {
  readonly radius: number;
  readonly data: Float32Array;
  readonly ix: Float32Array;
  readonly iy: Float32Array;
}

/** What plane-motion needs of a pyramid level (optical-flow.ts's levels have it). */
export interface PlaneLevel {
  readonly im: { readonly data: Float32Array; readonly width: number; readonly height: number };
  readonly ix: Float32Array;
  readonly iy: Float32Array;
  /**
   * The level high-passed, if its owner computed it already (FlowTracker: once per frame). Why: a frame
   * pair's fits (the warm start, the starts, the refinement: five to eight) each high-passed every level of
   * both frames again, and each frame serves two pairs.
   */
  readonly hp?: HighPassed;
}

/** `level` high-passed at `radius`: its own if it carries that, else computed into scratch buffers named by `key`. */
export function highPassedLevel(level: PlaneLevel, radius: number, scratch: Scratch, key: string): HighPassed {
  if (level.hp?.radius === radius) return level.hp;
  const n = level.im.data.length;
  return highPassInto(level.im, { radius, data: scratch.f32(`${key}.hp`, n), ix: scratch.f32(`${key}.hpIx`, n), iy: scratch.f32(`${key}.hpIy`, n) }, scratch);
}

/** `im` high-passed at `out.radius`, with its gradients, into `out`'s buffers. */
export function highPassInto(im: PlaneLevel['im'], out: HighPassed, scratch: Scratch): HighPassed {
  const { data: src, width: w, height: h } = im;
  highPass(src, w, h, out.radius, out.data, scratch.integral(w, h));
  gradients(out.data, w, h, out.ix, out.iy);
  return out;
}

export interface PlaneMotionOptions {
  /** The fit uses rows below this fraction of the height. */
  readonly fromRow?: number;
  /** The fit uses the central columns: this fraction of the width around the centre (the road ahead). */
  readonly centralWidth?: number;
  /**
   * 'ground': the 5-parameter motion of a ground plane seen by a camera driving forward (below);
   * 'homography': all 8 parameters free (under-determined on SynthDrive's road: README.md).
   */
  readonly model?: 'ground' | 'homography';
  /** Gauss–Newton iterations per pyramid level. */
  readonly iterations?: number;
  /** Levels finer than this are skipped (0 = fit down to the finest). */
  readonly finestLevel?: number;
  /** Tukey biweight scale, in robust standard deviations of the residual. */
  readonly robust?: number;
  /**
   * …but never below this (luma): on smooth asphalt the robust deviation is the sensor noise's, and a
   * scale from it alone would reject the misaligned lane marks — the very pixels that move the fit.
   */
  readonly minCutoff?: number;
  /**
   * Fit on each level's luma minus its (2r+1)² box mean (r = this, 0 = raw luma). Why: SynthDrive's road
   * has shading that stays put in the frame (brightness falling off with distance); on raw luma a still
   * plane matched it better than the true motion on 2 of 3 frame pairs of the tuning world, and the fit
   * settled on near-zero motion (road EPE median 7 px, scripts/temporal-flow-check.ts). High-passed, the
   * true motion scores lower on every pair checked.
   */
  readonly highPass?: number;
}

export const PLANE_MOTION_DEFAULTS = { fromRow: 0.6, centralWidth: 0.5, model: 'ground', iterations: 6, finestLevel: 0, robust: 4.685, minCutoff: 0.15, highPass: 0 } as const satisfies Required<PlaneMotionOptions>;

/**
 * Normalised coordinates shared by every level: x ∈ [−1, 1] across the width, y on the same scale about
 * the centre. A homography in these coordinates holds at every level of the pyramid.
 */
function toNormal(x: number, y: number, w: number, h: number): [number, number] {
  return [(2 * (x + 0.5)) / w - 1, (2 * (y + 0.5) - h) / w];
}

/** The plane's homography in normalised coordinates → the per-pixel offset (frame t → t−1) at w×h. */
export function planeFlow(Hn: Float64Array, w: number, h: number, fromRow = 0, scratch?: Scratch): { u: Float32Array; v: Float32Array; valid: Uint8Array } {
  const u = scratch ? scratch.f32('plane.u', w * h, true) : new Float32Array(w * h);
  const v = scratch ? scratch.f32('plane.v', w * h, true) : new Float32Array(w * h);
  const valid = new Uint8Array(w * h);
  for (let y = fromRow; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [nx, ny] = toNormal(x, y, w, h);
      const d = Hn[6]! * nx + Hn[7]! * ny + Hn[8]!;
      if (!(d > 1e-6)) continue;
      const X = (Hn[0]! * nx + Hn[1]! * ny + Hn[2]!) / d;
      const Y = (Hn[3]! * nx + Hn[4]! * ny + Hn[5]!) / d;
      const i = y * w + x;
      u[i] = ((X + 1) * w) / 2 - 0.5 - x;
      v[i] = (Y * w + h) / 2 - 0.5 - y;
      valid[i] = 1;
    }
  }
  return { u, v, valid };
}

/**
 * The ground model θ = (k, ex, yh, tx, ty) → its homography (normalised coordinates, H[8] = 1): a camera
 * translating forward over a plane sees each ground point move away from the focus of expansion
 * e = (ex, yh) on the horizon row yh, scaled by 1/(1 + k·(y − yh)) (k = forward step / camera height in
 * normalised units); a small rotation adds a uniform shift (tx, ty). Frame t → t−1:
 * p' = e + (p − e) / (1 + k·(y − yh)) + t.
 */
export function groundHomography(th: ArrayLike<number>): Float64Array {
  const [k, ex, yh, tx, ty] = [th[0]!, th[1]!, th[2]!, th[3]!, th[4]!];
  const a = ex + tx;
  const c = yh + ty;
  const h8 = 1 - k * yh;
  const H = [1, a * k, -ex + a * (1 - k * yh), 0, 1 + c * k, -yh + c * (1 - k * yh), 0, k, h8];
  return Float64Array.from(H, (x) => x / h8);
}

/** Largest change of each ground parameter in one Gauss–Newton step (normalised units). */
const MAX_STEP = [0.1, 0.1, 0.1, 0.02, 0.02];

export const IDENTITY: Float64Array = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);

/**
 * Fits Hn (normalised coordinates, Hn[8] = 1) with prev(Hn·p) ≈ cur(p) over the lower rows, starting from
 * `init` (e.g. the previous frame pair's). Returns the fit and its robust residual scale (luma), or null
 * when the system degenerates.
 */
export function fitPlaneMotion(
  prev: readonly PlaneLevel[],
  cur: readonly PlaneLevel[],
  init: PlaneMotionInit | null = null,
  options: PlaneMotionOptions = {},
  scratch: Scratch = new Scratch(),
): PlaneMotionFit | null {
  const o = { ...PLANE_MOTION_DEFAULTS, ...options };
  const ground = o.model === 'ground';
  // θ of the ground model, or the 8 free entries of H
  const th = ground ? Float64Array.from(init?.theta ?? [0, 0, 0, 0, 0]) : Float64Array.from((init?.Hn ?? IDENTITY).subarray(0, 8));
  let h8 = ground ? groundHomography(th) : Float64Array.of(...th, 1);
  const G = new Float64Array(8 * 5);
  const L = Math.min(prev.length, cur.length);
  const A = new Float64Array(64);
  const b = new Float64Array(8);
  let scale = Number.NaN;
  let fitted = false;
  for (let l = L - 1; l >= Math.min(o.finestLevel, L - 1); l--) {
    const C = cur[l]!.im;
    const P = prev[l]!;
    const { width: w, height: h } = C;
    const y0 = Math.floor(h * o.fromRow);
    const x0 = Math.floor((w * (1 - o.centralWidth)) / 2);
    const x1 = w - x0;
    const cap = Math.max(0, (h - y0) * (x1 - x0));
    const jac = scratch.f64('plane.jac', cap * 8);
    const res = scratch.f64('plane.res', cap);
    const absRes = scratch.f64('plane.absRes', cap);
    let gxs = P.ix;
    let gys = P.iy;
    let pim = P.im.data;
    let cim = C.data;
    if (o.highPass > 0) {
      const hpP = highPassedLevel(P, o.highPass, scratch, 'plane.P');
      pim = hpP.data;
      gxs = hpP.ix;
      gys = hpP.iy;
      cim = highPassedLevel(cur[l]!, o.highPass, scratch, 'plane.C').data;
    }
    for (let it = 0; it < o.iterations; it++) {
      A.fill(0);
      b.fill(0);
      // pass 1: each pixel's residual and its Jacobian row (typed buffers, no per-pixel objects)
      let m = 0;
      for (let y = y0; y < h; y++) {
        for (let x = x0; x < x1; x++) {
          const nx = (2 * (x + 0.5)) / w - 1;
          const ny = (2 * (y + 0.5) - h) / w;
          const d = h8[6]! * nx + h8[7]! * ny + 1;
          if (!(d > 1e-6)) continue;
          const X = (h8[0]! * nx + h8[1]! * ny + h8[2]!) / d;
          const Y = (h8[3]! * nx + h8[4]! * ny + h8[5]!) / d;
          const px = ((X + 1) * w) / 2 - 0.5;
          const py = (Y * w + h) / 2 - 0.5;
          if (px < 0 || py < 0 || px > w - 1 || py > h - 1) continue;
          // image-ops.ts's bilinear sample of three images at one point, its taps computed once (px, py
          // are inside the image, so its clamping is the identity; the same arithmetic, the same bits)
          const sx0 = Math.floor(px);
          const sy0 = Math.floor(py);
          const sx1 = sx0 + 1 < w ? sx0 + 1 : w - 1;
          const sy1 = sy0 + 1 < h ? sy0 + 1 : h - 1;
          const fx = px - sx0;
          const fy = py - sy0;
          const q00 = sy0 * w + sx0;
          const q01 = sy0 * w + sx1;
          const q10 = sy1 * w + sx0;
          const q11 = sy1 * w + sx1;
          let ta = gxs[q00]! + (gxs[q01]! - gxs[q00]!) * fx;
          let tb = gxs[q10]! + (gxs[q11]! - gxs[q10]!) * fx;
          const sgx = ta + (tb - ta) * fy;
          ta = gys[q00]! + (gys[q01]! - gys[q00]!) * fx;
          tb = gys[q10]! + (gys[q11]! - gys[q10]!) * fx;
          const sgy = ta + (tb - ta) * fy;
          ta = pim[q00]! + (pim[q01]! - pim[q00]!) * fx;
          tb = pim[q10]! + (pim[q11]! - pim[q10]!) * fx;
          const sp = ta + (tb - ta) * fy;
          // chain rule: d(pixel)/d(normalised) = w/2 for both axes
          const gx = (sgx * w) / 2 / d;
          const gy = (sgy * w) / 2 / d;
          const gp = -(gx * X + gy * Y);
          const o8 = m * 8;
          jac[o8] = gx * nx;
          jac[o8 + 1] = gx * ny;
          jac[o8 + 2] = gx;
          jac[o8 + 3] = gy * nx;
          jac[o8 + 4] = gy * ny;
          jac[o8 + 5] = gy;
          jac[o8 + 6] = gp * nx;
          jac[o8 + 7] = gp * ny;
          res[m] = sp - cim[y * w + x]!;
          absRes[m] = Math.abs(res[m]!);
          m++;
        }
      }
      // a level too small to hold the region is skipped (the finer ones take over)
      if (m < 32) break;
      // nothing to see (a uniform region): no plane rather than a made-up one
      let energy = 0;
      for (let k = 0; k < m; k++) energy += jac[k * 8 + 2]! ** 2 + jac[k * 8 + 5]! ** 2;
      if (energy / m < 1e-8) return null;
      fitted = true;
      // robust scale of this iteration's residuals (MAD), for the Tukey weights
      scale = Math.max(1e-3, 1.4826 * selectKth(absRes, m, m >> 1));
      const c = Math.max(o.minCutoff, o.robust * scale);
      // pass 2: the weighted normal equations
      for (let k = 0; k < m; k++) {
        const r = res[k]!;
        const t = r / c;
        if (t * t >= 1) continue;
        const wgt = (1 - t * t) ** 2;
        const o8 = k * 8;
        for (let p = 0; p < 8; p++) {
          const jp = jac[o8 + p]! * wgt;
          b[p] = b[p]! + jp * r;
          for (let q = p; q < 8; q++) A[p * 8 + q] = A[p * 8 + q]! + jp * jac[o8 + q]!;
        }
      }
      for (let p = 0; p < 8; p++) for (let q = 0; q < p; q++) A[p * 8 + q] = A[q * 8 + p]!;
      // a little Levenberg damping keeps a flat level from taking a wild step
      for (let p = 0; p < 8; p++) A[p * 8 + p] = A[p * 8 + p]! * 1.001 + 1e-9;
      let size = 0;
      if (ground) {
        // chain rule through dH/dθ (finite differences; the same for every pixel): Gᵀ·A·G, Gᵀ·b
        for (let q = 0; q < 5; q++) {
          const d = th.slice();
          d[q] = d[q]! + 1e-6;
          const Hd = groundHomography(d);
          for (let p = 0; p < 8; p++) G[p * 5 + q] = (Hd[p]! - h8[p]!) / 1e-6;
        }
        const At = new Float64Array(25);
        const bt = new Float64Array(5);
        for (let q = 0; q < 5; q++) {
          for (let p = 0; p < 8; p++) bt[q] = bt[q]! + G[p * 5 + q]! * b[p]!;
          for (let r = 0; r < 5; r++) {
            let sum = 0;
            for (let p = 0; p < 8; p++) for (let p2 = 0; p2 < 8; p2++) sum += G[p * 5 + q]! * A[p * 8 + p2]! * G[p2 * 5 + r]!;
            At[q * 5 + r] = sum;
          }
        }
        // Levenberg damping relative to the system's scale: at k = 0 the focus of expansion is unobservable
        // (its columns vanish), and an undamped step there flies off
        let trace = 0;
        for (let q = 0; q < 5; q++) trace += At[q * 5 + q]!;
        for (let q = 0; q < 5; q++) At[q * 5 + q] = At[q * 5 + q]! * 1.01 + 1e-3 * (trace / 5) + 1e-12;
        const step = solveN(At, bt, 5);
        if (!step) return null;
        for (let q = 0; q < 5; q++) {
          const d = Math.max(-MAX_STEP[q]!, Math.min(MAX_STEP[q]!, step[q]!));
          th[q] = th[q]! - d;
          size += d * d;
        }
        h8 = groundHomography(th);
      } else {
        const step = solveN(A, b, 8);
        if (!step) return null;
        for (let p = 0; p < 8; p++) {
          h8[p] = h8[p]! - step[p]!;
          size += step[p]! * step[p]!;
        }
      }
      if (size < 1e-10) break;
    }
  }
  if (!fitted || h8.some((x) => !Number.isFinite(x))) return null;
  return { Hn: Float64Array.of(...h8.subarray(0, 8), 1), theta: ground ? th : null, scale };
}

/** The plane motion the other way (frame t−1 → t): the inverse homography, Hn[8] = 1 (theta null), or null if singular. */
export function reversePlaneMotion(fit: PlaneMotionFit): PlaneMotionFit | null {
  const m = fit.Hn;
  const inv = Float64Array.of(
    m[4]! * m[8]! - m[5]! * m[7]!,
    m[2]! * m[7]! - m[1]! * m[8]!,
    m[1]! * m[5]! - m[2]! * m[4]!,
    m[5]! * m[6]! - m[3]! * m[8]!,
    m[0]! * m[8]! - m[2]! * m[6]!,
    m[2]! * m[3]! - m[0]! * m[5]!,
    m[3]! * m[7]! - m[4]! * m[6]!,
    m[1]! * m[6]! - m[0]! * m[7]!,
    m[0]! * m[4]! - m[1]! * m[3]!,
  );
  const d = inv[8]!;
  if (!(Math.abs(d) > 1e-12) || inv.some((x) => !Number.isFinite(x))) return null;
  return { Hn: inv.map((x) => x / d), theta: null, scale: fit.scale };
}

/** Where a fit starts: the previous frame pair's fit (driving motion is smooth). */
export interface PlaneMotionInit {
  readonly Hn?: Float64Array;
  readonly theta?: ArrayLike<number> | null;
}

export interface PlaneMotionFit {
  /** The plane's motion frame t → t−1 in normalised coordinates, Hn[8] = 1. */
  readonly Hn: Float64Array;
  /** The ground model's parameters (model 'ground'), else null. */
  readonly theta: Float64Array | null;
  /** Robust deviation of the last iteration's luma residual. */
  readonly scale: number;
}

/**
 * The k-th smallest of a[0..n) (reordering it): what sorting and indexing gave, in linear time (the sort of
 * each iteration's residuals was a fifth of the fit's cost).
 */
export function selectKth(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    // median of three as the pivot: the residuals arrive in raster order, often nearly sorted by row
    const mid = (lo + hi) >> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** n×n linear solve (A overwritten) by Gaussian elimination with partial pivoting. */
function solveN(A: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const B = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]!) > Math.abs(A[p * n + c]!)) p = r;
    if (Math.abs(A[p * n + c]!) < 1e-14) return null;
    if (p !== c) {
      for (let k = 0; k < n; k++) [A[c * n + k], A[p * n + k]] = [A[p * n + k]!, A[c * n + k]!];
      [B[c], B[p]] = [B[p]!, B[c]!];
    }
    for (let r = c + 1; r < n; r++) {
      const f = A[r * n + c]! / A[c * n + c]!;
      for (let k = c; k < n; k++) A[r * n + k] = A[r * n + k]! - f * A[c * n + k]!;
      B[r] = B[r]! - f * B[c]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = B[r]!;
    for (let k = r + 1; k < n; k++) s -= A[r * n + k]! * x[k]!;
    x[r] = s / A[r * n + r]!;
  }
  return x;
}
