// Host half of 'experiments.train': params, title, the DB writes the worker asks for (backend used,
// metric points) and the experiment row update when training completes. Trained on the pool, the
// metric points come with the result and are written here, in the same transaction as the model.
import { z } from 'zod';
import { trainConfigSchema, type TrainConfig } from '../../../shared/contract/experiments.js';
import { insertMetrics, markTrained, setExperimentBackend } from '../db/queries/experiments.js';
import type { JobKindDefinition } from '../jobs/job-kind.js';
import { configuredQueue } from '../pool/queue-config.js';

export interface TrainJobParams {
  readonly experimentId: string;
  readonly featureSetId: string;
  readonly config: TrainConfig;
}

export interface TrainJobResult {
  readonly modelFile: string;
  readonly summary: Record<string, number | string>;
}

const paramsSchema = z.object({ experimentId: z.string().min(1), featureSetId: z.string().min(1), config: trainConfigSchema }).strict();

const metricsPayload = z.array(z.object({ name: z.string().min(1).max(100), step: z.number().int().min(0), value: z.number().or(z.null()) }));

export const trainJobKind: JobKindDefinition<TrainJobParams> = {
  kind: 'experiments.train',
  worker: new URL('./train-worker.js', import.meta.url),
  /**
   * Decided when a job is submitted: with a queue (`--queue` at launch or the workspace setting `queue`)
   * the training runs on a pool worker and this engine's thread only waits, so several trainings (a
   * study's cells) wait side by side instead of one after another.
   */
  heavy: (host) => configuredQueue(host.db) === null,
  params: paramsSchema as unknown as z.ZodType<TrainJobParams>,
  title: (p) => `Train ${p.config.method} K=${p.config.clusters} (${p.config.preset}, seed ${p.config.seed})`,
  hostOps: {
    started(host, job, payload) {
      const { backend } = z.object({ backend: z.string() }).parse(payload);
      setExperimentBackend(host.db, job.params.experimentId, backend);
      return null;
    },
    metrics(host, job, payload) {
      const points = metricsPayload.parse(payload).map((p) => ({ ...p, value: p.value ?? NaN }));
      insertMetrics(host.db, job.params.experimentId, points);
      return null;
    },
  },
  complete(host, job, raw) {
    const { metrics, ...r } = raw as TrainJobResult & { metrics?: unknown };
    if (metrics !== undefined) insertMetrics(host.db, job.params.experimentId, metricsPayload.parse(metrics).map((p) => ({ ...p, value: p.value ?? NaN })));
    markTrained(host.db, job.params.experimentId, r.modelFile, r.summary);
    return { experimentId: job.params.experimentId, ...r };
  },
};
