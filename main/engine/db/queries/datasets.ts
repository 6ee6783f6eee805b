// SQL for datasets, sequences, frames and custom label protocols. Plain functions of (db, ...args).
// Readers (frame-source, workers) only call the read functions, so they work on a read-only connection.
import type { Database } from 'better-sqlite3';
import type {
  DatasetFormat,
  DatasetSummary,
  PreflightReport,
  SequenceSummary,
} from '../../../../shared/contract/datasets.js';

export interface DatasetRow {
  id: string;
  name: string;
  format: DatasetFormat;
  root: string;
  source_path: string;
  protocol_id: string | null;
  managed_root: number;
  frame_count: number;
  labelled_count: number;
  report: string;
  options: string;
  created_at: string;
}

export interface FrameRow {
  id: string;
  dataset_id: string;
  sequence_id: string;
  ordinal: number;
  idx: number;
  split: string;
  name: string;
  image_rel: string;
  image_size: number;
  image_mtime: number;
  label_rel: string | null;
  label_size: number | null;
  label_mtime: number | null;
  width: number;
  height: number;
  time_s: number | null;
}

export interface NewSequence {
  id: string;
  name: string;
  split: string;
  ordinal: number;
  frameCount: number;
  labelledCount: number;
}

export interface NewFrame {
  id: string;
  sequenceId: string;
  ordinal: number;
  index: number;
  split: string;
  name: string;
  imageRel: string;
  imageSize: number;
  imageMtime: number;
  labelRel: string | null;
  labelSize: number | null;
  labelMtime: number | null;
  width: number;
  height: number;
  timeSeconds: number | null;
}

export interface NewDataset {
  id: string;
  name: string;
  format: DatasetFormat;
  root: string;
  sourcePath: string;
  protocolId: string | null;
  managedRoot: boolean;
  report: PreflightReport;
  options: Record<string, unknown>;
}

