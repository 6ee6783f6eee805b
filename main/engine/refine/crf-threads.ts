// The dense CRF's mean field on two threads: this one and one long-lived helper worker, sharing the
// frame's plan through SharedArrayBuffers and meeting at a barrier between phases (mean-field-plan.ts
// splits the labels for the messages and the pixel rows for the softmax). The helper is started on the
// first use and kept (unreferenced, so it never holds the process open): starting a worker costs more
// than one frame's CRF. When threads are not available or the helper fails, the CRF runs on this thread.
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../jobs/spawn-worker.js';
import { buildCrfPlan, runMeanField, runMeanFieldShare, type CrfPlan, type CrfPlanInput } from './mean-field-plan.js';
import { upsampleArgmax, type LabelMap } from './resample.js';

/** sync[0]: arrivals, sync[1]: generation, sync[2]: a thread failed. */
export function makeBarrier(sync: Int32Array, parties: number, timeoutMs = 60_000): () => void {
  return () => {
    const gen = Atomics.load(sync, 1);
    if (Atomics.add(sync, 0, 1) === parties - 1) {
      Atomics.store(sync, 0, 0);
      Atomics.add(sync, 1, 1);
      Atomics.notify(sync, 1);
    } else {
      while (Atomics.load(sync, 1) === gen) {
        if (Atomics.wait(sync, 1, gen, timeoutMs) === 'timed-out') throw new Error('dense CRF: a helper thread did not reach the barrier');
      }
    }
    if (Atomics.load(sync, 2) !== 0) throw new Error('dense CRF: a helper thread failed');
  };
}

/** What the helper receives per frame. */
export interface CrfShareMessage {
  readonly plan: CrfPlan;
  readonly iterations: number;
  readonly sync: Int32Array;
  readonly thread: number;
  /** The frame-sized labels the threads resample into (refineThreaded), on shared memory. */
  readonly out?: LabelMap;
}

let helper: Promise<Worker> | null = null;

function startHelper(): Promise<Worker> {
  const w = spawnWorker(new URL('./crf-worker.js', import.meta.url), null);
  w.unref();
  return new Promise((resolve, reject) => {
    w.once('message', (m) => (m === 'ready' ? resolve(w) : reject(new Error(`dense CRF helper: unexpected ${String(m)}`))));
    w.once('error', reject);
    w.once('exit', () => {
      helper = null;
      reject(new Error('dense CRF helper exited'));
    });
  });
}

/** Threads the CRF uses by default: 2 where the machine has them (CAUSE_CRF_THREADS overrides). */
export function crfThreads(): number {
  const env = Number(process.env.CAUSE_CRF_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 2);
  return Math.min(2, os.availableParallelism());
}

/** Stops the helper (tests, and a clean shutdown); the next threaded CRF starts a new one. */
export async function stopCrfHelper(): Promise<void> {
  const h = helper;
  helper = null;
  if (h) await (await h.catch(() => null))?.terminate();
}

/** The mean field of `input` on `threads` threads (1 = this thread only); returns Q [points, K]. */
export async function meanFieldThreaded(input: CrfPlanInput, iterations: number, threads = crfThreads()): Promise<Float32Array> {
  return (await runThreaded(input, iterations, threads)).Q;
}

/**
 * The mean field of `input`, then its marginals resampled to outW×outH and argmaxed (resample.ts), both
 * on `threads` threads. The same labels on any number of threads.
 */
export async function refineThreaded(input: CrfPlanInput, iterations: number, outW: number, outH: number, threads = crfThreads()): Promise<LabelMap> {
  const r = await runThreaded(input, iterations, threads, { width: outW, height: outH });
  if (!r.out) return upsampleArgmax(r.Q, input.width, input.height, input.K, outW, outH);
  // Off shared memory: callers hand the labels to encoders and streams.
  return { width: outW, height: outH, clusters: r.out.clusters.slice(), confidence: r.out.confidence.slice() };
}

async function runThreaded(input: CrfPlanInput, iterations: number, threads: number, size?: { width: number; height: number }): Promise<{ Q: Float32Array; out?: LabelMap }> {
  if (threads < 2) return { Q: runMeanField(buildCrfPlan(input, 1), iterations) };
  let worker: Worker;
  try {
    worker = await (helper ??= startHelper());
  } catch {
    helper = null;
    return { Q: runMeanField(buildCrfPlan(input, 1), iterations) };
  }
  const plan = buildCrfPlan(input, 2, (bytes) => new SharedArrayBuffer(bytes));
  const sync = new Int32Array(new SharedArrayBuffer(12));
  const out: LabelMap | undefined = size && {
    ...size,
    clusters: new Uint16Array(new SharedArrayBuffer(size.width * size.height * 2)),
    confidence: new Uint8Array(new SharedArrayBuffer(size.width * size.height)),
  };
  const message: CrfShareMessage = { plan, iterations, sync, thread: 1, ...(out ? { out } : {}) };
  worker.postMessage(message);
  try {
    runMeanFieldShare(plan, iterations, 0, makeBarrier(sync, 2), out);
  } catch (e) {
    // The helper may be stuck or dead: drop it, so the next frame starts a fresh one.
    Atomics.store(sync, 2, 1);
    Atomics.notify(sync, 1);
    void stopCrfHelper();
    throw e;
  }
  return out ? { Q: plan.Q, out } : { Q: plan.Q };
}
