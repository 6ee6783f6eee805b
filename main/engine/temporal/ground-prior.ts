// The ground-plane prior of the flow (issue 18): per frame pair, the road plane's motion — the ego-motion
// seen on the ground — is fitted directly to the two frames (plane-motion.ts) and fills in the flow where
// the surface is too flat for Lucas–Kanade to see its own motion.
//
// Why: dense LK on smooth asphalt with motion of 16–32 px erred by ~22 px (scripts/temporal-flow-check.ts),
// and the still-pixel rule then held such road in place against its true motion. A plane moves by one
// homography, so the road's few marks and weak gradients, summed over the whole region, fix the motion of
// all of it. Per pixel the plane replaces the LK flow where it explains frame t about as well as LK does
// or well enough anyway (`tie`, `accept`), so textured objects off the ground (cars, walls) keep their own
// flow. Rows above `applyFromRow` (sky, facades above the horizon) are left to LK.
import { fitPlaneMotion, highPassedLevel, PLANE_MOTION_DEFAULTS, planeFlow, type PlaneLevel, type PlaneMotionFit, type PlaneMotionOptions } from './plane-motion.js';
import { residualSums, sample, Scratch } from './image-ops.js';
import type { FlowField } from './optical-flow.js';

export interface GroundPriorOptions extends PlaneMotionOptions {
  /** The plane's flow may replace LK's in rows below this fraction of the height. */
  readonly applyFromRow?: number;
  /** A pixel takes the plane's flow when its residual is within this of LK's (luma 0..1, 3×3 mean). */
  readonly tie?: number;
  /**
   * …or when its own residual is below this (luma, 3×3 mean) anyway: on flat asphalt LK's wrong flow can
   * match the noise a little better than the plane's right one.
   */
  readonly accept?: number;
  /** Luma residual at which the plane's confidence falls to e^−1 (as FlowOptions.sigma). */
  readonly sigma?: number;
  /**
   * Besides the previous pair's fit, start the fit from forward steps of these sizes |k| (plane-motion.ts's
   * ground model, with the previous focus of expansion and its sign of k) and keep the fit that explains the road best. Why: a fit
   * that once settles on a wrong motion is the next pair's start, and stays wrong for frames.
   */
  readonly starts?: readonly number[];
  /** The finest pyramid level the starts are fitted to and compared at (0 = the finest; the winner is refined to `finestLevel`). */
  readonly startsFinestLevel?: number;
  /** Compare the plane's and LK's residuals on the high-passed luma (PlaneMotionOptions.highPass). */
  readonly judgeHighPassed?: boolean;
  /** Without `highPass`: its radius as this fraction of the finest level's width (8 px at 256; 0 = raw luma). */
  readonly highPassWidth?: number;
}

/**
 * highPassWidth, judgeHighPassed and starts: session 10, on the tuning world (main/engine/temporal/tuning.ts).
 * Road flow EPE median 7.9 → 1.7 px, p90 44.5 → 15.0 (per-class EPE from a scratch copy of
 * scripts/temporal-flow-check.ts, starts fitted to the finest level); with backward `flow` the ground-truth
 * inconsistency ×0.68 → ×0.51 against per-frame (scripts/temporal-tune.ts). startsFinestLevel 1: the same
 * inconsistency within 0.002 on worlds 5 and 7202, for about half the fitting.
 */
export const GROUND_PRIOR_DEFAULTS = {
  applyFromRow: 0.45,
  tie: 0.01,
  accept: 0.04,
  sigma: 0.04,
  highPassWidth: 1 / 32,
  judgeHighPassed: true,
  starts: [0.3, 0.6, 0.9],
  startsFinestLevel: 1,
} as const;

export interface GroundPriorResult {
  readonly field: FlowField;
  /** The fitted plane motion (plane-motion.ts), or null when the fit failed. */
  readonly fit: PlaneMotionFit | null;
  /** 1 where the pixel took the plane's flow. */
  readonly onPlane: Uint8Array;
}

/**
 * Fits the ground plane's motion between the two pyramids (from `init`, e.g. the previous pair's; or takes
 * `fixed`) and fills it in where it explains frame t as well as `flow` does. Returns the flow unchanged (Hn null) when the fit
 * fails.
 */
