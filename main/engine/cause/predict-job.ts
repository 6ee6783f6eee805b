// Host half of 'experiments.predict': per-frame cluster and confidence maps of one dataset, recorded in
// one transaction when the worker finishes (a new prediction key, so stale evaluations are not reused).
import { z } from 'zod';
import { replacePredictions } from '../db/queries/experiments.js';
import type { JobKindDefinition } from '../jobs/job-kind.js';
import { TEMPORAL_DIRECTIONS, TEMPORAL_MODES, type TemporalDirection, type TemporalMode } from '../../../shared/contract/experiments.js';
import { REFINE_MODES, type RefineMode } from './predict-refine.js';

export interface PredictJobParams {
  readonly experimentId: string;
  readonly datasetId: string;
  readonly featureSetId: string;
  readonly modelFile: string;
  readonly flipAveraging: boolean;
  readonly backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** Post-processing: 'crf' = the release's dense CRF (predict-refine.ts); absent = none (jobs queued before the option). */
  readonly refine?: RefineMode;
  /** Temporal carry (main/engine/temporal); absent = none. */
  readonly temporal?: TemporalMode;
  /** With a temporal mode: which way through each sequence; absent = forward (jobs queued before the option). */
  readonly temporalDirection?: TemporalDirection;
}

export interface PredictedFrame {
  readonly frameId: string;
  readonly clusterFile: string;
  readonly confidenceFile: string;
  readonly width: number;
  readonly height: number;
}

export interface PredictJobResult {
  readonly frames: PredictedFrame[];
  readonly backend: string;
}

const paramsSchema = z
  .object({
    experimentId: z.string().min(1),
    datasetId: z.string().min(1),
    featureSetId: z.string().min(1),
    modelFile: z.string().min(1),
    flipAveraging: z.boolean(),
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']),
    refine: z.enum(REFINE_MODES).optional(),
    temporal: z.enum(TEMPORAL_MODES).optional(),
    temporalDirection: z.enum(TEMPORAL_DIRECTIONS).optional(),
  })
  .strict();

export const predictJobKind: JobKindDefinition<PredictJobParams> = {
  kind: 'experiments.predict',
  worker: new URL('./predict-worker.js', import.meta.url),
  heavy: true,
  params: paramsSchema,
  title: (p) => `Predict ${p.experimentId.slice(0, 8)} on ${p.datasetId}${p.refine === 'crf' ? ' (CRF)' : ''}${p.temporal && p.temporal !== 'none' ? ` (temporal ${p.temporal}, ${p.temporalDirection ?? 'forward'})` : ''}`,
  complete(host, job, raw) {
    const r = raw as PredictJobResult;
    replacePredictions(
      host.db,
      { experimentId: job.params.experimentId, datasetId: job.params.datasetId, featureSetId: job.params.featureSetId, jobId: job.id, predictionKey: job.id },
      r.frames.map((f) => ({ frame_id: f.frameId, cluster_file: f.clusterFile, confidence_file: f.confidenceFile, width: f.width, height: f.height })),
    );
    return { experimentId: job.params.experimentId, datasetId: job.params.datasetId, frames: r.frames.length, backend: r.backend, refine: job.params.refine ?? 'none', temporal: job.params.temporal ?? 'none', temporalDirection: job.params.temporalDirection ?? 'forward' };
  },
};
