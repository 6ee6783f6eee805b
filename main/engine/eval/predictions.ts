// Where evaluation reads an experiment's predictions: the per-frame cluster maps and confidence maps the
// experiments' predict job caches in the workspace (rows in experiment_prediction_frames, files relative
// to the workspace root). This is the only eval file that knows that layout, so the evaluator, the
// label-free signals and run comparison all read predictions the same way.
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import type { FrameRecord } from '../datasets/frame-source.js';
import { getExperimentRow, getPredictionSetKey, listPredictionFrames, type PredictionFrameRow } from '../db/queries/experiments.js';
import { readGrayPng, type GrayImage16 } from './cluster-png.js';
import type { ClusterMap } from './histogram.js';

export interface ExperimentInfo {
  readonly id: string;
  readonly name: string;
  readonly clusters: number;
  readonly datasetId: string;
}

export interface PredictionSource {
  readonly experimentId: string;
  readonly datasetId: string;
  readonly clusters: number;
  /** Identity of this set of predictions: changes whenever they are recomputed. */
  readonly key: string;
  has(frame: FrameRecord): boolean;
  clusterPath(frame: FrameRecord): string;
  confidencePath(frame: FrameRecord): string | null;
  readClusters(frame: FrameRecord): Promise<ClusterMap>;
  readConfidence(frame: FrameRecord): Promise<GrayImage16 | null>;
}

export function getExperimentInfo(db: Database, experimentId: string): ExperimentInfo {
  const r = getExperimentRow(db, experimentId);
  if (!r) throw new StudioError('not_found', `experiment '${experimentId}' does not exist in this workspace`, { experimentId });
  return { id: r.id, name: r.name, clusters: r.clusters, datasetId: r.dataset_id };
}

export function openPredictionSource(db: Database, workspaceRoot: string, experimentId: string, datasetId: string): PredictionSource {
  const exp = getExperimentInfo(db, experimentId);
  const key = getPredictionSetKey(db, experimentId, datasetId);
  if (key === undefined) {
    throw new StudioError(
      'not_found',
      `experiment '${experimentId}' has no predictions for dataset '${datasetId}'; run \`cause-studio predict --experiment ${experimentId} --dataset ${datasetId}\` first`,
      { experimentId, datasetId },
    );
  }
  return predictionSourceFromRows(workspaceRoot, { experimentId, datasetId, clusters: exp.clusters, key }, listPredictionFrames(db, experimentId, datasetId));
}

/** The same source from rows the caller already has: a pool worker gets them in its task and opens no database. */
export function predictionSourceFromRows(
  workspaceRoot: string,
  info: { experimentId: string; datasetId: string; clusters: number; key: string },
  rows: readonly Pick<PredictionFrameRow, 'frame_id' | 'cluster_file' | 'confidence_file' | 'width' | 'height'>[],
): PredictionSource {
  const { experimentId, datasetId, key } = info;
  const byFrame = new Map<string, Pick<PredictionFrameRow, 'frame_id' | 'cluster_file' | 'confidence_file' | 'width' | 'height'>>();
  for (const r of rows) byFrame.set(r.frame_id, r);
  const row = (f: FrameRecord) => {
    const r = byFrame.get(f.id);
    if (!r) throw new StudioError('not_found', `experiment '${experimentId}' has no prediction for frame ${f.name} (${f.id})`);
    return r;
  };
  const abs = (rel: string) => path.resolve(workspaceRoot, rel);
  return {
    experimentId,
    datasetId,
    clusters: info.clusters,
    key,
    has: (f) => byFrame.has(f.id),
    clusterPath: (f) => abs(row(f).cluster_file),
    confidencePath: (f) => abs(row(f).confidence_file),
    async readClusters(f) {
      const r = row(f);
      const m = await readGrayPng(abs(r.cluster_file), 'cluster map');
      if (m.width !== r.width || m.height !== r.height) {
        throw new StudioError('invalid_input', `${abs(r.cluster_file)}: cluster map is ${m.width}×${m.height}, recorded as ${r.width}×${r.height}`);
      }
      return m;
    },
    async readConfidence(f) {
      const r = row(f);
      return readGrayPng(abs(r.confidence_file), 'confidence map');
    },
  };
}
