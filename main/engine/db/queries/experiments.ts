// SQL for experiments, their metrics and predictions. Plain functions of (db, ...args).
import type { Database } from 'better-sqlite3';
import type { JobState } from '../../../../shared/contract/events.js';
import {
  parseTrainConfig,
  type ExperimentDetail,
  type ExperimentMethod,
  type ExperimentPredictionSet,
  type ExperimentStatus,
  type ExperimentSummary,
  type MetricSeries,
  type TrainConfig,
  type TrainPreset,
} from '../../../../shared/contract/experiments.js';

export interface ExperimentRow {
  id: string;
  name: string;
  dataset_id: string;
  feature_set_id: string;
  backbone: string;
  method: ExperimentMethod;
  clusters: number;
  preset: TrainPreset;
  seed: number;
  config: string;
  status: 'created' | 'trained';
  backend: string | null;
  train_job_id: string | null;
  model_file: string | null;
  summary: string | null;
  created_at: string;
  finished_at: string | null;
  job_state?: JobState | null;
}

const now = () => new Date().toISOString();

const SELECT = `SELECT e.*, j.state AS job_state FROM experiments e LEFT JOIN jobs j ON j.id = e.train_job_id`;

function statusOf(r: ExperimentRow): ExperimentStatus {
  if (r.status === 'trained') return 'trained';
  switch (r.job_state) {
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    case 'queued':
    case 'running':
    case 'interrupted':
      return 'training';
    default:
      return 'created';
  }
}

