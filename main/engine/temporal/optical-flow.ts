// Dense optical flow by pyramidal Lucas–Kanade (Bouguet's scheme on every pixel): for each pixel of
// frame t, where it was in frame t−1. Classical and label-free; written here rather than taken from a
// native library (no OpenCV in the studio). Runs on luma at the temporal filter's reduced size — the
// carried scores are smooth, so a flow at half resolution is enough and costs a quarter.
//
// FlowTracker serves a sequence: each frame's pyramid (with its gradients and structure tensors) is built
// once and serves twice — as the template of the flow to t−1 and as the target of the next frame's — and
// the previous frame's flow initialises the next (driving motion is smooth), so the pyramid search only
// corrects it.

import { applyGroundPrior, GROUND_PRIOR_DEFAULTS, type GroundPriorOptions } from './ground-prior.js';
import { highPassInto, reversePlaneMotion, type HighPassed, type PlaneMotionFit } from './plane-motion.js';
import { boxSum, gradients, residualSums, sample, Scratch } from './image-ops.js';
import { applyEpipolar, egoMotionOf, reverseEgoMotion, type EpipolarOptions } from './epipolar.js';
import type { PhaseProfile } from './phase-profile.js';

export { sample } from './image-ops.js';

export interface GreyImage {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

export interface FlowField {
  readonly width: number;
  readonly height: number;
  /** Offset to frame t−1, pixels of this field. */
  readonly u: Float32Array;
  readonly v: Float32Array;
  /** 0..1: photometric agreement after warping (1 = the warped t−1 matches t exactly). */
  readonly confidence: Float32Array;
  /** FlowTracker with `stillBonus`: 1 where the luma at the same place did not change (the flow is kept). */
  readonly still?: Uint8Array;
}

/** Luma (BT.601, 0..1) of packed RGB, box-averaged down to outW×outH (any size ≤ the image's), into `out` if given. */
export function lumaResized(rgb: ArrayLike<number>, width: number, height: number, outW: number, outH: number, out?: Float32Array): GreyImage {
  const data = out && out.length === outW * outH ? out : new Float32Array(outW * outH);
  const fx = width / outW;
  const fy = height / outH;
  for (let y = 0; y < outH; y++) {
    const ya = Math.floor(y * fy);
    const yb = Math.max(ya + 1, Math.min(height, Math.floor((y + 1) * fy)));
    for (let x = 0; x < outW; x++) {
      const xa = Math.floor(x * fx);
      const xb = Math.max(xa + 1, Math.min(width, Math.floor((x + 1) * fx)));
      let s = 0;
      for (let yy = ya; yy < yb; yy++) {
        let i = (yy * width + xa) * 3;
        for (let xx = xa; xx < xb; xx++, i += 3) s += 0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!;
      }
      data[y * outW + x] = s / ((yb - ya) * (xb - xa) * 255);
    }
  }
  return { data, width: outW, height: outH };
}

/** Luma of packed RGB, box-downscaled by an integer factor. */
export function lumaOf(rgb: ArrayLike<number>, width: number, height: number, factor = 1): GreyImage {
  return lumaResized(rgb, width, height, Math.max(1, Math.floor(width / factor)), Math.max(1, Math.floor(height / factor)));
}

function halve(im: GreyImage, out?: Float32Array): GreyImage {
  const w = Math.max(1, im.width >> 1);
  const h = Math.max(1, im.height >> 1);
  const data = out && out.length === w * h ? out : new Float32Array(w * h);
  const d = im.data;
  for (let y = 0; y < h; y++) {
    const y0 = Math.min(im.height - 1, 2 * y);
    const y1 = Math.min(im.height - 1, 2 * y + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.min(im.width - 1, 2 * x);
      const x1 = Math.min(im.width - 1, 2 * x + 1);
      data[y * w + x] = 0.25 * (d[y0 * im.width + x0]! + d[y0 * im.width + x1]! + d[y1 * im.width + x0]! + d[y1 * im.width + x1]!);
    }
  }
  return { data, width: w, height: h };
}

export interface FlowOptions {
  readonly levels?: number;
  readonly iterations?: number;
  /** Window radius in pixels (window = (2r+1)²). */
  readonly radius?: number;
  /** Luma residual (0..1) at which confidence falls to e^−1. */
  readonly sigma?: number;
  /** Radius of the texture-weighted averaging of each level's flow (0 = none). */
  readonly smoothing?: number;
  /** Added to the structure tensor's diagonal (per window pixel): flat windows take damped steps. */
  readonly damping?: number;
  /**
   * FlowTracker: where the luma at the same place is unchanged (3×3 mean |Δ| ≤ this, 0..1), the pixel is
   * still — marked (`stillBonus`) or given zero flow and full confidence — so a flat region keeps its
   * label, as `labelFree.flickerStatic` expects of a still pixel. 0 disables.
   */
  readonly staticThreshold?: number;
  /**
   * FlowTracker: instead of zeroing still pixels' flow, keep it and mark them (`FlowField.still`), so the
   * filter can hold their same-place label as well as the carried one (filter.ts's `stillMargin`).
   */
  readonly stillBonus?: boolean;
  /** FlowTracker: confirm the flow by the reverse flow (costs a second flow). */
  readonly forwardBackward?: boolean;
  /** FlowTracker: start from the previous frame's flow. */
  readonly warmStart?: boolean;
  /**
   * FlowTracker: fill in the ground plane's motion (ground-prior.ts) where it explains the frame as well
   * as LK; such pixels are never taken as still.
   */
  readonly groundPrior?: boolean;
  /** FlowTracker: the ground prior's tie tolerance and acceptance residual (GroundPriorOptions.tie, .accept). */
  readonly groundTie?: number;
  readonly groundAccept?: number;
  /** FlowTracker: the ground prior's options beyond the tie. */
  readonly ground?: GroundPriorOptions;
  /**
   * FlowTracker: also the flow the other way — frame t−1's pixels to frame t — from the same Lucas–Kanade
   * pair, confirmed the same way, with the ground plane's inverse motion (`reverseField()`). Needs
   * `forwardBackward`. For the second pass of temporal prediction both ways (two-pass.ts).
   */
  readonly reverse?: boolean;
  /**
   * FlowTracker, with the ground prior: off the plane, search each pixel's line through the focus of
   * expansion for the static scene's flow (epipolar.ts) and take it where it explains the frame as well as
   * LK. `false` (or no plane fit) keeps LK's flow there.
   */
  readonly epipolar?: EpipolarOptions | false;
}

/**
 * `iterations` 2 (was 3, session 8): with the warm start and the ground prior a third Gauss–Newton step per
 * level changed nothing measurable (tuning world, scripts/temporal-tune.ts: GT inconsistency ×0.596 vs
 * ×0.605, flickerStatic ×0.474 vs ×0.477, ΔmIoU −0.45 both, flow EPE median 1.67 vs 1.72 px) and cost a
 * quarter of Lucas–Kanade.
 *
 * `epipolar` (session 11, chosen on the tuning worlds 5 and 7201 → 7202, scripts/temporal-tune.ts, both
 * ways, its default ±2 px around LK's shift): ground-truth inconsistency ×0.400 → ×0.346 and ×0.448 →
 * ×0.382 against per-frame, flickerStatic ×0.424 → ×0.420 and ×0.460 → ×0.452, ΔmIoU +1.00 → +1.25 and
 * +1.94 → +2.56.
 */
const FLOW_DEFAULTS = { staticThreshold: 0.035, damping: 0, levels: 4, iterations: 2, radius: 3, sigma: 0.04, smoothing: 4, forwardBackward: true, warmStart: true, groundPrior: true, stillBonus: true, epipolar: {} } as const;

/** One pyramid level with what Lucas–Kanade needs of it as a template (gradients, structure tensor). */
interface Level {
  readonly im: GreyImage;
  readonly ix: Float32Array;
  readonly iy: Float32Array;
  readonly gxx: Float32Array;
  readonly gxy: Float32Array;
  readonly gyy: Float32Array;
  /** Smaller eigenvalue of the structure tensor: how well the window sees its own motion. */
  readonly texture: Float32Array;
  /** The level high-passed for the ground prior (FlowTracker computes it once per frame; plane-motion.ts). */
  readonly hp?: HighPassed;
}

export type Pyramid = readonly Level[];

/**
 * The pyramid of `im` with each level's gradients and structure tensor. `reuse`: a pyramid nobody reads
 * any more whose buffers are overwritten where the sizes match (FlowTracker: no per-frame allocation).
 */
export function buildPyramid(im: GreyImage, options: FlowOptions = {}, reuse: Pyramid | null = null, scratch: Scratch = new Scratch()): Pyramid {
  const levels = options.levels ?? FLOW_DEFAULTS.levels;
  const r = options.radius ?? FLOW_DEFAULTS.radius;
  const ims: GreyImage[] = [im];
  for (let l = 1; l < levels && ims[l - 1]!.width >= 16 && ims[l - 1]!.height >= 16; l++) ims.push(halve(ims[l - 1]!, reuse?.[l]?.im.data));
  const out: Level[] = [];
  for (let l = 0; l < ims.length; l++) {
    const C = ims[l]!;
    const { width: w, height: h } = C;
    const n = w * h;
    const old = reuse?.[l]?.ix.length === n ? reuse[l] : undefined;
    const ix = old?.ix ?? new Float32Array(n);
    const iy = old?.iy ?? new Float32Array(n);
    gradients(C.data, w, h, ix, iy);
    const integral = scratch.integral(w, h);
    const tmp = scratch.f32('pyr.tmp', n);
    const gxx = old?.gxx ?? new Float32Array(n);
    const gxy = old?.gxy ?? new Float32Array(n);
    const gyy = old?.gyy ?? new Float32Array(n);
    for (let i = 0; i < n; i++) tmp[i] = ix[i]! * ix[i]!;
    boxSum(tmp, w, h, r, gxx, integral);
    for (let i = 0; i < n; i++) tmp[i] = ix[i]! * iy[i]!;
    boxSum(tmp, w, h, r, gxy, integral);
    for (let i = 0; i < n; i++) tmp[i] = iy[i]! * iy[i]!;
    boxSum(tmp, w, h, r, gyy, integral);
    const texture = old?.texture ?? new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const a = gxx[i]!;
      const d = gyy[i]!;
      const b = gxy[i]!;
      texture[i] = Math.max(0, (a + d) / 2 - Math.sqrt(((a - d) / 2) ** 2 + b * b));
    }
    out.push({ im: C, ix, iy, gxx, gxy, gyy, texture });
  }
  return out;
}

