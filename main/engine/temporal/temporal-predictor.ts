// `predict --temporal <mode>`: frame-by-frame prediction in temporal order. Each frame's cluster scores are
// computed at a reduced "state" resolution, filtered with the previous frame's state carried along
// correspondences (filter.ts: a recursive average plus label hysteresis), then upsampled to the output
// size for the argmax. 'features' matches the cached backbone patch features (no image is decoded); 'flow'
// runs Lucas–Kanade on the frames' luma and still uses the features' same-spot similarity to detect cuts.
import type { TemporalMode } from '../../../shared/contract/experiments.js';
import type { PixelRect, Prediction, Predictor } from '../cause/predict.js';
import { bilinearTaps, upsampledArgmax } from '../cause/upsample-argmax.js';
import { correspondenceFromFlow, correspondenceFromPatches, type Correspondence } from './carry.js';
import { matchPatches, normalizeRows } from './feature-match.js';
import { TemporalFilter, type FilterOptions } from './filter.js';
import { FlowTracker, type FlowField, type FlowOptions } from './optical-flow.js';
import type { PhaseProfile } from './phase-profile.js';

/** The softmax scale of the confidences (the same 3·cos the per-frame confidence maps use). */
const PROB_SCALE = 3;

export const TEMPORAL_PREDICTOR_DEFAULTS = {
  /** The filter's state (and the flow) runs at 1/stateFactor of the output size. */
  stateFactor: 2,
  /**
   * 'flow' mode's filter: a larger hysteresis margin than filter.ts's default (which 'features' keeps),
   * and still pixels hold their same-place label by `stillMargin` instead of taking a zero flow
   * (scripts/temporal-tune.ts on the tuning world, tuning.ts).
   */
  flowMargin: 0.5,
  flowStillMargin: 0.5,
  /** The flow's resolution, 1/flowFactor of the output (the state's, 1/stateFactor, unless tuned otherwise). */
  flowFactor: 2,
} as const;

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
  /**
   * Evaluation only (scripts/temporal-tune.ts's oracle): use this correspondence, at the state resolution,
   * instead of computing one.
   */
  readonly correspondence?: Correspondence | null;
  /**
   * 'flow': this frame's flow to the previous one, computed elsewhere (flow-pipeline.ts, on a helper
   * thread, by the same FlowTracker at flowSize()); null at a sequence start. Without it the flow is
   * computed here from `rgb`.
   */
  readonly flow?: FlowField | null;
}

export interface TemporalOptions extends FilterOptions {
  readonly minSimilarity?: number;
  readonly stateFactor?: number;
  /** 'flow': the flow runs at 1/flowFactor of the output size (≥ stateFactor; carried to the state by carry.ts). */
  readonly flowFactor?: number;
  readonly flow?: FlowOptions;
  /** Diagnostics (scripts/temporal-profile.ts): CPU time per phase. */
  readonly profile?: PhaseProfile;
}

export class TemporalPredictor {
  private readonly filter: TemporalFilter;
  private readonly flow: FlowTracker;
  private readonly factor: number;
  private prevGrid: Float32Array | null = null;
  /** The frame's scores, reused: filtered in place and upsampled before the next frame overwrites them. */
  private scores: Float32Array | undefined;
  private prevSequence: string | null = null;

  constructor(
    private readonly predictor: Predictor,
    readonly mode: Exclude<TemporalMode, 'none'>,
    private readonly options: TemporalOptions = {},
  ) {
    const d = TEMPORAL_PREDICTOR_DEFAULTS;
    this.filter = new TemporalFilter(
      predictor.clusters,
      mode === 'flow' ? { margin: d.flowMargin, stillMargin: d.flowStillMargin, ...options } : options,
    );
    this.flow = new FlowTracker(options.flow, options.profile);
    this.factor = Math.max(1, Math.round(options.stateFactor ?? TEMPORAL_PREDICTOR_DEFAULTS.stateFactor));
  }

  /** The last frame's correspondence at the state resolution (diagnostics: scripts/temporal-tune.ts). */
  lastCorrespondence: Correspondence | null = null;

  get resets(): number {
    return this.filter.resets;
  }

  get cuts(): number {
    return this.filter.cuts;
  }

