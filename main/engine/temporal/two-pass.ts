// Temporal prediction 'both' ways (`--temporal-direction both`): a backward pass through a stretch of
// frames (t+1 carried into t, the default direction's filter), then a forward pass over the backward
// pass's filtered scores (t−1 carried into t). A smoother rather than a filter: each frame's labels draw
// on the frames after it and before it.
//
// The second pass costs no second flow: the first pass's Lucas–Kanade already runs both ways for its
// forward–backward check, and its ground plane inverts (FlowOptions.reverse), so each first-pass link
// carries the correspondence the second pass needs (FrameLink.reverse).
//
// Why: one pass halves static-pixel flicker but leaves the ground-truth inconsistency at ×0.55–0.65
// against per-frame prediction (issue 18 wants ×0.5); the second pass, over scores that already agree
// with the nearer views, brings it to ×0.39–0.44 on the tuning worlds and raises mIoU there
// (temporal-predictor.ts's flowSecondPass; main/engine/temporal/README.md).
//
// Frames are taken in stretches of at most TWO_PASS_STRETCH of one sequence, each its own carried state:
// the first pass's scores of a whole stretch are held until the second pass reads them (27 clusters at
// 256×128 are 3.5 MB a frame), so a long drive does not hold its every frame.
import type { Prediction, Predictor } from '../cause/predict.js';
import type { TemporalMode } from '../../../shared/contract/experiments.js';
import { TemporalFilter, type FilterOptions } from './filter.js';
import type { FrameLink } from './link.js';
import { secondPassStep } from './second-pass.js';
import { filterOptionsOf, TEMPORAL_PREDICTOR_DEFAULTS, TemporalPredictor, type TemporalFrame, type TemporalOptions } from './temporal-predictor.js';

/** The most frames of one sequence that share a carried state (and whose scores are held at once). */
export const TWO_PASS_STRETCH = 32;

/**
 * Frame indices in the order given (each sequence first to last, sequence-order.ts), cut into stretches:
 * runs of one sequence of at most `max` frames.
 */
export function twoPassStretches(frames: readonly { readonly sequenceId: string }[], order: readonly number[], max = TWO_PASS_STRETCH): number[][] {
  const out: number[][] = [];
  for (const i of order) {
    const last = out[out.length - 1];
    if (last && last.length < max && frames[last[last.length - 1]!]!.sequenceId === frames[i]!.sequenceId) last.push(i);
    else out.push([i]);
  }
  return out;
}

/** A stretch after its first pass: each frame's filtered scores, and its link to the frame before it. */
export interface FirstPass {
  readonly held: Float32Array[];
  /** forward[k]: frame k's link to frame k − 1, i.e. the reverse half of frame k − 1's first-pass link. */
  readonly forward: FrameLink[];
}

export class TwoPassPredictor {
  readonly first: TemporalPredictor;
  /** The second pass's filter settings (second-pass.ts runs it on a helper thread with them). */
  readonly secondOptions: Required<FilterOptions>;
  /** The second pass on this thread (stretch()). */
  private readonly second: TemporalFilter;
  /** Score buffers free for the first pass (kept from stretch to stretch: no 3.5 MB allocation per frame). */
  private readonly pool: Float32Array[] = [];

  constructor(predictor: Predictor, mode: Exclude<TemporalMode, 'none'>, options: TemporalOptions = {}) {
    const both = mode === 'flow' ? TEMPORAL_PREDICTOR_DEFAULTS.flowBothWays : {};
    this.first = new TemporalPredictor(predictor, mode, { ...both, ...options, direction: 'backward', reverse: true });
    const second = mode === 'flow' ? TEMPORAL_PREDICTOR_DEFAULTS.flowSecondPass : {};
    this.secondOptions = filterOptionsOf(mode, { ...both, ...second, ...options, direction: 'forward' });
    this.second = new TemporalFilter(predictor.clusters, this.secondOptions);
  }

  /**
   * The first pass over one stretch (frames of one sequence, first to last; `key` names the stretch, so
   * neither pass carries state into it from another), last frame first. `backwardLinks`: its links
   * computed elsewhere (link-pipeline.ts with `linkOptions`, the stretch submitted last frame first);
   * without it they are computed here. The second pass needs no links of its own: each first-pass link
   * carries the reverse correspondence (FrameLink.reverse), from the same flow. Hand the held buffers
   * back with `release` once the second pass is done with them.
   */
  async firstPass(key: string, frames: readonly Omit<TemporalFrame, 'link'>[], backwardLinks?: () => Promise<FrameLink>): Promise<FirstPass> {
    const held: Float32Array[] = [];
    const forward: FrameLink[] = frames.map(() => ({ correspondence: null, meanSimilarity: null }));
    for (let k = frames.length - 1; k >= 0; k--) {
      const f = { ...frames[k]!, sequence: key, ...(backwardLinks ? { link: await backwardLinks() } : {}) };
      const { width: sw, height: sh } = this.first.stateSize(f.outW, f.outH);
      const n = sw * sh * this.first.clusters;
      let buf = this.pool.pop();
      while (buf && buf.length !== n) buf = this.pool.pop();
      held[k] = this.first.decisionScores(f, buf ?? new Float32Array(n));
      const link = this.first.lastLink!;
      if (k + 1 < frames.length) forward[k + 1] = { correspondence: link.reverse ?? null, meanSimilarity: link.meanSimilarity };
    }
    return { held, forward };
  }

  /** A score buffer the second pass is done with, for the next first pass. */
  release(scores: Float32Array): void {
    if (this.pool.length < TWO_PASS_STRETCH * 2) this.pool.push(scores);
  }

  /**
   * Both passes over one stretch on this thread (firstPass, then the second pass), each frame's labels
   * handed to `emit` in order.
   */
  async stretch(
    key: string,
    frames: readonly Omit<TemporalFrame, 'link'>[],
    emit: (k: number, p: Prediction) => Promise<void> | void,
    backwardLinks?: () => Promise<FrameLink>,
  ): Promise<void> {
    const { held, forward } = await this.firstPass(key, frames, backwardLinks);
    for (let k = 0; k < frames.length; k++) {
      const f = frames[k]!;
      const { width, height } = this.first.stateSize(f.outW, f.outH);
      const link = forward[k]!;
      const p = secondPassStep(this.second, { sequence: key, width, height, outW: f.outW, outH: f.outH, scores: held[k]! }, link.correspondence, link.meanSimilarity);
      this.release(held[k]!);
      await emit(k, p);
    }
  }

  /** The link options the first pass's Linker is built with (link-pipeline.ts). */
  get linkOptions(): TemporalPredictor['linkOptions'] {
    return this.first.linkOptions;
  }

  /** The first pass's state size for an output size. */
  stateSize(outW: number, outH: number): { width: number; height: number } {
    return this.first.stateSize(outW, outH);
  }

  get clusters(): number {
    return this.first.clusters;
  }

  get resets(): number {
    return this.first.resets;
  }

  get cuts(): number {
    return this.first.cuts;
  }
}