/** Resamples a flow field to w×h (half-pixel centres), scaling the offsets with the size. */
function resizeFlow(u: Float32Array, v: Float32Array, uw: number, uh: number, w: number, h: number): { u: Float32Array; v: Float32Array } {
  const nu = new Float32Array(w * h);
  const nv = new Float32Array(w * h);
  const sx = uw / w;
  const sy = uh / h;
  for (let y = 0; y < h; y++) {
    const fy = (y + 0.5) * sy - 0.5;
    for (let x = 0; x < w; x++) {
      const fx = (x + 0.5) * sx - 0.5;
      nu[y * w + x] = sample(u, uw, uh, fx, fy) / sx;
      nv[y * w + x] = sample(v, uw, uh, fx, fy) / sy;
    }
  }
  return { u: nu, v: nv };
}

/**
 * Flow from the template pyramid `cur` (frame t) back to `prev` (frame t−1): prev(p + (u, v)) ≈ cur(p).
 * `init` (at the finest level's size) is a first guess, e.g. the previous frame's flow.
 */
export function lucasKanadePyramid(
  prev: Pyramid,
  cur: Pyramid,
  options: FlowOptions = {},
  init?: { u: Float32Array; v: Float32Array },
  scratch: Scratch = new Scratch(),
): FlowField {
  const iterations = options.iterations ?? FLOW_DEFAULTS.iterations;
  const r = options.radius ?? FLOW_DEFAULTS.radius;
  const sigma = options.sigma ?? FLOW_DEFAULTS.sigma;
  const spread = options.smoothing ?? FLOW_DEFAULTS.smoothing;
  const eps = (options.damping ?? FLOW_DEFAULTS.damping) * (2 * r + 1) ** 2;
  const L = Math.min(prev.length, cur.length);
  const top = cur[L - 1]!.im;
  let { u, v } = init
    ? resizeFlow(init.u, init.v, cur[0]!.im.width, cur[0]!.im.height, top.width, top.height)
    : { u: new Float32Array(top.width * top.height), v: new Float32Array(top.width * top.height) };
  let uw = top.width;
  let uh = top.height;
  for (let l = L - 1; l >= 0; l--) {
    const T = cur[l]!;
    const P = prev[l]!.im;
    const { width: w, height: h } = T.im;
    const n = w * h;
    if (uw !== w || uh !== h) ({ u, v } = resizeFlow(u, v, uw, uh, w, h));
    uw = w;
    uh = h;
    const c = T.im.data;
    const integral = scratch.integral(w, h);
    const tmp = scratch.f32('lk.tmp', n);
    const bx = scratch.f32('lk.bx', n);
    const by = scratch.f32('lk.by', n);
    const et = scratch.f32('lk.et', n);
    for (let it = 0; it < iterations; it++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          et[i] = c[i]! - sample(P.data, w, h, x + u[i]!, y + v[i]!);
        }
      }
      for (let i = 0; i < n; i++) tmp[i] = T.ix[i]! * et[i]!;
      boxSum(tmp, w, h, r, bx, integral);
      for (let i = 0; i < n; i++) tmp[i] = T.iy[i]! * et[i]!;
      boxSum(tmp, w, h, r, by, integral);
      for (let i = 0; i < n; i++) {
        const a = T.gxx[i]! + eps;
        const b = T.gxy[i]!;
        const d = T.gyy[i]! + eps;
        const det = a * d - b * b;
        // untextured windows (sky, smooth asphalt) keep the coarser estimate
        if (det < 1e-9 || a + d < 1e-6) continue;
        const du = (d * bx[i]! - b * by[i]!) / det;
        const dv = (a * by[i]! - b * bx[i]!) / det;
        u[i] = u[i]! + Math.max(-2, Math.min(2, du));
        v[i] = v[i]! + Math.max(-2, Math.min(2, dv));
      }
    }
    // Flat windows (sky, smooth asphalt) cannot see their own motion (the aperture problem): every level's
    // flow becomes its texture-weighted local mean, so textured neighbours lend them theirs.
    if (spread > 0) {
      const wsum = scratch.f32('lk.wsum', n);
      const su = scratch.f32('lk.su', n);
      const sv = scratch.f32('lk.sv', n);
      boxSum(T.texture, w, h, spread, wsum, integral);
      for (let i = 0; i < n; i++) tmp[i] = T.texture[i]! * u[i]!;
      boxSum(tmp, w, h, spread, su, integral);
      for (let i = 0; i < n; i++) tmp[i] = T.texture[i]! * v[i]!;
      boxSum(tmp, w, h, spread, sv, integral);
      for (let i = 0; i < n; i++) {
        if (wsum[i]! > 1e-9) {
          u[i] = su[i]! / wsum[i]!;
          v[i] = sv[i]! / wsum[i]!;
        }
      }
    }
  }
  const C = cur[0]!.im;
  const P = prev[0]!.im;
  const w = C.width;
  const h = C.height;
  const confidence = new Float32Array(w * h);
  // the residual averaged over a small window: one noisy pixel does not veto a good match
  const avg = scratch.f32('lk.avg', w * h);
  residualSums(P.data, C.data, w, h, { u, v }, scratch.f32('lk.res', w * h), avg, scratch.integral(w, h));
  for (let i = 0; i < w * h; i++) confidence[i] = Math.exp(-avg[i]! / 9 / sigma);
  return { width: w, height: h, u, v, confidence };
}

