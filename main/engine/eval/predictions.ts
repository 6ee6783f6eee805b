// Where evaluation reads an experiment's predictions: the per-frame cluster maps (and confidence maps)
// that the experiments' predict job caches in the workspace. This is the only file that knows that
// layout, so the evaluator, the label-free signals and run comparison all read predictions the same way.
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import type { FrameRecord } from '../datasets/frame-source.js';
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
  void db;
  throw new StudioError('unavailable', `experiment '${experimentId}': experiments are not available in this build yet`);
}

export function openPredictionSource(db: Database, workspaceRoot: string, experimentId: string, datasetId: string): PredictionSource {
  void workspaceRoot;
  void datasetId;
  getExperimentInfo(db, experimentId);
  throw new StudioError('unavailable', 'predictions are not available in this build yet');
}

export { readGrayPng };