  /** The state resolution for an output size. */
  stateSize(outW: number, outH: number): { width: number; height: number } {
    return { width: Math.max(1, Math.round(outW / this.factor)), height: Math.max(1, Math.round(outH / this.factor)) };
  }

  /** The flow's resolution for an output size ('flow' mode; what a FlowPipeline must be given). */
  flowSize(outW: number, outH: number): { width: number; height: number } {
    const ff = Math.max(this.factor, Math.round(this.options.flowFactor ?? TEMPORAL_PREDICTOR_DEFAULTS.flowFactor));
    return { width: Math.max(1, Math.round(outW / ff)), height: Math.max(1, Math.round(outH / ff)) };
  }

  /** The flow options a FlowPipeline must run with to give the fields this predictor would compute. */
  get flowOptions(): FlowOptions {
    return this.options.flow ?? {};
  }

  predict(f: TemporalFrame): Prediction {
    const K = this.predictor.clusters;
    const { width: sw, height: sh } = this.stateSize(f.outW, f.outH);
    const ax = sw / f.outW;
    const ay = sh / f.outH;
    const region = { x: f.region.x * ax, y: f.region.y * ay, width: f.region.width * ax, height: f.region.height * ay };
    const prof = this.options.profile;
    const scores = this.predictor.gridCosines(f.grid, f.h, f.w, f.dim, sw, sh, region, this.scores);
    this.scores = scores;
    prof?.mark('scores (half size)');
    const same = this.prevSequence === f.sequence && this.prevGrid !== null && this.prevGrid.length === f.grid.length;
    let corr: Correspondence | null = null;
    let meanSimilarity: number | null = null;
    if (this.mode === 'flow' && f.rgb && f.flow === undefined) {
      const fs = this.flowSize(f.outW, f.outH);
      this.flow.push(f.sequence, f.rgb, f.outW, f.outH, fs.width, fs.height);
    }
    if (same) {
      if (this.mode === 'features') {
        const m = matchPatches(this.prevGrid!, f.grid, f.h, f.w, f.dim);
        meanSimilarity = m.meanSimilarity;
        prof?.mark('patch match');
        if (f.correspondence === undefined) corr = correspondenceFromPatches(m, region, sw, sh, this.options.minSimilarity);
        prof?.mark('patch correspondence');
      } else {
        meanSimilarity = sameSpotSimilarity(this.prevGrid!, f.grid, f.h * f.w, f.dim);
        prof?.mark('cut signal (same spot)');
        // a flow from a pipeline was computed for every frame with a previous one of its sequence and size,
        // as field() here would be for every frame `same` holds for (one feature set has one grid size)
        const flow = f.correspondence !== undefined ? null : f.flow !== undefined ? f.flow : this.flow.field();
        if (flow) corr = flow.width === sw && flow.height === sh ? flow : correspondenceFromFlow(flow, sw, sh);
        prof?.mark('flow to state');
      }
      if (f.correspondence !== undefined) corr = f.correspondence;
    }
    this.lastCorrespondence = corr;
    this.filter.step(f.sequence, scores, sw, sh, corr, meanSimilarity);
    prof?.mark('filter');
    this.prevGrid = f.grid;
    this.prevSequence = f.sequence;
    const out = upsampleArgmax(scores, sw, sh, K, f.outW, f.outH);
    prof?.mark('upsample argmax');
    return out;
  }
}

/**
 * Decision scores [sh·sw·K] → labels and confidences at outW×outH: bilinear upsampling with half-pixel
 * centres, argmax, max softmax(3·score) — per pixel from the two row and two column taps, without an
 * upsampled score tensor (cause/upsample-argmax.ts).
 */
export function upsampleArgmax(scores: Float32Array, sw: number, sh: number, K: number, outW: number, outH: number): Prediction {
  const clusters = new Uint16Array(outW * outH);
  const confidence = new Uint8Array(outW * outH);
  upsampledArgmax(
    { embedding: null, h: sh, w: sw, r: 0, dots: scores, clusters: K, rows: bilinearTaps(outH, sh, 0, outH), cols: bilinearTaps(outW, sw, 0, outW), scale: PROB_SCALE },
    clusters,
    confidence,
  );
  return { width: outW, height: outH, clusters, confidence };
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