/** Flow from `cur` (frame t) back to `prev` (frame t−1): prev(p + (u, v)) ≈ cur(p). Same sizes required. */
export function lucasKanadeFlow(prev: GreyImage, cur: GreyImage, options: FlowOptions = {}): FlowField {
  if (prev.width !== cur.width || prev.height !== cur.height) throw new Error(`flow needs equal sizes (${prev.width}×${prev.height} vs ${cur.width}×${cur.height})`);
  return lucasKanadePyramid(buildPyramid(prev, options), buildPyramid(cur, options), options);
}

/**
 * Forward–backward check: `back` maps frame t to t−1, `fwd` maps t−1 to t; where following one and then
 * the other does not return within ~`tolerance` pixels (occlusions, flat regions whose flow is a guess)
 * the confidence of `back` falls, so the carry trusts only flow that agrees with itself.
 */
export function checkForwardBackward(back: FlowField, fwd: FlowField, tolerance = 1): FlowField {
  const { width: w, height: h } = back;
  const confidence = new Float32Array(w * h);
  const k = 1 / (2 * tolerance * tolerance);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const qx = x + back.u[i]!;
      const qy = y + back.v[i]!;
      const eu = back.u[i]! + sample(fwd.u, w, h, qx, qy);
      const ev = back.v[i]! + sample(fwd.v, w, h, qx, qy);
      confidence[i] = back.confidence[i]! * Math.exp(-(eu * eu + ev * ev) * k);
    }
  }
  return { ...back, confidence };
}

