// `predict --temporal <mode>`: frame-by-frame prediction in temporal order. Each frame's cluster scores are
// computed at a reduced "state" resolution, filtered with the previous frame's state carried along
// correspondences (filter.ts: a recursive average plus label hysteresis), then upsampled to the output
// size for the argmax. The correspondences come from link.ts: 'features' matches the cached backbone
// patch features (no image is decoded); 'flow' runs Lucas–Kanade on the frames' luma and still uses the
// features' same-spot similarity to detect cuts. A predict job computes them one frame ahead on a helper
// thread (link-pipeline.ts) and hands them in as `TemporalFrame.link`.
import type { TemporalDirection, TemporalMode } from '../../../shared/contract/experiments.js';
import type { Prediction, Predictor } from '../cause/predict.js';
import type { Correspondence } from './carry.js';
import { FILTER_DEFAULTS, TemporalFilter, type FilterOptions } from './filter.js';
import { LINK_DEFAULTS, Linker, type FrameLink, type LinkFrame, type LinkOptions } from './link.js';
import type { PhaseProfile } from './phase-profile.js';
import { upsampleArgmax } from './upsample-labels.js';

export { sameSpotSimilarity } from './link.js';
export { upsampleArgmax } from './upsample-labels.js';

export const TEMPORAL_PREDICTOR_DEFAULTS = {
  ...LINK_DEFAULTS,
  /**
   * 'flow' mode's filter: a larger hysteresis margin than filter.ts's default (which 'features' keeps),
   * and still pixels hold their same-place label by `stillMargin` instead of taking a zero flow
   * (scripts/temporal-tune.ts on the tuning world, tuning.ts).
   */
  flowMargin: 0.5,
  flowStillMargin: 0.5,
  /**
   * 'flow' run backward (sequence-order.ts) carries more and holds labels harder. All 90 frames of the
   * tuning world, against per-frame (scripts/temporal-tune.ts): session 9, carry 0.9 / margin 0.8 gave
   * +0.34 mIoU, ground-truth inconsistency ×0.68, flickerStatic ×0.50. Session 10, with the ground
   * prior's high-passed, multi-start plane fit (ground-prior.ts): margin 0.8 / stillMargin 0.5 gave
   * +0.79, ×0.506, ×0.534; margin 1.0 / stillMargin 0.65 +0.73, ×0.507, ×0.504 (taken: the larger of the
   * two ratios is the smallest of the grid); 1.2 / 0.65 +0.68, ×0.493, ×0.528; 0.8 / 0.65 +0.69, ×0.531,
   * ×0.480. With the starts compared at pyramid level 1 (the final settings): world 5 +0.68, ×0.513,
   * ×0.508; seed 71 trained on world 7201, scored on 7202: +1.49, ×0.558, ×0.560. 'features' keeps
   * filter.ts's defaults either way.
   */
  flowBackward: { carry: 0.9, margin: 1.0, stillMargin: 0.65 },
  /**
   * 'flow' run 'both' ways (two-pass.ts): the forward pass over the backward pass's filtered scores. Tuning
   * worlds (scripts/temporal-tune.ts, session 10), final settings: world 5 (demo train split, seed 4) +1.00
   * mIoU, ground-truth inconsistency ×0.400, flickerStatic ×0.424; seed 71 trained on 7201, scored on
   * 7202: +1.94, ×0.448, ×0.460. Chosen with the second pass computing its own flow: carry 0.9 / margin 0.8
   * gave ×0.393 / ×0.418 and ×0.436 / ×0.452; carry 0.7 / margin 0.5 ×0.426 / ×0.408 and ×0.465 / ×0.446.
   */
  flowSecondPass: { carry: 0.9, margin: 0.8 },
  /**
   * 'flow' both ways, both passes: still pixels hold their same-place label harder (stillMargin 0.8; alone,
   * the first pass keeps flowBackward's 0.65 and the second filter.ts's 0.5). Session 11, with the line
   * search (epipolar.ts), chosen on the tuning worlds by the rule of session 10 (the larger of the
   * ground-truth inconsistency and flickerStatic ratios the smallest), scripts/temporal-tune.ts variants
   * `flow:direction=both,stillMargin=S`; world 5 / 7201 → 7202, (GT ×, flicker ×, ΔmIoU):
   * S unset ×0.346, ×0.420, +1.25 / ×0.382, ×0.452, +2.56; 0.75 ×0.359, ×0.385, +1.16 / ×0.393, ×0.409,
   * +1.96; **0.8** ×0.372, ×0.378, +1.09 / ×0.397, ×0.400, +1.91; 0.9 ×0.382, ×0.360, +1.13 / ×0.407,
   * ×0.384, +1.45; 1.0 ×0.399, ×0.345, +0.98 / ×0.420, ×0.371, +1.54; 1.2 ×0.449, ×0.342 / ×0.454, ×0.359;
   * 0.9 with margin 1.2 ×0.354, ×0.379 / ×0.382, ×0.401. Why it was looked at: held out, flickerStatic
   * was ×0.505 and ×0.511 on worlds 16 and 18 before (README.md, session 11).
   */
  flowBothWays: { stillMargin: 0.8 },
} as const;

