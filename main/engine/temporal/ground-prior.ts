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
import { fitPlaneMotion, planeFlow, type PlaneLevel, type PlaneMotionFit, type PlaneMotionOptions } from './plane-motion.js';
import { boxSum, sample, Scratch } from './image-ops.js';
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
}

export const GROUND_PRIOR_DEFAULTS = { applyFromRow: 0.45, tie: 0.01, accept: 0.04, sigma: 0.04 } as const;

export interface GroundPriorResult {
  readonly field: FlowField;
  /** The fitted plane motion (plane-motion.ts), or null when the fit failed. */
  readonly fit: PlaneMotionFit | null;
  /** 1 where the pixel took the plane's flow. */
  readonly onPlane: Uint8Array;
}

/**
 * Fits the ground plane's motion between the two pyramids (from `init`, e.g. the previous pair's) and fills
 * it in where it explains frame t as well as `flow` does. Returns the flow unchanged (Hn null) when the fit
 * fails.
 */
export function applyGroundPrior(
  flow: FlowField,
  prev: readonly PlaneLevel[],
  cur: readonly PlaneLevel[],
  o: GroundPriorOptions = {},
  init: PlaneMotionFit | null = null,
  scratch: Scratch = new Scratch(),
): GroundPriorResult {
  const { width: w, height: h } = flow;
  const n = w * h;
  const onPlane = new Uint8Array(n);
  const fit = fitPlaneMotion(prev, cur, init, o, scratch);
  if (!fit) return { field: flow, fit: null, onPlane };
  const top = Math.floor(h * (o.applyFromRow ?? GROUND_PRIOR_DEFAULTS.applyFromRow));
  const plane = planeFlow(fit.Hn, w, h, top, scratch);
  const P = prev[0]!.im.data;
  const C = cur[0]!.im.data;
  // both flows' photometric residuals (3×3 means, as the flow's own confidence)
  // zeroed: only the rows from `top` where the plane is valid are written, the box sums read all
  const resP = scratch.f32('ground.resP', n, true);
  const resL = scratch.f32('ground.resL', n, true);
  for (let y = top; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!plane.valid[i]) continue;
      resP[i] = Math.abs(C[i]! - sample(P, w, h, x + plane.u[i]!, y + plane.v[i]!));
      resL[i] = Math.abs(C[i]! - sample(P, w, h, x + flow.u[i]!, y + flow.v[i]!));
    }
  }
  const integral = scratch.integral(w, h);
  const avgP = scratch.f32('ground.avgP', n);
  const avgL = scratch.f32('ground.avgL', n);
  boxSum(resP, w, h, 1, avgP, integral);
  boxSum(resL, w, h, 1, avgL, integral);
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