/**
 * The flow of a sequence, frame after frame: `push` each frame's image, then `field()` is its flow to
 * the previous frame (null at a sequence start or a size change).
 */
export class FlowTracker {
  private prev: Pyramid | null = null;
  private cur: Pyramid | null = null;
  /** A pyramid no longer read, whose buffers the next frame's is built into. */
  private spare: Pyramid | null = null;
  private readonly scratch = new Scratch();
  private sequence: string | null = null;
  private lastBack: FlowField | null = null;
  private lastFwd: FlowField | null = null;
  private lastPlane: PlaneMotionFit | null = null;
  private lastReverse: FlowField | null = null;
  private readonly options: FlowOptions;

  constructor(
    options: FlowOptions = {},
    private readonly profile?: PhaseProfile,
  ) {
    this.options = options;
  }

  /** Frame t's packed RGB (width×height), its flow computed at w×h. */
  push(sequence: string, rgb: ArrayLike<number>, width: number, height: number, w: number, h: number): void {
    const spare = this.spare;
    this.spare = null;
    const luma = lumaResized(rgb, width, height, w, h, spare?.[0]?.im.data);
    this.profile?.mark('flow: luma');
    const pyr = this.withHighPass(buildPyramid(luma, this.options, spare, this.scratch), spare);
    this.profile?.mark('flow: pyramid');
    const continues = sequence === this.sequence && this.cur !== null && this.cur[0]!.im.width === w && this.cur[0]!.im.height === h;
    this.spare = continues ? this.prev : this.cur;
    this.prev = continues ? this.cur : null;
    if (!continues) {
      this.lastBack = null;
      this.lastFwd = null;
      this.lastPlane = null;
    }
    this.cur = pyr;
    this.sequence = sequence;
  }

