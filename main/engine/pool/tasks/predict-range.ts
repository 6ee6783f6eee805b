// Pool task 'predict.range': frames [from, to) of a prediction job through the local engine's own loop
// (predict-worker.ts). Files land at the paths the local run uses (experiment, dataset, frame), written
// atomically; the sha256 of each comes back so the studio can check what it reads.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { predictJobKind, type PredictedFrame } from '../../cause/predict-job.js';
import { predictRange } from '../../cause/predict-worker.js';
import { sha256Bytes } from '../../features/cache-key.js';
import type { JobContext } from '../../jobs/job-kind.js';

export const predictRangeInput = z
  .object({ params: z.unknown(), from: z.number().int().nonnegative(), to: z.number().int().positive() })
  .strict()
  .refine((i) => i.to > i.from, 'empty range');

export interface PredictRangeResult {
  readonly frames: PredictedFrame[];
  /** [cluster map sha256, confidence map sha256] per frame. */
  readonly sums: [string, string][];
  readonly backend: string;
  readonly computeMs: number;
}

export const fileSha = (root: string, rel: string): string | null => {
  try {
    return sha256Bytes(fs.readFileSync(path.join(root, rel)));
  } catch {
    return null;
  }
};

export async function run(ctx: JobContext, raw: unknown): Promise<PredictRangeResult> {
  const t0 = performance.now();
  const input = predictRangeInput.parse(raw);
  const params = predictJobKind.params.parse(input.params);
  const n = input.to - input.from;
  // The loop reports global frame indices; the pool wants this task's own fraction.
  const local: JobContext = Object.assign(Object.create(ctx) as JobContext, {
    progress: (u: { step?: number; message?: string }) => ctx.progress({ fraction: Math.min(1, ((u.step ?? input.from) - input.from) / n), ...(u.message ? { message: u.message } : {}) }),
  });
  const r = await predictRange(local, params, { from: input.from, to: input.to });
  const sums = r.frames.map((f): [string, string] => [fileSha(ctx.workspaceRoot, f.clusterFile) ?? '', fileSha(ctx.workspaceRoot, f.confidenceFile) ?? '']);
  return { frames: r.frames, sums, backend: r.backend, computeMs: performance.now() - t0 };
}
