// Pool task 'labels.range': the label files of a range of frames of a label export, written with the
// local job's own writer (eval/export-labels.ts) into the task's staging folder in the workspace. The
// studio checks each file's sha256 and moves it into the export's partial folder.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { labelTarget, writeFrameLabels } from '../../eval/export-labels.js';
import { predictionSourceFromRows } from '../../eval/predictions.js';
import { protocolFromSpec } from '../../eval/protocol-spec.js';
import type { FrameRecord } from '../../datasets/frame-source.js';
import { sha256Bytes } from '../../features/cache-key.js';
import type { JobContext } from '../../jobs/job-kind.js';
import { stagingDir, type StagedFile } from '../staging.js';

export const labelsRangeInput = z
  .object({
    experimentId: z.string().min(1),
    datasetId: z.string().min(1),
    predictionKey: z.string().min(1),
    clusters: z.number().int().positive(),
    /** Cluster → class (-1 = unlabeled) and the protocol it maps into; both null for raw cluster ids. */
    values: z.array(z.number().int().min(-1)).nullable(),
    protocol: z.object({ id: z.string().min(1), definition: z.unknown().optional(), source: z.string().optional() }).strict().nullable(),
    frames: z.array(z.object({ id: z.string(), name: z.string().min(1) }).passthrough()).min(1),
    rows: z.array(z.object({ frame_id: z.string(), cluster_file: z.string(), confidence_file: z.string(), width: z.number().int(), height: z.number().int() }).strict()),
  })
  .strict();
export type LabelsRangeInput = z.infer<typeof labelsRangeInput>;

export interface LabelsRangeResult {
  /** Every file written, in frame order. */
  readonly files: StagedFile[];
  readonly computeMs: number;
}

export async function run(ctx: JobContext, raw: unknown): Promise<LabelsRangeResult> {
  const t0 = performance.now();
  const i = labelsRangeInput.parse(raw);
  const source = predictionSourceFromRows(ctx.workspaceRoot, { experimentId: i.experimentId, datasetId: i.datasetId, clusters: i.clusters, key: i.predictionKey }, i.rows);
  const target = labelTarget(i.protocol ? protocolFromSpec(i.protocol) : null, i.values);
  const dir = stagingDir(ctx.workspaceRoot, ctx.jobId);
  fs.mkdirSync(dir, { recursive: true });
  const files: StagedFile[] = [];
  const frames = i.frames as unknown as FrameRecord[];
  for (let n = 0; n < frames.length; n++) {
    ctx.throwIfCancelled();
    const f = frames[n]!;
    for (const rel of await writeFrameLabels(dir, f.name, await source.readClusters(f), target)) {
      files.push({ path: rel.split(path.sep).join('/'), sha256: sha256Bytes(fs.readFileSync(path.join(dir, rel))) });
    }
    ctx.progress({ fraction: (n + 1) / frames.length, message: f.name });
  }
  return { files, computeMs: performance.now() - t0 };
}