function toSummary(r: ExperimentRow): ExperimentSummary {
  return {
    id: r.id,
    name: r.name,
    datasetId: r.dataset_id,
    featureSetId: r.feature_set_id,
    backbone: r.backbone,
    method: r.method,
    clusters: r.clusters,
    preset: r.preset,
    seed: r.seed,
    status: statusOf(r),
    backend: r.backend,
    trainJobId: r.train_job_id,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

export function insertExperiment(
  db: Database,
  e: { id: string; name: string; datasetId: string; featureSetId: string; backbone: string; config: TrainConfig },
): void {
  db.prepare(
    `INSERT INTO experiments (id, name, dataset_id, feature_set_id, backbone, method, clusters, preset, seed, config, status, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'created', ?)`,
  ).run(e.id, e.name, e.datasetId, e.featureSetId, e.backbone, e.config.method, e.config.clusters, e.config.preset, e.config.seed, JSON.stringify(e.config), now());
}

export function getExperimentRow(db: Database, id: string): ExperimentRow | undefined {
  return db.prepare(`${SELECT} WHERE e.id = ?`).get(id) as ExperimentRow | undefined;
}

export function experimentConfig(row: ExperimentRow): TrainConfig {
  return parseTrainConfig(JSON.parse(row.config) as unknown, `experiment ${row.id} config`);
}

export function listExperimentSummaries(db: Database, datasetId?: string): ExperimentSummary[] {
  const rows = (
    datasetId === undefined
      ? db.prepare(`${SELECT} ORDER BY e.created_at DESC`).all()
      : db.prepare(`${SELECT} WHERE e.dataset_id = ? ORDER BY e.created_at DESC`).all(datasetId)
  ) as ExperimentRow[];
  return rows.map(toSummary);
}

export function getExperimentDetail(db: Database, id: string): ExperimentDetail | undefined {
  const r = getExperimentRow(db, id);
  if (!r) return undefined;
  return {
    ...toSummary(r),
    config: experimentConfig(r),
    summary: r.summary ? (JSON.parse(r.summary) as Record<string, number | string>) : null,
    predictions: listPredictionSets(db, id),
  };
}

export function setTrainJob(db: Database, id: string, jobId: string): void {
  db.prepare(`UPDATE experiments SET train_job_id = ?, status = 'created', finished_at = NULL WHERE id = ?`).run(jobId, id);
}

export function setExperimentBackend(db: Database, id: string, backend: string): void {
  db.prepare(`UPDATE experiments SET backend = ? WHERE id = ?`).run(backend, id);
}

export function markTrained(db: Database, id: string, modelFile: string, summary: Record<string, unknown>): void {
  db.prepare(`UPDATE experiments SET status = 'trained', model_file = ?, summary = ?, finished_at = ? WHERE id = ?`).run(
    modelFile,
    JSON.stringify(summary),
    now(),
    id,
  );
}

/** Upserts a batch of metric points (a resumed run re-emits steps after its checkpoint). */
export function insertMetrics(db: Database, experimentId: string, points: readonly { name: string; step: number; value: number }[]): void {
  const stmt = db.prepare(
    `INSERT INTO experiment_metrics (experiment_id, name, step, value) VALUES (?, ?, ?, ?)
     ON CONFLICT (experiment_id, name, step) DO UPDATE SET value = excluded.value`,
  );
  for (const p of points) stmt.run(experimentId, p.name, p.step, Number.isFinite(p.value) ? p.value : null);
}

export function clearMetrics(db: Database, experimentId: string): void {
  db.prepare(`DELETE FROM experiment_metrics WHERE experiment_id = ?`).run(experimentId);
}

export function metricSeries(db: Database, experimentId: string, options: { names?: readonly string[]; sinceStep?: number } = {}): MetricSeries[] {
  const rows = db
    .prepare(`SELECT name, step, value FROM experiment_metrics WHERE experiment_id = ? AND step >= ? ORDER BY name, step`)
    .all(experimentId, options.sinceStep ?? 0) as { name: string; step: number; value: number | null }[];
  const wanted = options.names ? new Set(options.names) : null;
  const out = new Map<string, { name: string; steps: number[]; values: number[] }>();
  for (const r of rows) {
    if (wanted && !wanted.has(r.name)) continue;
    let s = out.get(r.name);
    if (!s) out.set(r.name, (s = { name: r.name, steps: [], values: [] }));
    s.steps.push(r.step);
    s.values.push(r.value ?? NaN);
  }
  return [...out.values()];
}

export interface PredictionFrameRow {
  experiment_id: string;
  dataset_id: string;
  frame_id: string;
  cluster_file: string;
  confidence_file: string;
  width: number;
  height: number;
}

/** Replaces the predictions of (experiment, dataset) in one go. */
export function replacePredictions(
  db: Database,
  p: { experimentId: string; datasetId: string; featureSetId: string; jobId: string; predictionKey: string },
  frames: readonly Omit<PredictionFrameRow, 'experiment_id' | 'dataset_id'>[],
): void {
  db.prepare(`DELETE FROM experiment_predictions WHERE experiment_id = ? AND dataset_id = ?`).run(p.experimentId, p.datasetId);
  db.prepare(
    `INSERT INTO experiment_predictions (experiment_id, dataset_id, feature_set_id, job_id, prediction_key, frame_count, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(p.experimentId, p.datasetId, p.featureSetId, p.jobId, p.predictionKey, frames.length, now());
  const stmt = db.prepare(
    `INSERT INTO experiment_prediction_frames (experiment_id, dataset_id, frame_id, cluster_file, confidence_file, width, height)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const f of frames) stmt.run(p.experimentId, p.datasetId, f.frame_id, f.cluster_file, f.confidence_file, f.width, f.height);
}

export function listPredictionSets(db: Database, experimentId: string): ExperimentPredictionSet[] {
  const rows = db
    // The refine mode lives in the predict job's params (stored with the job that made the set).
    .prepare(
      `SELECT p.*, json_extract(j.params, '$.refine') AS refine, json_extract(j.params, '$.temporal') AS temporal,
       json_extract(j.params, '$.temporalDirection') AS temporal_direction FROM experiment_predictions p LEFT JOIN jobs j ON j.id = p.job_id
       WHERE p.experiment_id = ? ORDER BY p.created_at`,
    )
    .all(experimentId) as { dataset_id: string; feature_set_id: string; job_id: string | null; frame_count: number; created_at: string; refine: string | null; temporal: string | null; temporal_direction: string | null }[];
  return rows.map((r) => ({
    datasetId: r.dataset_id,
    featureSetId: r.feature_set_id,
    jobId: r.job_id ?? '',
    frames: r.frame_count,
    createdAt: r.created_at,
    refine: r.refine === 'crf' ? 'crf' : 'none',
    temporal: r.temporal === 'features' || r.temporal === 'flow' ? r.temporal : 'none',
    // sets predicted before the option ran forward
    temporalDirection: r.temporal_direction === 'backward' || r.temporal_direction === 'both' ? r.temporal_direction : 'forward',
  }));
}

export function getPredictionSetKey(db: Database, experimentId: string, datasetId: string): string | undefined {
  const r = db
    .prepare(`SELECT prediction_key FROM experiment_predictions WHERE experiment_id = ? AND dataset_id = ?`)
    .get(experimentId, datasetId) as { prediction_key: string } | undefined;
  return r?.prediction_key;
}

/** The prediction of one frame (the newest across datasets when several predicted it). */
export function getPredictionFrame(db: Database, experimentId: string, frameId: string): PredictionFrameRow | undefined {
  return db
    .prepare(`SELECT * FROM experiment_prediction_frames WHERE experiment_id = ? AND frame_id = ? LIMIT 1`)
    .get(experimentId, frameId) as PredictionFrameRow | undefined;
}

export function listPredictionFrames(db: Database, experimentId: string, datasetId: string): PredictionFrameRow[] {
  return db
    .prepare(`SELECT * FROM experiment_prediction_frames WHERE experiment_id = ? AND dataset_id = ? ORDER BY frame_id`)
    .all(experimentId, datasetId) as PredictionFrameRow[];
}
