// `predict --temporal <mode>`: frame-by-frame prediction in temporal order, each frame's probabilities
// blended with the previous frame's carried along correspondences. 'features' matches the cached
// backbone patch features (no image is decoded); 'flow' runs Lucas–Kanade on the frames' luma at half
// size, and still uses the features' match similarity to detect scene cuts.
import type { TemporalMode } from '../../../shared/contract/experiments.js';
import type { PixelRect, Prediction, Predictor } from '../cause/predict.js';
import { argmaxProbabilities, correspondenceFromFlow, correspondenceFromPatches, softmaxRows, TemporalCarry, type Correspondence } from './carry.js';
import { matchPatches, normalizeRows } from './feature-match.js';
import { checkForwardBackward, lucasKanadeFlow, lumaOf, type GreyImage } from './optical-flow.js';

/** The softmax scale of the probabilities (the same 3·cos the confidence maps use). */
const PROB_SCALE = 3;
/** Flow runs at 1/FLOW_FACTOR of the frame's size. */
const FLOW_FACTOR = 2;

export interface TemporalFrame {
  readonly sequence: string;
  readonly grid: Float32Array;
  readonly h: number;
  readonly w: number;
  readonly dim: number;
  readonly outW: number;
  readonly outH: number;
  readonly region: PixelRect;
  /** Packed RGB of the frame at outW×outH ('flow' only). */
  readonly rgb?: ArrayLike<number>;
}

export interface TemporalOptions {
  readonly carry?: number;
  readonly minSimilarity?: number;
  readonly flowSigma?: number;
  /** Flow mode: keep only flow that the reverse flow confirms (default on). */
  readonly forwardBackward?: boolean;
}

export class TemporalPredictor {
  private readonly carry: TemporalCarry;
  private prevGrid: Float32Array | null = null;
  private prevLuma: GreyImage | null = null;
  private prevSequence: string | null = null;

  constructor(
    private readonly predictor: Predictor,
    readonly mode: Exclude<TemporalMode, 'none'>,
    private readonly options: TemporalOptions = {},
  ) {
    this.carry = new TemporalCarry(predictor.clusters, options.carry);
  }

  /** The last frame's correspondence (for diagnostics: scripts/temporal-tune.ts compares it with the true motion). */
  lastCorrespondence: Correspondence | null = null;

  get resets(): number {
    return this.carry.resets;
  }

  get cuts(): number {
    return this.carry.cuts;
  }

  predict(f: TemporalFrame): Prediction {
    const K = this.predictor.clusters;
    const probs = this.predictor.cosines(f.grid, f.h, f.w, f.dim, f.outW, f.outH, f.region);
    softmaxRows(probs, K, PROB_SCALE);
    const same = this.prevSequence === f.sequence && this.prevGrid !== null && this.prevGrid.length === f.grid.length;
    let corr: Correspondence | null = null;
    let meanSimilarity: number | null = null;
    const luma = this.mode === 'flow' && f.rgb ? lumaOf(f.rgb, f.outW, f.outH, FLOW_FACTOR) : null;
    if (same) {
      if (this.mode === 'features') {
        const m = matchPatches(this.prevGrid!, f.grid, f.h, f.w, f.dim);
        meanSimilarity = m.meanSimilarity;
        corr = correspondenceFromPatches(m, f.region, f.outW, f.outH, this.options.minSimilarity);
      } else {
        meanSimilarity = sameSpotSimilarity(this.prevGrid!, f.grid, f.h * f.w, f.dim);
        if (luma && this.prevLuma && this.prevLuma.width === luma.width && this.prevLuma.height === luma.height) {
          const o = this.options.flowSigma !== undefined ? { sigma: this.options.flowSigma } : {};
          const back = lucasKanadeFlow(this.prevLuma, luma, o);
          const flow = this.options.forwardBackward === false ? back : checkForwardBackward(back, lucasKanadeFlow(luma, this.prevLuma, o));
          corr = correspondenceFromFlow(flow, f.outW, f.outH);
        }
      }
    }
    this.lastCorrespondence = corr;
    this.carry.step(f.sequence, probs, f.outW, f.outH, corr, meanSimilarity);
    this.prevGrid = f.grid;
    this.prevLuma = luma;
    this.prevSequence = f.sequence;
    const { clusters, confidence } = argmaxProbabilities(probs, K, f.outW * f.outH);
    return { width: f.outW, height: f.outH, clusters, confidence };
  }
}

/**
 * Mean cosine of each patch with the patch at the same place in the previous frame: a cheap scene-cut
 * signal for the flow mode (consecutive frames of one shot stay far more alike than two shots).
 */
export function sameSpotSimilarity(prev: Float32Array, cur: Float32Array, n: number, dim: number): number {
  const a = normalizeRows(prev, n, dim);
  const b = normalizeRows(cur, n, dim);
  let s = 0;
  for (let i = 0; i < n * dim; i++) s += a[i]! * b[i]!;
  return n > 0 ? s / n : 0;
}