  /**
   * Each level high-passed at the radius the ground prior fits with (into the spare pyramid's buffers): once
   * per frame, where the fits of a frame pair computed it for every fit, and every frame serves two pairs.
   */
  private withHighPass(pyr: Pyramid, spare: Pyramid | null): Pyramid {
    const o = this.options;
    if (!(o.groundPrior ?? FLOW_DEFAULTS.groundPrior)) return pyr;
    const g = o.ground ?? {};
    const radius = g.highPass ?? Math.round(pyr[0]!.im.width * (g.highPassWidth ?? GROUND_PRIOR_DEFAULTS.highPassWidth));
    if (!(radius > 0)) return pyr;
    return pyr.map((level, l) => {
      const n = level.im.data.length;
      const old = spare?.[l]?.hp;
      const buffers = old && old.data.length === n ? old : { data: new Float32Array(n), ix: new Float32Array(n), iy: new Float32Array(n) };
      return { ...level, hp: highPassInto(level.im, { radius, data: buffers.data, ix: buffers.ix, iy: buffers.iy }, this.scratch) };
    });
  }

  /** Frame t's flow to frame t−1 with its confidence (photometric, and forward–backward unless disabled). */
  field(): FlowField | null {
    this.lastReverse = null;
    if (!this.prev || !this.cur) return null;
    const o = this.options;
    const warm = o.warmStart ?? FLOW_DEFAULTS.warmStart;
    const back = lucasKanadePyramid(this.prev, this.cur, o, warm && this.lastBack ? this.lastBack : undefined, this.scratch);
    this.profile?.mark('flow: LK backward');
    this.lastBack = back;
    let checked = back;
    if (o.forwardBackward ?? FLOW_DEFAULTS.forwardBackward) {
      // the forward flow t−1 → t starts from the backward flow reversed (a good guess where motion is smooth)
      const fwdInit = this.lastFwd ?? { u: back.u.map((x) => -x), v: back.v.map((x) => -x) };
      const fwd = lucasKanadePyramid(this.cur, this.prev, o, warm ? fwdInit : undefined, this.scratch);
      this.lastFwd = fwd;
      this.profile?.mark('flow: LK forward');
      checked = checkForwardBackward(back, fwd);
      this.profile?.mark('flow: fb check');
      if (o.reverse) this.lastReverse = checkForwardBackward(fwd, back);
    }
    if (!(o.groundPrior ?? FLOW_DEFAULTS.groundPrior)) {
      if (this.lastReverse) this.lastReverse = this.still(this.lastReverse, null);
      return this.still(checked, null);
    }
    const ground = { ...o.ground, ...(o.groundTie !== undefined ? { tie: o.groundTie } : {}), ...(o.groundAccept !== undefined ? { accept: o.groundAccept } : {}) };
    const prior = applyGroundPrior(checked, this.prev, this.cur, ground, this.lastPlane, this.scratch);
    this.profile?.mark('flow: ground prior');
    this.lastPlane = prior.fit;
    const epi = o.epipolar ?? FLOW_DEFAULTS.epipolar;
    const ego = epi && prior.fit?.theta ? egoMotionOf(prior.fit.theta, back.width, back.height) : null;
    const hpP = this.prev[0]!.hp?.data;
    const hpC = this.cur[0]!.hp?.data;
    let field = prior.field;
    if (epi && ego && hpP && hpC) {
      field = applyEpipolar(field, prior.onPlane, hpP, hpC, ego, epi, this.scratch).field;
      this.profile?.mark('flow: epipolar');
    }
    if (this.lastReverse) {
      // frame t−1's pixels to frame t: the pair's plane the other way, judged against the reverse LK flow
      const inverse = prior.fit ? reversePlaneMotion(prior.fit) : null;
      const rev = inverse ? applyGroundPrior(this.lastReverse, this.cur, this.prev, ground, null, this.scratch, inverse) : { field: this.lastReverse, onPlane: null };
      let revField = rev.field;
      if (epi && ego && hpP && hpC) revField = applyEpipolar(revField, rev.onPlane, hpC, hpP, reverseEgoMotion(ego), epi, this.scratch).field;
      this.lastReverse = this.still(revField, rev.onPlane);
      this.profile?.mark('flow: reverse');
    }
    // the next frame's LK starts from the plane's (and the lines') motion, not from LK's guess there
    if (prior.fit) this.lastBack = { ...back, u: field.u, v: field.v };
    const out = this.still(field, prior.onPlane);
    this.profile?.mark('flow: still');
    return out;
  }

