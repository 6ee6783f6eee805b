// experiments.* methods: create/train (queue the training job), list/get, metrics, predict.
import { randomUUID } from 'node:crypto';
import { StudioError } from '../../../shared/contract/errors.js';
import { DEFAULT_TEMPORAL_DIRECTION, presetConfig, trainConfigSchema, type TrainConfig } from '../../../shared/contract/experiments.js';
import type { PredictJobParams } from '../cause/predict-job.js';
import type { TrainJobParams } from '../cause/train-job.js';
import { getDatasetRow } from '../db/queries/datasets.js';
import {
  clearMetrics,
  experimentConfig,
  getExperimentDetail,
  getExperimentRow,
  insertExperiment,
  listExperimentSummaries,
  metricSeries,
  setTrainJob,
} from '../db/queries/experiments.js';
import { getFeatureSet, listFeatureSets, type FeatureSetRow } from '../db/queries/features.js';
import type { Database } from '../db/connection.js';
import type { HandlerGroup } from './handler-types.js';

function crops(row: FeatureSetRow): string {
  try {
    return (JSON.parse(row.preprocessing) as { crops?: string }).crops ?? 'none';
  } catch {
    return 'none';
  }
}

/** The newest feature set of (dataset, backbone); `wholeFrame` prefers sets without five-crop. */
function pickFeatureSet(db: Database, datasetId: string, backbone: string, wholeFrame: boolean): FeatureSetRow {
  const rows = listFeatureSets(db, datasetId)
    .filter((r) => r.backbone === backbone)
    .sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  const best = wholeFrame ? (rows.find((r) => crops(r) === 'none') ?? rows[0]) : rows[0];
  if (!best) {
    throw new StudioError(
      'not_found',
      `dataset ${datasetId} has no cached features for backbone "${backbone}"; extract them first (cause-studio features extract)`,
      { datasetId, backbone },
    );
  }
  return best;
}

/** A feature set asked for by id: it must exist, be of the dataset being predicted and of the model's backbone. */
function chosenFeatureSet(db: Database, id: string, datasetId: string, backbone: string): FeatureSetRow {
  const r = getFeatureSet(db, id);
  if (!r) throw new StudioError('not_found', `no feature set '${id}'`);
  if (r.dataset_id !== datasetId) {
    throw new StudioError('bad_request', `feature set ${id} belongs to dataset ${r.dataset_id}, not ${datasetId}`);
  }
  if (r.backbone !== backbone) {
    throw new StudioError('bad_request', `feature set ${id} holds "${r.backbone}" features; the experiment was trained on "${backbone}"`);
  }
  // Five-crop items are crops, not frames: a prediction needs one view per frame.
  if (crops(r) !== 'none') throw new StudioError('bad_request', `feature set ${id} is five-crop; predict from a single-view feature set`);
  return r;
}

