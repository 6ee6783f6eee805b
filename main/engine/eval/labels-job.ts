// 'exports.labels': pseudo-labels of an experiment's predictions, in Cityscapes format (labelIds,
// labelTrainIds, color PNGs under <out>/<city>/, plus mapping.json) or as raw cluster-id PNGs. Written
// to a temporary sibling folder and renamed into place at the end, so the output appears only complete.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ExportRecord } from '../../../shared/contract/exports.js';
import { insertExport } from '../db/queries/exports.js';
import type { JobKindDefinition } from '../jobs/job-kind.js';

export const labelsJobParamsSchema = z
  .object({
    experimentId: z.string().min(1),
    datasetId: z.string().min(1),
    split: z.string().nullable(),
    format: z.enum(['cityscapes', 'clusters']),
    /** Resolved by the host: cluster → class (-1 = unlabeled), the protocol and a name; null for 'clusters'. */
    mapping: z
      .object({ values: z.array(z.number().int().min(-1)), protocolId: z.string().min(1), name: z.string(), document: z.unknown() })
      .strict()
      .nullable(),
    out: z.string().min(1),
    force: z.boolean(),
  })
  .strict();
export type LabelsJobParams = z.infer<typeof labelsJobParamsSchema>;

export interface LabelsJobResult {
  readonly frames: number;
  readonly files: number;
  readonly bytes: number;
}

export const labelsJobKind: JobKindDefinition<LabelsJobParams> = {
  kind: 'exports.labels',
  worker: new URL('./labels-worker.js', import.meta.url),
  heavy: true,
  params: labelsJobParamsSchema,
  title: (p) => `Export ${p.format} labels of ${p.experimentId} on ${p.datasetId}`,
  complete(host, job, raw): ExportRecord {
    const r = raw as LabelsJobResult;
    return insertExport(host.db, {
      id: `labels-${randomUUID().slice(0, 8)}`,
      kind: 'labels',
      experimentId: job.params.experimentId,
      jobId: job.id,
      path: job.params.out,
      bytes: r.bytes,
      params: { datasetId: job.params.datasetId, split: job.params.split, format: job.params.format, mapping: job.params.mapping?.name ?? null },
      summary: { frames: r.frames, files: r.files },
    });
  },
};
