// `predict --temporal <mode>`: frame-by-frame prediction in temporal order. Each frame's cluster scores are
// computed at a reduced "state" resolution, filtered with the previous frame's state carried along
// correspondences (filter.ts: a recursive average plus label hysteresis), then upsampled to the output
// size for the argmax. 'features' matches the cached backbone patch features (no image is decoded); 'flow'
// runs Lucas–Kanade on the frames' luma and still uses the features' same-spot similarity to detect cuts.
import * as tf from '@tensorflow/tfjs';
import type { TemporalMode } from '../../../shared/contract/experiments.js';
import type { PixelRect, Prediction, Predictor } from '../cause/predict.js';
import { correspondenceFromFlow, correspondenceFromPatches, type Correspondence } from './carry.js';
import { matchPatches, normalizeRows } from './feature-match.js';
import { TemporalFilter, type FilterOptions } from './filter.js';
import { FlowTracker, type FlowOptions } from './optical-flow.js';

/** The softmax scale of the confidences (the same 3·cos the per-frame confidence maps use). */
const PROB_SCALE = 3;
/** Elements per upsampled band (rows × width × clusters) kept in memory at once. */
const BAND_ELEMENTS = 6_000_000;

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
}

export interface TemporalOptions extends FilterOptions {
  readonly minSimilarity?: number;
  readonly stateFactor?: number;
  readonly flow?: FlowOptions;
}

export class TemporalPredictor {
  private readonly filter: TemporalFilter;
  private readonly flow: FlowTracker;
  private readonly factor: number;
  private prevGrid: Float32Array | null = null;
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
    this.flow = new FlowTracker(options.flow);
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

  predict(f: TemporalFrame): Prediction {
    const K = this.predictor.clusters;
    const { width: sw, height: sh } = this.stateSize(f.outW, f.outH);
    const ax = sw / f.outW;
    const ay = sh / f.outH;
    const region = { x: f.region.x * ax, y: f.region.y * ay, width: f.region.width * ax, height: f.region.height * ay };
    const scores = this.predictor.cosines(f.grid, f.h, f.w, f.dim, sw, sh, region);
    const same = this.prevSequence === f.sequence && this.prevGrid !== null && this.prevGrid.length === f.grid.length;
    let corr: Correspondence | null = null;
    let meanSimilarity: number | null = null;
    if (this.mode === 'flow' && f.rgb) this.flow.push(f.sequence, f.rgb, f.outW, f.outH, sw, sh);
    if (same) {
      if (this.mode === 'features') {
        const m = matchPatches(this.prevGrid!, f.grid, f.h, f.w, f.dim);
        meanSimilarity = m.meanSimilarity;
        if (f.correspondence === undefined) corr = correspondenceFromPatches(m, region, sw, sh, this.options.minSimilarity);
      } else {
        meanSimilarity = sameSpotSimilarity(this.prevGrid!, f.grid, f.h * f.w, f.dim);
        const flow = f.correspondence === undefined ? this.flow.field() : null;
        if (flow) corr = flow.width === sw && flow.height === sh ? flow : correspondenceFromFlow(flow, sw, sh);
      }
      if (f.correspondence !== undefined) corr = f.correspondence;
    }
    this.lastCorrespondence = corr;
    this.filter.step(f.sequence, scores, sw, sh, corr, meanSimilarity);
    this.prevGrid = f.grid;
    this.prevSequence = f.sequence;
    return upsampleArgmax(scores, sw, sh, K, f.outW, f.outH);
  }
}

/**
 * Decision scores [sh·sw·K] → labels and confidences at outW×outH: bilinear upsampling with half-pixel
 * centres (rows here, columns by tf's resize), argmax, max softmax(3·score) — band by band.
 */
export function upsampleArgmax(scores: Float32Array, sw: number, sh: number, K: number, outW: number, outH: number): Prediction {
  const clusters = new Uint16Array(outW * outH);
  const confidence = new Uint8Array(outW * outH);
  const band = Math.max(1, Math.min(outH, Math.floor(BAND_ELEMENTS / (outW * K))));
  const row = sw * K;
  const sy = sh / outH;
  for (let y0 = 0; y0 < outH; y0 += band) {
    const bh = Math.min(band, outH - y0);
    const rows = new Float32Array(bh * row);
    for (let i = 0; i < bh; i++) {
      const src = Math.max(0, Math.min(sh - 1, (y0 + i + 0.5) * sy - 0.5));
      const ya = Math.floor(src);
      const yb = Math.min(sh - 1, ya + 1);
      const t = src - ya;
      const a = ya * row;
      const b = yb * row;
      const o = i * row;
      for (let j = 0; j < row; j++) rows[o + j] = scores[a + j]! + (scores[b + j]! - scores[a + j]!) * t;
    }
    const [ids, conf] = tf.tidy(() => {
      const up = tf.image.resizeBilinear(tf.tensor4d(rows, [1, bh, sw, K]), [bh, outW], false, true).reshape([bh * outW, K]);
      return [tf.argMax(up, 1).dataSync() as Int32Array, tf.max(tf.softmax(tf.mul(up, PROB_SCALE)), 1).dataSync() as Float32Array];
    });
    clusters.set(ids, y0 * outW);
    for (let i = 0; i < conf.length; i++) confidence[y0 * outW + i] = Math.round(conf[i]! * 255);
  }
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