function mergeConfig(base: TrainConfig, overrides: Record<string, unknown> | undefined): TrainConfig {
  const r = trainConfigSchema.safeParse({ ...base, ...(overrides ?? {}) });
  if (!r.success) {
    throw new StudioError('bad_request', `invalid training settings: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

export const experimentHandlers: HandlerGroup<
  'experiments.create' | 'experiments.train' | 'experiments.list' | 'experiments.get' | 'experiments.metrics' | 'experiments.predict'
> = {
  'experiments.create': (args, ctx) => {
    const ds = getDatasetRow(ctx.db, args.datasetId);
    if (!ds) throw new StudioError('not_found', `no dataset '${args.datasetId}'`);
    let fsRow: FeatureSetRow;
    if (args.featureSetId) {
      const r = getFeatureSet(ctx.db, args.featureSetId);
      if (!r) throw new StudioError('not_found', `no feature set '${args.featureSetId}'`);
      if (r.dataset_id !== ds.id) throw new StudioError('bad_request', `feature set ${r.id} belongs to dataset ${r.dataset_id}, not ${ds.id}`);
      fsRow = r;
    } else fsRow = pickFeatureSet(ctx.db, ds.id, args.backbone!, false);
    const config = mergeConfig(presetConfig(args.preset, args.method, args.clusters, args.seed, args.backend), args.overrides);
    if (config.method === 'cause-tr' && fsRow.grid_h * fsRow.grid_w > 4096) {
      throw new StudioError('bad_request', `CAUSE-TR on a ${fsRow.grid_h}×${fsRow.grid_w} grid is too large for one attention layer here; use smaller inputs`);
    }
    const id = randomUUID();
    const name = args.name ?? `${config.method} K${config.clusters} ${fsRow.backbone} ${config.preset}`;
    const params: TrainJobParams = { experimentId: id, featureSetId: fsRow.id, config };
    const tx = ctx.db.transaction(() => {
      insertExperiment(ctx.db, { id, name, datasetId: ds.id, featureSetId: fsRow.id, backbone: fsRow.backbone, config });
    });
    tx();
    const job = ctx.jobs.submit('experiments.train', params);
    setTrainJob(ctx.db, id, job.id);
    return { experimentId: id, jobId: job.id };
  },

  'experiments.train': ({ id }, ctx) => {
    const row = getExperimentRow(ctx.db, id);
    if (!row) throw new StudioError('not_found', `no experiment '${id}'`);
    if (row.job_state === 'queued' || row.job_state === 'running') {
      throw new StudioError('conflict', `experiment ${id} is already training (job ${row.train_job_id})`);
    }
    const params: TrainJobParams = { experimentId: id, featureSetId: row.feature_set_id, config: experimentConfig(row) };
    clearMetrics(ctx.db, id);
    const job = ctx.jobs.submit('experiments.train', params);
    setTrainJob(ctx.db, id, job.id);
    return { experimentId: id, jobId: job.id };
  },

  'experiments.list': ({ datasetId }, ctx) => listExperimentSummaries(ctx.db, datasetId),

  'experiments.get': ({ id }, ctx) => {
    const d = getExperimentDetail(ctx.db, id);
    if (!d) throw new StudioError('not_found', `no experiment '${id}'`);
    return d;
  },

  'experiments.metrics': ({ id, names, sinceStep }, ctx) => {
    if (!getExperimentRow(ctx.db, id)) throw new StudioError('not_found', `no experiment '${id}'`);
    return metricSeries(ctx.db, id, { ...(names ? { names } : {}), ...(sinceStep !== undefined ? { sinceStep } : {}) });
  },

  'experiments.predict': ({ id, datasetId, featureSetId, refine, temporal, temporalDirection }, ctx) => {
    const row = getExperimentRow(ctx.db, id);
    if (!row) throw new StudioError('not_found', `no experiment '${id}'`);
    if (row.status !== 'trained' || !row.model_file) {
      throw new StudioError('conflict', `experiment ${id} has not finished training yet; predict after its training job succeeds`);
    }
    if (refine === 'crf' && temporal && temporal !== 'none') {
      throw new StudioError('bad_request', `predict: temporal '${temporal}' carries the probe's probabilities, the dense CRF replaces them; choose one`);
    }
    const target = datasetId ?? row.dataset_id;
    if (!getDatasetRow(ctx.db, target)) throw new StudioError('not_found', `no dataset '${target}'`);
    const own = getFeatureSet(ctx.db, row.feature_set_id);
    const fsRow = featureSetId
      ? chosenFeatureSet(ctx.db, featureSetId, target, row.backbone)
      : own && own.dataset_id === target && crops(own) === 'none'
        ? own
        : pickFeatureSet(ctx.db, target, row.backbone, true);
    const config = experimentConfig(row);
    const params: PredictJobParams = {
      experimentId: id,
      datasetId: target,
      featureSetId: fsRow.id,
      modelFile: row.model_file,
      flipAveraging: config.flipAveraging,
      backend: config.backend,
      ...(refine && refine !== 'none' ? { refine } : {}),
      ...(temporal && temporal !== 'none' ? { temporal, temporalDirection: temporalDirection ?? DEFAULT_TEMPORAL_DIRECTION } : {}),
    };
    const job = ctx.jobs.submit('experiments.predict', params);
    return { jobId: job.id };
  },
};
