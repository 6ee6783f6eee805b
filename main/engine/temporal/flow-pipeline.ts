// 'flow' mode on two threads: the flow of frame t+1 (luma, pyramids, Lucas–Kanade both ways, the ground
// prior, still pixels) runs on a helper thread while this thread predicts, filters and encodes frame t.
// Why: the flow is about as much CPU as the whole per-frame prediction (scripts/temporal-profile.ts), so on
// one thread 'flow' cannot reach issue 18's 0.8× of per-frame speed; the machines it runs on have 2 cores.
//
// The helper runs the same FlowTracker as the one-thread path on the same frames in the same order, so the
// fields are the same bits (test/unit/temporal/flow-pipeline.test.ts). It is started on first use and kept
// (unreferenced while idle: it never holds the process open); one tracker per pipeline. When threads are
// not available or the helper fails to start, the flow runs on this thread, lazily in `next()`.
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../jobs/spawn-worker.js';
import { FlowTracker, type FlowField, type FlowOptions } from './optical-flow.js';

export type FlowRequest =
  | {
      readonly type: 'frame';
      readonly pipeline: number;
      readonly seq: number;
      readonly options: FlowOptions;
      readonly sequence: string;
      readonly rgb: ArrayLike<number>;
      readonly width: number;
      readonly height: number;
      readonly w: number;
      readonly h: number;
    }
  | { readonly type: 'close'; readonly pipeline: number };

export type FlowReply = { readonly pipeline: number; readonly seq: number; readonly field?: FlowField | null; readonly error?: string };

/** One frame for the flow: its packed RGB (or the decode under way) and the flow's size. */
export interface FlowPipelineFrame {
  readonly sequence: string;
  readonly rgb: ArrayLike<number> | Promise<ArrayLike<number>>;
  /** The image's size. */
  readonly width: number;
  readonly height: number;
  /** The flow's size (TemporalPredictor.flowSize). */
  readonly w: number;
  readonly h: number;
}

/** Threads the flow uses by default: 2 where the machine has them (CAUSE_FLOW_THREADS=1 keeps it on this thread). */
export function flowThreads(): number {
  const env = Number(process.env.CAUSE_FLOW_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 2);
  return Math.min(2, os.availableParallelism());
}

interface Helper {
  readonly worker: Worker;
  readonly waiting: Map<string, { resolve: (f: FlowField | null) => void; reject: (e: Error) => void }>;
}

let helper: Promise<Helper> | null = null;
let pipelines = 0;

function startHelper(): Promise<Helper> {
  const worker = spawnWorker(new URL('./flow-worker.js', import.meta.url), null);
  worker.unref();
  const h: Helper = { worker, waiting: new Map() };
  const failAll = (e: Error) => {
    helper = null;
    for (const w of h.waiting.values()) w.reject(e);
    h.waiting.clear();
  };
  return new Promise((resolve, reject) => {
    worker.once('message', (m) => {
      if (m !== 'ready') return reject(new Error(`flow helper: unexpected ${String(m)}`));
      worker.on('message', (r: FlowReply) => {
        const key = `${r.pipeline}:${r.seq}`;
        const w = h.waiting.get(key);
        h.waiting.delete(key);
        // only a pending request keeps the process alive
        if (h.waiting.size === 0) worker.unref();
        if (r.error !== undefined) w?.reject(new Error(`flow helper: ${r.error}`));
        else w?.resolve(r.field ?? null);
      });
      resolve(h);
    });
    worker.once('error', (e) => {
      failAll(e);
      reject(e);
    });
    worker.once('exit', () => {
      const e = new Error('flow helper exited');
      failAll(e);
      reject(e);
    });
  });
}

/** Stops the helper (tests, a clean shutdown); the next threaded pipeline starts a new one. */
export async function stopFlowHelper(): Promise<void> {
  const h = helper;
  helper = null;
  if (h) await (await h.catch(() => null))?.worker.terminate();
}

/**
 * The flow fields of a sequence of frames, in order: `submit` frames ahead (the helper starts on them at
 * once), `next()` is the oldest submitted frame's flow to its previous frame (null at a sequence start).
 */
export class FlowPipeline {
  private readonly id = ++pipelines;
  private seq = 0;
  private readonly pending: Promise<FlowField | null>[] = [];
  /** Requests are posted in submission order, each after its decode. */
  private posted: Promise<unknown> = Promise.resolve();
  /** This thread's flows, chained so they run in submission order. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly local: FlowTracker | null;

  private constructor(
    private readonly options: FlowOptions,
    private readonly helper: Helper | null,
  ) {
    this.local = helper ? null : new FlowTracker(options);
  }

  /** A pipeline on `threads` threads (1: this thread only; a helper that fails to start means 1 too). */
  static async open(options: FlowOptions = {}, threads = flowThreads()): Promise<FlowPipeline> {
    if (threads < 2) return new FlowPipeline(options, null);
    try {
      helper ??= startHelper();
      return new FlowPipeline(options, await helper);
    } catch {
      helper = null;
      return new FlowPipeline(options, null);
    }
  }

  /** Whether the flow runs on the helper thread. */
  get threaded(): boolean {
    return this.helper !== null;
  }

  submit(f: FlowPipelineFrame): void {
    const h = this.helper;
    // a decode that fails before its turn is reported by next(), not as an unhandled rejection now
    const image = Promise.resolve(f.rgb);
    image.catch(() => undefined);
    if (!h) {
      // this thread: computed when asked for, in order
      const result = this.chain.then(async () => {
        this.local!.push(f.sequence, await image, f.width, f.height, f.w, f.h);
        return this.local!.field();
      });
      this.chain = result.catch(() => undefined);
      this.pending.push(result);
      return;
    }
    const seq = this.seq++;
    const result = new Promise<FlowField | null>((resolve, reject) => {
      this.posted = this.posted.then(async () => {
        let rgb: ArrayLike<number>;
        try {
          rgb = await image;
        } catch (e) {
          reject(e as Error);
          return;
        }
        h.waiting.set(`${this.id}:${seq}`, { resolve, reject });
        h.worker.ref();
        const m: FlowRequest = { type: 'frame', pipeline: this.id, seq, options: this.options, sequence: f.sequence, rgb, width: f.width, height: f.height, w: f.w, h: f.h };
        h.worker.postMessage(m);
      });
    });
    // a failed frame is reported by next(), not as an unhandled rejection here
    result.catch(() => undefined);
    this.pending.push(result);
  }

  /** The oldest submitted frame's flow field. */
  next(): Promise<FlowField | null> {
    const p = this.pending.shift();
    if (!p) return Promise.reject(new Error('FlowPipeline.next() without a submitted frame'));
    return p;
  }

  /** Frees the helper's tracker (the helper itself stays for the next pipeline). */
  close(): void {
    this.pending.length = 0;
    if (this.helper) this.posted = this.posted.then(() => this.helper!.worker.postMessage({ type: 'close', pipeline: this.id } satisfies FlowRequest));
  }
}