  /** After `field()` with the `reverse` option: frame t−1's flow to frame t (null when there was no field). */
  reverseField(): FlowField | null {
    return this.lastReverse;
  }

  /** Pixels whose luma did not change are still — except ground the plane says moved. */
  private still(f: FlowField, onPlane: Uint8Array | null): FlowField {
    const thr = this.options.staticThreshold ?? FLOW_DEFAULTS.staticThreshold;
    if (!(thr > 0)) return f;
    const a = this.prev![0]!.im.data;
    const b = this.cur![0]!.im.data;
    const { width: w, height: h } = f;
    const n = w * h;
    const diff = this.scratch.f32('still.diff', n);
    for (let i = 0; i < n; i++) diff[i] = Math.abs(b[i]! - a[i]!);
    const avg = this.scratch.f32('still.avg', n);
    boxSum(diff, w, h, 1, avg, this.scratch.integral(w, h));
    const lim = thr * 9;
    if (this.options.stillBonus ?? FLOW_DEFAULTS.stillBonus) {
      const still = new Uint8Array(n);
      for (let i = 0; i < n; i++) still[i] = avg[i]! <= lim ? 1 : 0;
      return { ...f, still };
    }
    const u = f.u.slice();
    const v = f.v.slice();
    const confidence = f.confidence.slice();
    for (let i = 0; i < n; i++) {
      // a pixel on the ground plane that the plane says moved is moving road, however flat
      if (avg[i]! <= lim && !(onPlane?.[i] && Math.abs(u[i]!) + Math.abs(v[i]!) > 0.5)) {
        u[i] = 0;
        v[i] = 0;
        confidence[i] = 1;
      }
    }
    return { width: w, height: h, u, v, confidence };
  }
}