export function applyGroundPrior(
  flow: FlowField,
  prev: readonly PlaneLevel[],
  cur: readonly PlaneLevel[],
  options: GroundPriorOptions = {},
  init: PlaneMotionFit | null = null,
  scratch: Scratch = new Scratch(),
  fixed: PlaneMotionFit | null = null,
): GroundPriorResult {
  const { width: w, height: h } = flow;
  const n = w * h;
  const onPlane = new Uint8Array(n);
  const d = GROUND_PRIOR_DEFAULTS;
  const o: GroundPriorOptions = {
    ...options,
    highPass: options.highPass ?? Math.round(w * (options.highPassWidth ?? d.highPassWidth)),
    judgeHighPassed: options.judgeHighPassed ?? d.judgeHighPassed,
    starts: options.starts ?? d.starts,
  };
  let P = prev[0]!.im.data;
  let C = cur[0]!.im.data;
  if (o.highPass! > 0 && (o.judgeHighPassed || (!fixed && o.starts!.length))) {
    // judged on the luma the plane is fitted to: on raw luma the frame-fixed shading favours a still road
    P = highPassedLevel(prev[0]!, o.highPass!, scratch, 'ground.P').data;
    C = highPassedLevel(cur[0]!, o.highPass!, scratch, 'ground.C').data;
  }
  // `fixed`: a plane known already (the reverse of a pair's fit, FlowTracker's reverse field) is not fitted again
  const fit = fixed ?? bestFit(prev, cur, init, o, scratch, P, C);
  if (!fit) return { field: flow, fit: null, onPlane };
  const top = Math.floor(h * (o.applyFromRow ?? GROUND_PRIOR_DEFAULTS.applyFromRow));
  const plane = planeFlow(fit.Hn, w, h, top, scratch);
  if (!o.judgeHighPassed) {
    P = prev[0]!.im.data;
    C = cur[0]!.im.data;
  }
  // both flows' photometric residuals (3×3 sums, as the flow's own confidence), only from `top` where the plane is valid
  const valid = { mask: plane.valid, fromRow: top };
  const avgP = scratch.f32('ground.avgP', n);
  const avgL = scratch.f32('ground.avgL', n);
  residualSums(P, C, w, h, plane, scratch.f32('ground.resP', n), avgP, scratch.integral(w, h), valid);
  residualSums(P, C, w, h, flow, scratch.f32('ground.resL', n), avgL, scratch.integral(w, h), valid);
  const tie = (o.tie ?? GROUND_PRIOR_DEFAULTS.tie) * 9;
  const accept = (o.accept ?? GROUND_PRIOR_DEFAULTS.accept) * 9;
  const sigma = o.sigma ?? GROUND_PRIOR_DEFAULTS.sigma;
  const u = flow.u.slice();
  const v = flow.v.slice();
  const confidence = flow.confidence.slice();
  for (let i = top * w; i < n; i++) {
    if (!plane.valid[i] || (avgP[i]! > avgL[i]! + tie && avgP[i]! > accept)) continue;
    onPlane[i] = 1;
    u[i] = plane.u[i]!;
    v[i] = plane.v[i]!;
    confidence[i] = Math.exp(-avgP[i]! / 9 / sigma);
  }
  return { field: { width: w, height: h, u, v, confidence }, fit, onPlane };
}

/**
 * The fit from `init` and from each of `o.starts`, whichever leaves the smallest residual on the road ahead
 * (P, C: the luma judged), over the pixels that every candidate keeps in the frame: an expanding road
 * leaves the frame at the bottom, and charging or skipping those pixels would favour one size of motion.
 */
function bestFit(
  prev: readonly PlaneLevel[],
  cur: readonly PlaneLevel[],
  init: PlaneMotionFit | null,
  o: GroundPriorOptions,
  scratch: Scratch,
  P: Float32Array,
  C: Float32Array,
): PlaneMotionFit | null {
  if (!o.starts?.length) return fitPlaneMotion(prev, cur, init, o, scratch);
  // every start is fitted down to a coarse level only and compared there; the winner alone is fitted down
  // to the finest (five full fits per frame pair cost issue 18's speed gate)
  const coarse = { ...o, finestLevel: Math.max(o.finestLevel ?? 0, o.startsFinestLevel ?? GROUND_PRIOR_DEFAULTS.startsFinestLevel) };
  const first = fitPlaneMotion(prev, cur, init, coarse, scratch);
  const fits = first ? [first] : [];
  const ex = init?.theta?.[1] ?? 0;
  const yh = init?.theta?.[2] ?? 0;
  // frames fed last first (sequence-order.ts) see the road expand: k < 0. The previous fit's sign says
  // which way this sequence runs; without one, both.
  const k0 = init?.theta?.[0] ?? 0;
  const signs = Math.abs(k0) > 0.05 ? [Math.sign(k0)] : [1, -1];
  // (starting from the frame's centre as the focus too gave road EPE p90 12.7 px instead of 15.0 on the
  // tuning world, but the ground-truth inconsistency barely moved and the 7 fits cost the speed gate)
  for (const k of o.starts.flatMap((m) => signs.map((sg) => sg * m))) {
    const fit = fitPlaneMotion(prev, cur, { theta: [k, ex, yh, 0, 0] }, coarse, scratch);
    if (fit) fits.push(fit);
  }
  const refine = (fit: PlaneMotionFit | undefined) => (fit ? (fitPlaneMotion(prev, cur, fit, o, scratch) ?? fit) : null);
  if (fits.length <= 1) return refine(fits[0]);
  const { width: w, height: h } = cur[0]!.im;
  const y0 = Math.floor(h * (o.fromRow ?? PLANE_MOTION_DEFAULTS.fromRow));
  const x0 = Math.floor((w * (1 - (o.centralWidth ?? PLANE_MOTION_DEFAULTS.centralWidth))) / 2);
  const rw = w - 2 * x0;
  const m = (h - y0) * rw;
  const residuals = fits.map((fit) => {
    const r = new Float32Array(m).fill(Number.NaN);
    const plane = planeFlow(fit.Hn, w, h, y0, scratch);
    for (let y = y0; y < h; y++) {
      for (let x = x0; x < w - x0; x++) {
        const i = y * w + x;
        const px = x + plane.u[i]!;
        const py = y + plane.v[i]!;
        if (plane.valid[i] && px >= 0 && py >= 0 && px <= w - 1 && py <= h - 1) r[(y - y0) * rw + x - x0] = Math.abs(C[i]! - sample(P, w, h, px, py));
      }
    }
    return r;
  });
  const costs = fits.map(() => 0);
  let common = 0;
  for (let j = 0; j < m; j++) {
    if (residuals.some((r) => Number.isNaN(r[j]!))) continue;
    common++;
    for (let c = 0; c < fits.length; c++) costs[c] = costs[c]! + Math.min(0.1, residuals[c]![j]!);
  }
  // too little of the road stays in the frame under every candidate to compare them: keep the warm start's
  if (common < m / 4) return refine(fits[0]);
  let best = 0;
  for (let c = 1; c < fits.length; c++) if (costs[c]! < costs[best]!) best = c;
  return refine(fits[best]);
}