/** A frame as the linker sees it (link.ts), plus the link when another thread computed it. */
export interface TemporalFrame extends LinkFrame {
  /**
   * This frame's link to the previous one, computed elsewhere by a Linker with this predictor's
   * `linkOptions` that saw the same frames in the same order (link-pipeline.ts); without it the link is
   * computed here.
   */
  readonly link?: FrameLink;
}

export interface TemporalOptions extends FilterOptions, LinkOptions {
  /**
   * Which way the caller feeds each sequence (sequence-order.ts); it only picks the filter's defaults —
   * the frames' order is the caller's. Default 'forward'.
   */
  readonly direction?: TemporalDirection;
  /** Diagnostics (scripts/temporal-profile.ts): CPU time per phase. */
  readonly profile?: PhaseProfile;
}

/** The filter settings a TemporalPredictor of this mode and these options runs (its mode's defaults under them). */
export function filterOptionsOf(mode: Exclude<TemporalMode, 'none'>, options: TemporalOptions): Required<FilterOptions> {
  const d = TEMPORAL_PREDICTOR_DEFAULTS;
  // 'both' is two filters (two-pass.ts): the backward pass's settings here, the second pass's passed in
  const flowDefaults = { margin: d.flowMargin, stillMargin: d.flowStillMargin, ...(options.direction === 'backward' || options.direction === 'both' ? d.flowBackward : {}) };
  const o: FilterOptions = mode === 'flow' ? { ...flowDefaults, ...options } : options;
  const f = FILTER_DEFAULTS;
  return { carry: o.carry ?? f.carry, margin: o.margin ?? f.margin, cutDrop: o.cutDrop ?? f.cutDrop, stillMargin: o.stillMargin ?? f.stillMargin };
}

export class TemporalPredictor {
  private readonly filter: TemporalFilter;
  private readonly linker: Linker;
  /** The frame's scores, reused: filtered in place and upsampled before the next frame overwrites them. */
  private scores: Float32Array | undefined;

  constructor(
    private readonly predictor: Predictor,
    readonly mode: Exclude<TemporalMode, 'none'>,
    private readonly options: TemporalOptions = {},
  ) {
    this.filter = new TemporalFilter(predictor.clusters, filterOptionsOf(mode, options));
    this.linker = new Linker(mode, options, options.profile);
  }

  /** The last frame's correspondence at the state resolution (diagnostics: scripts/temporal-tune.ts). */
  lastCorrespondence: Correspondence | null = null;
  /** The last frame's whole link (two-pass.ts takes its `reverse` for the second pass). */
  lastLink: FrameLink | null = null;

  get resets(): number {
    return this.filter.resets;
  }

  get clusters(): number {
    return this.predictor.clusters;
  }

  get cuts(): number {
    return this.filter.cuts;
  }

  /** The state resolution for an output size. */
  stateSize(outW: number, outH: number): { width: number; height: number } {
    return this.linker.stateSize(outW, outH);
  }

  /** What a Linker elsewhere (link-pipeline.ts) must be built with to give the links this predictor would. */
  get linkOptions(): LinkOptions {
    const o = this.options;
    return {
      ...(o.minSimilarity !== undefined ? { minSimilarity: o.minSimilarity } : {}),
      ...(o.stateFactor !== undefined ? { stateFactor: o.stateFactor } : {}),
      ...(o.flowFactor !== undefined ? { flowFactor: o.flowFactor } : {}),
      ...(o.flow !== undefined ? { flow: o.flow } : {}),
      ...(o.reverse ? { reverse: true } : {}),
    };
  }

  predict(f: TemporalFrame): Prediction {
    const { width: sw, height: sh } = this.stateSize(f.outW, f.outH);
    const scores = this.decisionScores(f);
    const out = upsampleArgmax(scores, sw, sh, this.predictor.clusters, f.outW, f.outH);
    this.options.profile?.mark('upsample argmax');
    return out;
  }

  /**
   * The frame's filtered decision scores [state height·width·K] without the labels (two-pass.ts's first
   * pass), in `into` when it is given and of the size, else in this predictor's buffer (overwritten by the
   * next frame).
   */
  decisionScores(f: TemporalFrame, into?: Float32Array): Float32Array {
    const { width: sw, height: sh } = this.stateSize(f.outW, f.outH);
    const scores = this.predictor.gridCosines(f.grid, f.h, f.w, f.dim, sw, sh, this.linker.stateRegion(f), into ?? this.scores);
    if (!into) this.scores = scores;
    this.options.profile?.mark('scores (half size)');
    this.filterScores(f, scores);
    return scores;
  }

  /** Filters given scores [state height·width·K] (in place) as this frame's and returns the labels (two-pass.ts's second pass). */
  predictFrom(f: TemporalFrame, scores: Float32Array): Prediction {
    const { width: sw, height: sh } = this.stateSize(f.outW, f.outH);
    this.filterScores(f, scores);
    const out = upsampleArgmax(scores, sw, sh, this.predictor.clusters, f.outW, f.outH);
    this.options.profile?.mark('upsample argmax');
    return out;
  }

  private filterScores(f: TemporalFrame, scores: Float32Array): void {
    const { width: sw, height: sh } = this.stateSize(f.outW, f.outH);
    const link = f.link ?? this.linker.link(f);
    this.lastLink = link;
    this.lastCorrespondence = link.correspondence;
    this.filter.step(f.sequence, scores, sw, sh, link.correspondence, link.meanSimilarity);
    this.options.profile?.mark('filter');
  }
}
