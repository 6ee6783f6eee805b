// The one way other engine parts (features, training, evaluation, export) read datasets: records with
// absolute paths, and pixel/label readers. Read-only: works on a `readonly` connection inside a worker.
//
// Tables (migration 002): datasets, dataset_sequences, dataset_frames, label_protocols.
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import type { DatasetFormat } from '../../../shared/contract/datasets.js';
import {
  datasetFields,
  getDatasetRow,
  getFrameRow,
  listFrameRows,
  listSequenceSummaries,
  type FrameRow,
} from '../db/queries/datasets.js';
import type { LabelProtocol } from '../../../shared/protocols/index.js';
import { getProtocol } from './protocols.js';

export { readImageRGB, readLabelMap } from '../images/decode.js';
export { getProtocol, listProtocols } from './protocols.js';
export { mapLabels, IGNORE, type LabelProtocol } from '../../../shared/protocols/index.js';

export interface FrameRecord {
  /** Unique in the workspace; stable for the dataset's life (use it as a cache key). */
  readonly id: string;
  readonly datasetId: string;
  readonly sequenceId: string;
  /** Position within its sequence (0-based, temporal order). */
  readonly index: number;
  readonly split: string;
  /** Absolute. */
  readonly imagePath: string;
  /** Absolute raw label map (e.g. *_gtFine_labelIds.png); map values with the dataset's protocol. */
  readonly labelPath: string | null;
  readonly width: number;
  readonly height: number;
  /** Frame stem, e.g. aachen_000000_000019. */
  readonly name: string;
  /** Position within the dataset (0-based; the order of listFrames). */
  readonly ordinal: number;
  /** Video frames: time in the source video, seconds. */
  readonly timeSeconds: number | null;
}

export interface DatasetRecord {
  readonly id: string;
  readonly name: string;
  readonly format: DatasetFormat;
  /** Absolute; every relative path of the dataset is under it. */
  readonly root: string;
  readonly sourcePath: string;
  /** Protocol of the raw label values (e.g. 'cityscapes-27' reads labelIds); null when unlabelled. */
  readonly protocolId: string | null;
  readonly frameCount: number;
  readonly labelledCount: number;
  readonly options: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

export interface SequenceRecord {
  readonly id: string;
  readonly datasetId: string;
  readonly name: string;
  readonly split: string;
  readonly frameCount: number;
}

export function getDataset(db: Database, datasetId: string): DatasetRecord {
  const r = getDatasetRow(db, datasetId);
  if (!r) throw new StudioError('not_found', `dataset '${datasetId}' does not exist in this workspace`, { datasetId });
  return { ...datasetFields(r), options: JSON.parse(r.options) as Record<string, unknown> };
}

export function toFrameRecord(root: string, f: FrameRow): FrameRecord {
  return {
    id: f.id,
    datasetId: f.dataset_id,
    sequenceId: f.sequence_id,
    index: f.idx,
    split: f.split,
    imagePath: path.join(root, f.image_rel),
    labelPath: f.label_rel === null ? null : path.join(root, f.label_rel),
    width: f.width,
    height: f.height,
    name: f.name,
    ordinal: f.ordinal,
    timeSeconds: f.time_s,
  };
}

/** Every frame in dataset order (sequence by sequence, in time order), optionally one split or sequence. */
export function listFrames(
  db: Database,
  datasetId: string,
  options: { split?: string; sequenceId?: string } = {},
): FrameRecord[] {
  const ds = getDataset(db, datasetId);
  return listFrameRows(db, datasetId, options).map((f) => toFrameRecord(ds.root, f));
}

export function getFrame(db: Database, frameId: string): FrameRecord {
  const f = getFrameRow(db, frameId);
  if (!f) throw new StudioError('not_found', `frame '${frameId}' does not exist in this workspace`, { frameId });
  const ds = getDataset(db, f.dataset_id);
  return toFrameRecord(ds.root, f);
}

export function listSequences(db: Database, datasetId: string, options: { split?: string } = {}): SequenceRecord[] {
  getDataset(db, datasetId);
  return listSequenceSummaries(db, datasetId, options.split).map((s) => ({
    id: s.id,
    datasetId: s.datasetId,
    name: s.name,
    split: s.split,
    frameCount: s.frameCount,
  }));
}

/** The protocol that reads this dataset's raw label maps (null when it has no labels). */
export function getDatasetProtocol(db: Database, datasetId: string): LabelProtocol | null {
  const ds = getDataset(db, datasetId);
  return ds.protocolId === null ? null : getProtocol(db, ds.protocolId);
}
