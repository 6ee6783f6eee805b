// Temporal prediction on two threads: frame t+1's link to frame t (link.ts: for 'flow' the luma, pyramids,
// Lucas–Kanade both ways, the ground prior and the still pixels; for 'features' the patch matches) runs on
// a helper thread while this thread computes, filters, upsamples and encodes frame t's scores.
// Why: the flow is about as much CPU as the whole per-frame prediction (scripts/temporal-profile.ts), so on
// one thread 'flow' cannot reach issue 18's 0.8× of per-frame speed; the machines it runs on have 2 cores.
//
// The helper runs the same Linker as the one-thread path on the same frames in the same order, so the
// links are the same bits (test/unit/temporal/link-pipeline.test.ts). It is started on first use and kept
// (unreferenced while idle: it never holds the process open); one Linker per pipeline. When threads are
// not available or the helper fails to start, the links are computed on this thread, in `next()`.
import os from 'node:os';
import type { TemporalMode } from '../../../shared/contract/experiments.js';
import { HelperSlot, stopTemporalHelpers, type Helper, type HelperReply } from './helper-thread.js';
import { Linker, type FrameLink, type LinkFrame, type LinkOptions } from './link.js';

export type LinkRequest =
  | {
      readonly type: 'frame';
      readonly pipeline: number;
      readonly seq: number;
      readonly mode: Exclude<TemporalMode, 'none'>;
      readonly options: LinkOptions;
      readonly frame: LinkFrame;
    }
  | { readonly type: 'close'; readonly pipeline: number }
  /** Runs the flow over synthetic frames once (warm-up.ts). */
  | { readonly type: 'warm-up' };

export interface LinkReply extends HelperReply {
  readonly link?: FrameLink;
}

/** One frame for the pipeline: a LinkFrame whose image ('flow') may still be decoding. */
export interface LinkPipelineFrame extends Omit<LinkFrame, 'rgb' | 'correspondence'> {
  readonly rgb?: ArrayLike<number> | Promise<ArrayLike<number>>;
}

/**
 * How many frames ahead of the one being predicted a caller keeps submitted. Two, not one: a request is
 * posted to the helper only when this thread's event loop runs (after the frame's decode), i.e. after the
 * current frame's synchronous prediction; one ahead left the helper idle during it and the predicting
 * thread waited ~7 ms per frame for the flow, two ahead ~0.5 ms (tuning world, 30 frames).
 */
export const LINK_LOOKAHEAD = 2;

/** Threads temporal prediction uses by default: 2 where the machine has them (CAUSE_TEMPORAL_THREADS=1 keeps it on this thread). */
export function temporalThreads(): number {
  const env = Number(process.env.CAUSE_TEMPORAL_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 2);
  return Math.min(2, os.availableParallelism());
}

const links = new HelperSlot<LinkReply>(new URL('./link-worker.js', import.meta.url), 'temporal helper');

let pipelines = 0;

/**
 * Starts the link helper now (on ≥ 2 threads), so its start and, for 'flow', its warm-up (warm-up.ts)
 * overlap what the caller does before its first frame (a predict job: TensorFlow's start, the model's load).
 */
export function prestartLinkHelper(mode: Exclude<TemporalMode, 'none'>, threads = temporalThreads()): void {
  if (threads < 2) return;
  links.get().then(
    (h) => {
      if (mode === 'flow') h.post({ type: 'warm-up' } satisfies LinkRequest);
    },
    () => undefined,
  );
}

/** Stops the helper threads (this file's and second-pass.ts's); the next threaded pipeline starts new ones. */
export const stopTemporalHelper = stopTemporalHelpers;

/** A copy of `a` that owns its whole buffer: posting a view would copy (or detach) all of its buffer. */
function own<T extends Float32Array | Uint8Array>(a: T): T {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T);
}

/**
 * The links of a sequence of frames, in order: `submit` frames ahead (the helper starts on them at once),
 * `next()` is the oldest submitted frame's link to the frame submitted before it.
 */
export class LinkPipeline {
  private readonly id = ++pipelines;
  private seq = 0;
  private readonly pending: Promise<FrameLink>[] = [];
  /** Requests are posted in submission order, each after its decode. */
  private posted: Promise<unknown> = Promise.resolve();
  /** This thread's links, chained so they are computed in submission order. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly local: Linker | null;

  private constructor(
    readonly mode: Exclude<TemporalMode, 'none'>,
    private readonly options: LinkOptions,
    private readonly helper: Helper<LinkReply> | null,
  ) {
    this.local = helper ? null : new Linker(mode, options);
  }

  /** A pipeline on `threads` threads (1: this thread only; a helper that fails to start means 1 too). */
  static async open(mode: Exclude<TemporalMode, 'none'>, options: LinkOptions = {}, threads = temporalThreads()): Promise<LinkPipeline> {
    return new LinkPipeline(mode, options, await links.forThreads(threads));
  }

  /** Whether the links are computed on the helper thread. */
  get threaded(): boolean {
    return this.helper !== null;
  }

  submit(f: LinkPipelineFrame): void {
    // a decode that fails before its turn is reported by next(), not as an unhandled rejection now
    const image = f.rgb === undefined ? undefined : Promise.resolve(f.rgb);
    image?.catch(() => undefined);
    const base = { sequence: f.sequence, h: f.h, w: f.w, dim: f.dim, outW: f.outW, outH: f.outH, region: f.region };
    const h = this.helper;
    if (!h) {
      const result = this.chain.then(async () => {
        const rgb = image ? await image : undefined;
        return this.local!.link({ ...base, grid: f.grid, ...(rgb ? { rgb } : {}) });
      });
      this.chain = result.catch(() => undefined);
      this.pending.push(result);
      return;
    }
    const seq = this.seq++;
    const grid = own(f.grid);
    const result = new Promise<FrameLink>((resolve, reject) => {
      this.posted = this.posted.then(async () => {
        let rgb: ArrayLike<number> | undefined;
        try {
          rgb = image ? await image : undefined;
        } catch (e) {
          reject(e as Error);
          return;
        }
        const frame: LinkFrame = { ...base, grid, ...(rgb ? { rgb: rgb instanceof Uint8Array ? own(rgb) : rgb } : {}) };
        h.request({ type: 'frame', pipeline: this.id, seq, mode: this.mode, options: this.options, frame } satisfies LinkRequest).then(
          (r) => (r.link ? resolve(r.link) : reject(new Error('temporal helper: no link'))),
          reject,
        );
      });
    });
    result.catch(() => undefined);
    this.pending.push(result);
  }

  /** The oldest submitted frame's link. */
  next(): Promise<FrameLink> {
    const p = this.pending.shift();
    if (!p) return Promise.reject(new Error('LinkPipeline.next() without a submitted frame'));
    return p;
  }

  /** Frees the helper's Linker (the helper itself stays for the next pipeline). */
  close(): void {
    this.pending.length = 0;
    if (this.helper) this.posted = this.posted.then(() => this.helper!.post({ type: 'close', pipeline: this.id } satisfies LinkRequest));
  }
}