/** Writes a dataset with all its sequences and frames at once (nested in the caller's transaction if any). */
export function insertDataset(db: Database, ds: NewDataset, sequences: NewSequence[], frames: NewFrame[]): void {
  const labelled = frames.filter((f) => f.labelRel !== null).length;
  db.transaction(() => {
    db.prepare(
      `INSERT INTO datasets (id, name, format, root, source_path, protocol_id, managed_root, frame_count,
         labelled_count, report, options, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      ds.id,
      ds.name,
      ds.format,
      ds.root,
      ds.sourcePath,
      ds.protocolId,
      ds.managedRoot ? 1 : 0,
      frames.length,
      labelled,
      JSON.stringify(ds.report),
      JSON.stringify(ds.options),
      new Date().toISOString(),
    );
    const seq = db.prepare(
      `INSERT INTO dataset_sequences (id, dataset_id, name, split, ordinal, frame_count, labelled_count)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const s of sequences) seq.run(s.id, ds.id, s.name, s.split, s.ordinal, s.frameCount, s.labelledCount);
    const fr = db.prepare(
      `INSERT INTO dataset_frames (id, dataset_id, sequence_id, ordinal, idx, split, name, image_rel, image_size,
         image_mtime, label_rel, label_size, label_mtime, width, height, time_s)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const f of frames) {
      fr.run(
        f.id,
        ds.id,
        f.sequenceId,
        f.ordinal,
        f.index,
        f.split,
        f.name,
        f.imageRel,
        f.imageSize,
        f.imageMtime,
        f.labelRel,
        f.labelSize,
        f.labelMtime,
        f.width,
        f.height,
        f.timeSeconds,
      );
    }
  })();
}

export function getDatasetRow(db: Database, id: string): DatasetRow | undefined {
  return db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
}

/** The columns every dataset view shares, in the contract's names (one mapping, so a new column lands once). */
export function datasetFields(r: DatasetRow) {
  return {
    id: r.id,
    name: r.name,
    format: r.format,
    root: r.root,
    sourcePath: r.source_path,
    protocolId: r.protocol_id,
    frameCount: r.frame_count,
    labelledCount: r.labelled_count,
    createdAt: r.created_at,
  };
}

function summaryOf(db: Database, r: DatasetRow): DatasetSummary {
  const splits = (
    db.prepare('SELECT DISTINCT split FROM dataset_sequences WHERE dataset_id = ? ORDER BY split').all(r.id) as {
      split: string;
    }[]
  ).map((s) => s.split);
  const seqCount = (
    db.prepare('SELECT COUNT(*) AS n FROM dataset_sequences WHERE dataset_id = ?').get(r.id) as { n: number }
  ).n;
  return { ...datasetFields(r), sequenceCount: seqCount, splits };
}

export function listDatasetSummaries(db: Database): DatasetSummary[] {
  const rows = db.prepare('SELECT * FROM datasets ORDER BY created_at, id').all() as DatasetRow[];
  return rows.map((r) => summaryOf(db, r));
}

export function getDatasetSummary(db: Database, id: string): DatasetSummary | undefined {
  const r = getDatasetRow(db, id);
  return r ? summaryOf(db, r) : undefined;
}

/** A dataset whose id or (unique) name matches, so the CLI can take either. */
export function findDatasetRow(db: Database, idOrName: string): DatasetRow | undefined {
  const byId = getDatasetRow(db, idOrName);
  if (byId) return byId;
  const byName = db.prepare('SELECT * FROM datasets WHERE name = ?').all(idOrName) as DatasetRow[];
  return byName.length === 1 ? byName[0] : undefined;
}

export function deleteDatasetRows(db: Database, id: string): boolean {
  return db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes > 0;
}

export function listSequenceSummaries(db: Database, datasetId: string, split?: string): SequenceSummary[] {
  const rows = db
    .prepare(
      `SELECT s.*, (SELECT f.id FROM dataset_frames f WHERE f.sequence_id = s.id ORDER BY f.idx LIMIT 1) AS first_frame
       FROM dataset_sequences s WHERE s.dataset_id = ? ${split !== undefined ? 'AND s.split = ?' : ''}
       ORDER BY s.ordinal`,
    )
    .all(...(split !== undefined ? [datasetId, split] : [datasetId])) as {
    id: string;
    dataset_id: string;
    name: string;
    split: string;
    ordinal: number;
    frame_count: number;
    labelled_count: number;
    first_frame: string | null;
  }[];
  return rows.map((r) => ({
    id: r.id,
    datasetId: r.dataset_id,
    name: r.name,
    split: r.split,
    ordinal: r.ordinal,
    frameCount: r.frame_count,
    labelledCount: r.labelled_count,
    firstFrameId: r.first_frame,
  }));
}

export interface FrameFilter {
  split?: string | undefined;
  sequenceId?: string | undefined;
}

function frameWhere(datasetId: string, filter: FrameFilter): { sql: string; args: unknown[] } {
  let sql = 'dataset_id = ?';
  const args: unknown[] = [datasetId];
  if (filter.split !== undefined) {
    sql += ' AND split = ?';
    args.push(filter.split);
  }
  if (filter.sequenceId !== undefined) {
    sql += ' AND sequence_id = ?';
    args.push(filter.sequenceId);
  }
  return { sql, args };
}

/** Frames in dataset order (sequence by sequence, frame by frame); paged when limit is given. */
export function listFrameRows(
  db: Database,
  datasetId: string,
  filter: FrameFilter = {},
  page?: { offset: number; limit: number },
): FrameRow[] {
  const w = frameWhere(datasetId, filter);
  const paging = page ? ' LIMIT ? OFFSET ?' : '';
  const args = page ? [...w.args, page.limit, page.offset] : w.args;
  return db.prepare(`SELECT * FROM dataset_frames WHERE ${w.sql} ORDER BY ordinal${paging}`).all(...args) as FrameRow[];
}

export function countFrameRows(db: Database, datasetId: string, filter: FrameFilter = {}): number {
  const w = frameWhere(datasetId, filter);
  return (db.prepare(`SELECT COUNT(*) AS n FROM dataset_frames WHERE ${w.sql}`).get(...w.args) as { n: number }).n;
}

export function getFrameRow(db: Database, frameId: string): FrameRow | undefined {
  return db.prepare('SELECT * FROM dataset_frames WHERE id = ?').get(frameId) as FrameRow | undefined;
}

export interface ProtocolRow {
  id: string;
  name: string;
  definition: string;
  source_path: string | null;
  created_at: string;
}

/** Custom protocols are stored by content, so a dataset keeps its protocol when the JSON file moves. */
export function upsertProtocolRow(db: Database, p: { id: string; name: string; definition: unknown; sourcePath: string | null }): void {
  db.prepare(
    `INSERT INTO label_protocols (id, name, definition, source_path, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET name = excluded.name, definition = excluded.definition, source_path = excluded.source_path`,
  ).run(p.id, p.name, JSON.stringify(p.definition), p.sourcePath, new Date().toISOString());
}

export function getProtocolRow(db: Database, id: string): ProtocolRow | undefined {
  return db.prepare('SELECT * FROM label_protocols WHERE id = ?').get(id) as ProtocolRow | undefined;
}

export function listProtocolRows(db: Database): ProtocolRow[] {
  return db.prepare('SELECT * FROM label_protocols ORDER BY id').all() as ProtocolRow[];
}
