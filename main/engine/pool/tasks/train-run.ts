// Pool task 'train.run': one experiment's whole training on a worker, through the local engine's own
// code (cause/train-worker.ts trainModel) with a context adapted to the pool:
// * the host calls ('started', 'metrics') are collected into the result (the studio writes them);
// * checkpoints live in `<workspace>/pool/train/<task id>/`, named by the task's input hash, so a worker
//   that takes over a task whose worker died resumes from the last checkpoint, as a local resume would;
// * the model is written to `<workspace>/pool/out/<task id>/model.bin` with its sha256 in the result.
// The metric points collected up to a checkpoint are appended to `metrics.jsonl` beside it (the checkpoint
// records how many are valid), so a resumed task returns them all without rewriting them at every step.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { trainConfigSchema } from '../../../../shared/contract/experiments.js';
import { trainModel } from '../../cause/train-worker.js';
import { sha256Bytes } from '../../features/cache-key.js';
import { featureSetFromManifest } from '../../features/feature-reader.js';
import { manifestSchema } from '../../features/manifest.js';
import type { JobContext } from '../../jobs/job-kind.js';
import { writeFileAtomic } from '../../workspace.js';
import { stagingDir } from '../staging.js';

export const trainRunInput = z
  .object({
    /** The experiment's training config (seed included): all the worker needs from the experiments table. */
    config: trainConfigSchema,
    /** The feature set's manifest as the studio read it (shard paths relative to the workspace, with their sha256). */
    manifest: manifestSchema,
    /** The dataset's frames in sequence order, when Step 2 uses temporal positives (else empty). */
    frames: z.array(z.object({ id: z.string(), sequenceId: z.string(), index: z.number().int() }).strict()),
  })
  .strict();
export type TrainRunInput = z.infer<typeof trainRunInput>;

export interface MetricPoint {
  readonly name: string;
  readonly step: number;
  readonly value: number | null;
}

export interface TrainRunResult {
  /** The model file, relative to the workspace root (in the task's staging folder). */
  readonly modelFile: string;
  readonly sha256: string;
  readonly backend: string;
  readonly summary: Record<string, number | string>;
  /** Every metric point of the run, in order (a resumed task's earlier points come from its checkpoint). */
  readonly metrics: MetricPoint[];
  readonly computeMs: number;
}

/** The task's checkpoint folder: its id is the input hash, so any worker resuming it finds the same one. */
export function trainCheckpointDir(workspaceRoot: string, taskId: string): string {
  return path.join(workspaceRoot, 'pool', 'train', taskId);
}

interface PoolCheckpoint {
  readonly step: number;
  readonly state: unknown;
  /** How many lines of metrics.jsonl belong to the run up to this step (later ones came after it). */
  readonly metrics: number;
}

/** The first `count` points of the task's metric log (a kill may have left more, or a torn last line). */
function readMetrics(file: string, count: number): MetricPoint[] {
  if (count === 0) return [];
  const lines = fs.readFileSync(file, 'utf8').split('\n').slice(0, count);
  if (lines.length < count) throw new Error(`${file}: ${lines.length} metric points, the checkpoint counts ${count}`);
  return lines.map((l) => JSON.parse(l) as MetricPoint);
}

export async function run(ctx: JobContext, raw: unknown): Promise<TrainRunResult> {
  const t0 = performance.now();
  const input = trainRunInput.parse(raw);
  // The worker's job id is the task id (pool-worker.ts), which names the task's folders.
  const dir = trainCheckpointDir(ctx.workspaceRoot, ctx.jobId);
  const file = path.join(dir, 'checkpoint.json');
  const metricsFile = path.join(dir, 'metrics.jsonl');
  const read = (): PoolCheckpoint | undefined => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as PoolCheckpoint;
    } catch {
      return undefined;
    }
  };
  let resumed = read();
  let metrics: MetricPoint[] = [];
  try {
    if (resumed) metrics = readMetrics(metricsFile, resumed.metrics);
  } catch (e) {
    // A checkpoint without its metric points cannot give the whole run's points: start over (same bytes).
    ctx.log(`pool checkpoint unusable (${(e as Error).message}); training from the start`, 'warn');
    fs.rmSync(dir, { recursive: true, force: true });
    resumed = undefined;
  }
  // Lines past the checkpoint's count are dropped now, so appends continue from it.
  if (resumed) writeFileAtomic(metricsFile, metrics.map((m) => JSON.stringify(m) + '\n').join(''));
  else fs.rmSync(metricsFile, { force: true });
  let logged = metrics.length;
  let backend = '';
  if (resumed) ctx.log(`resuming from the pool checkpoint at step ${resumed.step}`);
  const poolCtx: JobContext = {
    ...ctx,
    jobDir: dir,
    loadCheckpoint: () => {
      const c = read();
      return c ? { step: c.step, state: c.state } : undefined;
    },
    saveCheckpoint: (step, state) => {
      fs.mkdirSync(dir, { recursive: true });
      // The points written through 'metrics' so far are exactly those up to this step (train-worker flushes first).
      // On disk before the checkpoint that counts them (the checkpoint itself is written atomically).
      const fd = fs.openSync(metricsFile, 'a');
      try {
        fs.writeSync(fd, metrics.slice(logged).map((m) => JSON.stringify(m) + '\n').join(''));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      logged = metrics.length;
      writeFileAtomic(file, JSON.stringify({ step, state, metrics: logged } satisfies PoolCheckpoint));
    },
    hostCall: (op, payload) => {
      if (op === 'started') backend = (payload as { backend: string }).backend;
      else if (op === 'metrics') metrics.push(...(payload as MetricPoint[]));
      else return Promise.reject(new Error(`train.run: no host op '${op}' on a pool worker`));
      return Promise.resolve(null);
    },
  };
  const set = featureSetFromManifest(ctx.workspaceRoot, input.manifest);
  const outAbs = path.join(stagingDir(ctx.workspaceRoot, ctx.jobId), 'model.bin');
  let summary: Record<string, number | string>;
  try {
    ({ summary } = await trainModel(poolCtx, input.config, { set, outAbs, frames: () => input.frames }));
  } finally {
    set.close();
  }
  const sha256 = sha256Bytes(fs.readFileSync(outAbs));
  // The model is written: a retry recomputes from scratch (same bytes) rather than keep checkpoints about.
  fs.rmSync(dir, { recursive: true, force: true });
  return { modelFile: path.relative(ctx.workspaceRoot, outAbs).split(path.sep).join('/'), sha256, backend, summary, metrics, computeMs: performance.now() - t0 };
}
