// Host half of the 'eval.histogram' job: parameters, title, and the one transaction that stores the
// histograms and label-free signals the worker computed.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { LabelFreeReport } from '../../../shared/contract/evaluation.js';
import { insertFrameHistograms, insertHistogram, upsertLabelFree } from '../db/queries/evaluation.js';
import type { JobKindDefinition } from '../jobs/job-kind.js';
import { protocolFromSpec } from './protocol-spec.js';

export const evalJobParamsSchema = z
  .object({
    experimentId: z.string().min(1),
    datasetId: z.string().min(1),
    split: z.string().nullable(),
    protocol: z.object({ id: z.string().min(1), definition: z.unknown().optional(), source: z.string().optional() }).strict(),
    geometry: z.enum(['reference', 'full']),
    labelFree: z.boolean(),
    predictionKey: z.string().min(1),
  })
  .strict();
export type EvalJobParams = z.infer<typeof evalJobParamsSchema>;

/** Per-frame cluster pixel counts (sparse), for presence strips where there is no ground truth. */
export interface FramePresence {
  readonly frameId: string;
  readonly sequenceId: string;
  readonly pixels: number;
  readonly clusters: number[];
  readonly counts: number[];
}

export type LabelFreePayload = Omit<LabelFreeReport, 'id' | 'experimentId' | 'datasetId' | 'split' | 'geometry' | 'createdAt'> & {
  presence?: FramePresence[];
};

export interface EvalJobResult {
  seconds: number;
  framesRead: number;
  histogram: {
    dense: Uint8Array;
    pixels: number;
    frames: { frameId: string; ordinal: number; pixels: number; cells: Uint8Array }[];
  } | null;
  labelFree: LabelFreePayload | null;
}

export const evalJobKind: JobKindDefinition<EvalJobParams> = {
  kind: 'eval.histogram',
  worker: new URL('./eval-worker.js', import.meta.url),
  heavy: true,
  params: evalJobParamsSchema,
  title: (p) => `Evaluate ${p.experimentId} on ${p.datasetId} (${p.protocol.id}, ${p.geometry})`,
  complete(host, job, raw) {
    const r = raw as EvalJobResult;
    const p = job.params;
    const now = new Date().toISOString();
    let histogramId: string | null = null;
    if (r.histogram) {
      const protocol = protocolFromSpec(p.protocol);
      const C = protocol.classNames.length;
      const K = r.histogram.dense.byteLength / 8 / C;
      histogramId = `hist-${randomUUID().slice(0, 8)}`;
      insertHistogram(host.db, {
        id: histogramId,
        experimentId: p.experimentId,
        datasetId: p.datasetId,
        split: p.split,
        protocolId: protocol.id,
        protocol: JSON.stringify({ id: protocol.id, classNames: protocol.classNames, categories: protocol.categories }),
        geometry: p.geometry,
        predictionKey: p.predictionKey,
        clusters: K,
        classes: C,
        frameCount: r.histogram.frames.length,
        pixelCount: r.histogram.pixels,
        histogram: r.histogram.dense,
        jobId: job.id,
        createdAt: now,
      });
      insertFrameHistograms(host.db, histogramId, r.histogram.frames);
    }
    let labelFreeId: string | null = null;
    if (r.labelFree) {
      labelFreeId = `lf-${randomUUID().slice(0, 8)}`;
      upsertLabelFree(host.db, {
        id: labelFreeId,
        experiment_id: p.experimentId,
        dataset_id: p.datasetId,
        split: p.split,
        geometry: p.geometry,
        prediction_key: p.predictionKey,
        summary: JSON.stringify(r.labelFree),
        job_id: job.id,
        created_at: now,
      });
    }
    return { histogramId, labelFreeId, framesRead: r.framesRead, seconds: r.seconds };
  },
};
