// A temporal helper thread (link-worker.ts, second-pass-worker.ts): started on first use and kept for the
// next pipeline, unreferenced while nothing is pending (it never holds the process open), requests and
// replies matched by pipeline and sequence number. A helper that fails or exits rejects what it owes and
// is started again on next use.
import type { TransferListItem, Worker } from 'node:worker_threads';
import { spawnWorker } from '../jobs/spawn-worker.js';

/** What every helper replies: the request's pipeline and sequence number, and an error if it failed. */
export interface HelperReply {
  readonly pipeline: number;
  readonly seq: number;
  readonly error?: string;
}

export interface Helper<R extends HelperReply> {
  /** Posts a request (its `pipeline` and `seq` name the reply it waits for). */
  request<M extends { readonly pipeline: number; readonly seq: number }>(message: M, transfer?: readonly TransferListItem[]): Promise<R>;
  /** Posts a message no reply answers (a pipeline's close). */
  post(message: unknown): void;
}

const slots = new Set<HelperSlot<HelperReply>>();

/** Stops every helper thread (tests, a clean shutdown); the next threaded pipeline starts new ones. */
export async function stopTemporalHelpers(): Promise<void> {
  await Promise.all([...slots].map((s) => s.stop()));
}

/** One lazily started helper thread on a worker module. */
export class HelperSlot<R extends HelperReply> {
  private started: Promise<{ helper: Helper<R>; worker: Worker }> | null = null;
  /** The thread `started` is for (a failing thread that was stopped and replaced must not clear its successor). */
  private worker: Worker | null = null;

  constructor(
    private readonly entry: URL,
    private readonly name: string,
  ) {
    slots.add(this as unknown as HelperSlot<HelperReply>);
  }

  /** The running helper (started now if need be); rejects when it cannot start. */
  async get(): Promise<Helper<R>> {
    this.started ??= this.start();
    try {
      return (await this.started).helper;
    } catch (e) {
      this.started = null;
      throw e;
    }
  }

  /**
   * The helper for a pipeline on `threads` threads, or null when it runs on the caller's thread: one
   * thread asked for, or a helper that fails to start (the pipeline then computes locally, same results).
   */
  async forThreads(threads: number): Promise<Helper<R> | null> {
    if (threads < 2) return null;
    return this.get().catch(() => null);
  }

  /** Stops the helper (tests, a clean shutdown); the next `get` starts a new one. */
  async stop(): Promise<void> {
    const s = this.started;
    this.started = null;
    this.worker = null;
    if (s) await (await s.catch(() => null))?.worker.terminate();
  }

  private start(): Promise<{ helper: Helper<R>; worker: Worker }> {
    const worker = spawnWorker(this.entry, null);
    this.worker = worker;
    worker.unref();
    const waiting = new Map<string, { resolve: (r: R) => void; reject: (e: Error) => void }>();
    const failAll = (e: Error) => {
      if (this.worker === worker) {
        this.started = null;
        this.worker = null;
      }
      for (const w of waiting.values()) w.reject(e);
      waiting.clear();
    };
    const helper: Helper<R> = {
      request: (message, transfer) =>
        new Promise<R>((resolve, reject) => {
          waiting.set(`${message.pipeline}:${message.seq}`, { resolve, reject });
          worker.ref();
          try {
            worker.postMessage(message, transfer);
          } catch (e) {
            waiting.delete(`${message.pipeline}:${message.seq}`);
            if (waiting.size === 0) worker.unref();
            reject(e as Error);
          }
        }),
      post: (message) => worker.postMessage(message),
    };
    return new Promise((resolve, reject) => {
      worker.once('message', (m) => {
        if (m !== 'ready') return reject(new Error(`${this.name}: unexpected ${String(m)}`));
        worker.on('message', (r: R) => {
          const key = `${r.pipeline}:${r.seq}`;
          const w = waiting.get(key);
          waiting.delete(key);
          // only a pending request keeps the process alive
          if (waiting.size === 0) worker.unref();
          if (r.error === undefined) w?.resolve(r);
          else w?.reject(new Error(`${this.name}: ${r.error}`));
        });
        resolve({ helper, worker });
      });
      worker.once('error', (e) => {
        failAll(e);
        reject(e);
      });
      worker.once('exit', () => {
        const e = new Error(`${this.name} exited`);
        failAll(e);
        reject(e);
      });
    });
  }
}
