// What ties frame t to frame t−1 for the temporal filter: the correspondence at the state resolution and
// the mean similarity that detects scene cuts — from patch matches ('features') or from the flow of the
// frames' luma ('flow'). Everything of a temporal prediction but the frame's own scores, the filter and the
// upsampled argmax, so it can run one frame ahead on a helper thread (link-pipeline.ts) with the same
// result as on the predicting thread (TemporalPredictor).
import type { TemporalMode } from '../../../shared/contract/experiments.js';
import type { PixelRect } from '../cause/predict.js';
import { correspondenceFromFlow, correspondenceFromPatches, type Correspondence } from './carry.js';
import { matchPatches, normalizeRows } from './feature-match.js';
import { FlowTracker, type FlowOptions } from './optical-flow.js';
import type { PhaseProfile } from './phase-profile.js';

export const LINK_DEFAULTS = {
  /** The filter's state (and the flow) runs at 1/stateFactor of the output size. */
  stateFactor: 2,
  /** The flow's resolution, 1/flowFactor of the output (the state's, 1/stateFactor, unless tuned otherwise). */
  flowFactor: 2,
} as const;

export interface LinkOptions {
  readonly minSimilarity?: number;
  readonly stateFactor?: number;
  /** 'flow': the flow runs at 1/flowFactor of the output size (≥ stateFactor; carried to the state by carry.ts). */
  readonly flowFactor?: number;
  readonly flow?: FlowOptions;
  /** Also the previous frame's link to this one (FrameLink.reverse): the second pass of two-pass.ts. */
  readonly reverse?: boolean;
}

/** One frame as the linker needs it. */
export interface LinkFrame {
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
  /** Evaluation only (scripts/temporal-tune.ts's oracle): this correspondence instead of a computed one. */
  readonly correspondence?: Correspondence | null;
}

/** Frame t's link to frame t−1 (null correspondence: none, as at a sequence start). */
export interface FrameLink {
  readonly correspondence: Correspondence | null;
  readonly meanSimilarity: number | null;
  /**
   * With LinkOptions.reverse: the previous frame's correspondence to this one, from the same flow (its
   * reverse half, FlowOptions.reverse) or the patch matches the other way; its cut signal is the same.
   */
  readonly reverse?: Correspondence | null;
}

export class Linker {
  private readonly flow: FlowTracker;
  private readonly factor: number;
  private prevGrid: Float32Array | null = null;
  private prevSequence: string | null = null;
  /** 'flow': the previous grid's rows normalised (the cut signal normalised every grid twice). */
  private prevUnit: Float32Array | null = null;

  constructor(
    readonly mode: Exclude<TemporalMode, 'none'>,
    private readonly options: LinkOptions = {},
    private readonly profile?: PhaseProfile,
  ) {
    this.flow = new FlowTracker(options.reverse ? { ...options.flow, reverse: true } : options.flow, profile);
    this.factor = Math.max(1, Math.round(options.stateFactor ?? LINK_DEFAULTS.stateFactor));
  }

  /** The state resolution for an output size. */
  stateSize(outW: number, outH: number): { width: number; height: number } {
    return { width: Math.max(1, Math.round(outW / this.factor)), height: Math.max(1, Math.round(outH / this.factor)) };
  }

  /** The flow's resolution for an output size ('flow' mode). */
  flowSize(outW: number, outH: number): { width: number; height: number } {
    const ff = Math.max(this.factor, Math.round(this.options.flowFactor ?? LINK_DEFAULTS.flowFactor));
    return { width: Math.max(1, Math.round(outW / ff)), height: Math.max(1, Math.round(outH / ff)) };
  }

  /** The state-resolution region of the frame's patch grid. */
  stateRegion(f: Pick<LinkFrame, 'outW' | 'outH' | 'region'>): PixelRect {
    const { width: sw, height: sh } = this.stateSize(f.outW, f.outH);
    const ax = sw / f.outW;
    const ay = sh / f.outH;
    return { x: f.region.x * ax, y: f.region.y * ay, width: f.region.width * ax, height: f.region.height * ay };
  }

  /** Frame t's link to the previous frame linked (call once per frame, in order). */
  link(f: LinkFrame): FrameLink {
    const prof = this.profile;
    const { width: sw, height: sh } = this.stateSize(f.outW, f.outH);
    const same = this.prevSequence === f.sequence && this.prevGrid !== null && this.prevGrid.length === f.grid.length;
    let corr: Correspondence | null = null;
    let reverse: Correspondence | null = null;
    let meanSimilarity: number | null = null;
    if (this.mode === 'flow' && f.rgb) {
      const fs = this.flowSize(f.outW, f.outH);
      this.flow.push(f.sequence, f.rgb, f.outW, f.outH, fs.width, fs.height);
    }
    if (same) {
      if (this.mode === 'features') {
        const m = matchPatches(this.prevGrid!, f.grid, f.h, f.w, f.dim);
        meanSimilarity = m.meanSimilarity;
        prof?.mark('patch match');
        if (f.correspondence === undefined) corr = correspondenceFromPatches(m, this.stateRegion(f), sw, sh, this.options.minSimilarity);
        if (this.options.reverse) reverse = correspondenceFromPatches(matchPatches(f.grid, this.prevGrid!, f.h, f.w, f.dim), this.stateRegion(f), sw, sh, this.options.minSimilarity);
        prof?.mark('patch correspondence');
      } else {
        const unit = normalizeRows(f.grid, f.h * f.w, f.dim);
        meanSimilarity = unitDot(this.prevUnit ?? normalizeRows(this.prevGrid!, f.h * f.w, f.dim), unit, f.h * f.w, f.dim);
        this.prevUnit = unit;
        prof?.mark('cut signal (same spot)');
        const flow = f.correspondence === undefined ? this.flow.field() : null;
        if (flow) corr = flow.width === sw && flow.height === sh ? flow : correspondenceFromFlow(flow, sw, sh);
        const back = flow ? this.flow.reverseField() : null;
        if (back) reverse = back.width === sw && back.height === sh ? back : correspondenceFromFlow(back, sw, sh);
        prof?.mark('flow to state');
      }
      if (f.correspondence !== undefined) corr = f.correspondence;
    }
    if (!same || this.mode !== 'flow') this.prevUnit = null;
    this.prevGrid = f.grid;
    this.prevSequence = f.sequence;
    return { correspondence: corr, meanSimilarity, ...(this.options.reverse ? { reverse } : {}) };
  }
}

/**
 * Mean cosine of each patch with the patch at the same place in the previous frame: a cheap scene-cut
 * signal for the flow mode (consecutive frames of one shot stay far more alike than two shots).
 */
export function sameSpotSimilarity(prev: Float32Array, cur: Float32Array, n: number, dim: number): number {
  return unitDot(normalizeRows(prev, n, dim), normalizeRows(cur, n, dim), n, dim);
}

/** sameSpotSimilarity of rows normalised already. */
function unitDot(a: Float32Array, b: Float32Array, n: number, dim: number): number {
  let s = 0;
  for (let i = 0; i < n * dim; i++) s += a[i]! * b[i]!;
  return n > 0 ? s / n : 0;
}
