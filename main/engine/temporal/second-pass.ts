// The second pass of temporal prediction both ways (two-pass.ts) on a helper thread of its own: the forward
// filter over the first pass's scores and the upsampled argmax of the labels, frame after frame, while
// the predicting thread runs the next stretch's first pass (scores and backward filter) and the link
// helper (link-pipeline.ts) the stretch after's flow.
// Why: on two cores the predicting thread was the bottleneck of 'both' — ~104 ms a frame of which the
// second pass's filter and argmax were ~55 — while the link helper stood idle ~40 % of the time, so the
// mode ran at ×0.77 of per-frame speed (issue 18 wants ×0.8; README.md, session 12).
//
// The helper runs the same TemporalFilter and upsampleArgmax on the same scores in the same order as this
// thread would (`threads` 1), so the labels are the same bits (test/unit/temporal/second-pass.test.ts).
// The scores' buffer is moved to the helper and back (no 3.5 MB copy either way).
import type { Prediction } from '../cause/predict.js';
import type { Correspondence } from './carry.js';
import { TemporalFilter, type FilterOptions } from './filter.js';
import { HelperSlot, type Helper, type HelperReply } from './helper-thread.js';
import type { FrameLink } from './link.js';
import { upsampleArgmax } from './upsample-labels.js';

/** One frame of the second pass: its first-pass scores at the state size and its link to the frame before. */
export interface SecondPassFrame {
  /** The carried state's key: a stretch (two-pass.ts); a new key starts a new state. */
  readonly sequence: string;
  readonly width: number;
  readonly height: number;
  readonly outW: number;
  readonly outH: number;
  /** [height·width·K], filtered in place; handed back with the labels (moved away meanwhile). */
  readonly scores: Float32Array;
  readonly link: FrameLink;
}

export interface SecondPassResult {
  /** null when the labels were not asked of the helper: the caller upsamples `scores` (upsampleArgmax). */
  readonly prediction: Prediction | null;
  /** The frame's scores buffer, for reuse. */
  readonly scores: Float32Array;
}

export type SecondPassRequest =
  | {
      readonly type: 'frame';
      readonly pipeline: number;
      readonly seq: number;
      readonly clusters: number;
      readonly options: FilterOptions;
      readonly labels: boolean;
      readonly frame: Omit<SecondPassFrame, 'link'> & { readonly correspondence: Correspondence | null; readonly meanSimilarity: number | null };
    }
  | { readonly type: 'close'; readonly pipeline: number };

export interface SecondPassReply extends HelperReply {
  readonly result?: SecondPassResult;
}

/** One frame through the second pass's filter: the filtered scores' labels at the output size (none when `labels` is false). */
export function secondPassStep(filter: TemporalFilter, f: Omit<SecondPassFrame, 'link'>, correspondence: Correspondence | null, meanSimilarity: number | null): Prediction;
export function secondPassStep(filter: TemporalFilter, f: Omit<SecondPassFrame, 'link'>, correspondence: Correspondence | null, meanSimilarity: number | null, labels: boolean): Prediction | null;
export function secondPassStep(filter: TemporalFilter, f: Omit<SecondPassFrame, 'link'>, correspondence: Correspondence | null, meanSimilarity: number | null, labels = true): Prediction | null {
  filter.step(f.sequence, f.scores, f.width, f.height, correspondence, meanSimilarity);
  return labels ? upsampleArgmax(f.scores, f.width, f.height, filter.K, f.outW, f.outH) : null;
}

const slot = new HelperSlot<SecondPassReply>(new URL('./second-pass-worker.js', import.meta.url), 'temporal second-pass helper');
let pipelines = 0;

/** Starts the second-pass helper now (on ≥ 2 threads): see link-pipeline.ts's prestartLinkHelper. */
export function prestartSecondPassHelper(threads: number): void {
  if (threads >= 2) slot.get().catch(() => undefined);
}

export class SecondPass {
  private readonly id = ++pipelines;
  private seq = 0;
  private readonly local: TemporalFilter | null;

  private constructor(
    readonly clusters: number,
    private readonly options: FilterOptions,
    private readonly helper: Helper<SecondPassReply> | null,
  ) {
    this.local = helper ? null : new TemporalFilter(clusters, options);
  }

  /** A second pass on its own thread (`threads` ≥ 2) or on this one (1, or a helper that fails to start). */
  static async open(clusters: number, options: FilterOptions, threads: number): Promise<SecondPass> {
    return new SecondPass(clusters, options, await slot.forThreads(threads));
  }

  get threaded(): boolean {
    return this.helper !== null;
  }

  /**
   * The frame's labels; frames are filtered in the order given. `f.scores` must own its whole buffer (it
   * is moved to the helper): the caller gets it back in the result, filtered. `labels` false: the helper
   * only filters, and the caller upsamples the scores itself (at the end of a run, when the predicting
   * thread has nothing else to do, the frames' upsampling is shared between the two threads).
   */
  frame(f: SecondPassFrame, labels = true): Promise<SecondPassResult> {
    const { link, ...rest } = f;
    if (!this.helper) {
      try {
        return Promise.resolve({ prediction: secondPassStep(this.local!, rest, link.correspondence, link.meanSimilarity), scores: f.scores });
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
    if (f.scores.byteOffset !== 0 || f.scores.byteLength !== f.scores.buffer.byteLength) throw new Error('SecondPass.frame: scores must own their buffer');
    const request: SecondPassRequest = {
      type: 'frame',
      pipeline: this.id,
      seq: this.seq++,
      clusters: this.clusters,
      options: this.options,
      labels,
      frame: { ...rest, correspondence: link.correspondence, meanSimilarity: link.meanSimilarity },
    };
    return this.helper.request(request, [f.scores.buffer as ArrayBuffer]).then((r) => {
      if (!r.result) throw new Error('temporal second-pass helper: no labels');
      return r.result;
    });
  }

  /** Frees the helper's filter (the helper itself stays for the next pipeline). */
  close(): void {
    this.helper?.post({ type: 'close', pipeline: this.id } satisfies SecondPassRequest);
  }
}
