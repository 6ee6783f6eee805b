// Pool task 'predict.range': frames [from, to) of a prediction job (sent along with the task) through the
// local engine's own loop (predict-worker.ts). Files land at the paths the local run uses (experiment, dataset, frame), written
// atomically; the sha256 of each comes back so the studio can check what it reads.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { predictJobKind, type PredictedFrame } from '../../cause/predict-job.js';
import { predictRange } from '../../cause/predict-worker.js';
import { sha256Bytes } from '../../features/cache-key.js';
import type { FrameRecord } from '../../datasets/frame-source.js';
import type { JobContext } from '../../jobs/job-kind.js';

export const predictRangeInput = z
  .object({
    params: z.unknown(),
    from: z.number().int().nonnegative(),
    to: z.number().int().positive(),
    /** The range's frames as the studio's database lists them (the worker opens no database). */
    frames: z.array(z.object({ id: z.string(), name: z.string(), imagePath: z.string(), width: z.number().int(), height: z.number().int() }).passthrough()).min(1),
  })
  .strict()
  .refine((i) => i.to - i.from === i.frames.length, 'range and frame list differ');

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
  const frames = input.frames as unknown as FrameRecord[];
  const r = await predictRange(ctx, params, { from: 0, to: frames.length, frames });
  const sums = r.frames.map((f): [string, string] => [fileSha(ctx.workspaceRoot, f.clusterFile) ?? '', fileSha(ctx.workspaceRoot, f.confidenceFile) ?? '']);
  return { frames: r.frames, sums, backend: r.backend, computeMs: performance.now() - t0 };
}
