// SQL for evaluation histograms, mappings, scores and label-free signals. Plain functions of (db, ...).
import type { Database } from 'better-sqlite3';

export interface HistogramRow {
  id: string;
  experiment_id: string;
  dataset_id: string;
  split: string | null;
  protocol_id: string;
  protocol: string;
  geometry: 'reference' | 'full';
  prediction_key: string;
  clusters: number;
  classes: number;
  frame_count: number;
  pixel_count: number;
  histogram: Buffer;
  job_id: string | null;
  created_at: string;
}

export type HistogramMeta = Omit<HistogramRow, 'histogram'>;

const META_COLUMNS =
  'id, experiment_id, dataset_id, split, protocol_id, protocol, geometry, prediction_key, clusters, classes, frame_count, pixel_count, job_id, created_at';

export interface NewHistogram {
  id: string;
  experimentId: string;
  datasetId: string;
  split: string | null;
  protocolId: string;
  protocol: string;
  geometry: 'reference' | 'full';
  predictionKey: string;
  clusters: number;
  classes: number;
  frameCount: number;
  pixelCount: number;
  histogram: Uint8Array;
  jobId: string | null;
  createdAt: string;
}

/** Replaces a histogram with the same key (a forced re-run), so the key stays unique. */
export function insertHistogram(db: Database, h: NewHistogram): void {
  db.prepare(
    `DELETE FROM eval_histograms WHERE experiment_id = ? AND dataset_id = ? AND ifnull(split, '') = ifnull(?, '')
       AND protocol_id = ? AND geometry = ? AND prediction_key = ?`,
  ).run(h.experimentId, h.datasetId, h.split, h.protocolId, h.geometry, h.predictionKey);
  db.prepare(
    `INSERT INTO eval_histograms (id, experiment_id, dataset_id, split, protocol_id, protocol, geometry, prediction_key,
       clusters, classes, frame_count, pixel_count, histogram, job_id, created_at)
     VALUES (@id, @experimentId, @datasetId, @split, @protocolId, @protocol, @geometry, @predictionKey,
       @clusters, @classes, @frameCount, @pixelCount, @histogram, @jobId, @createdAt)`,
  ).run({ ...h, histogram: Buffer.from(h.histogram.buffer, h.histogram.byteOffset, h.histogram.byteLength) });
}

export function insertFrameHistograms(
  db: Database,
  histogramId: string,
  frames: readonly { frameId: string; ordinal: number; pixels: number; cells: Uint8Array }[],
): void {
  const stmt = db.prepare(
    'INSERT INTO eval_frame_histograms (histogram_id, frame_id, ordinal, pixels, cells) VALUES (?, ?, ?, ?, ?)',
  );
  for (const f of frames) {
    stmt.run(histogramId, f.frameId, f.ordinal, f.pixels, Buffer.from(f.cells.buffer, f.cells.byteOffset, f.cells.byteLength));
  }
}

export function findHistogram(
  db: Database,
  key: { experimentId: string; datasetId: string; split: string | null; protocolId: string; geometry: string; predictionKey: string },
): HistogramMeta | undefined {
  return db
    .prepare(
      `SELECT ${META_COLUMNS} FROM eval_histograms WHERE experiment_id = ? AND dataset_id = ? AND ifnull(split, '') = ifnull(?, '')
         AND protocol_id = ? AND geometry = ? AND prediction_key = ?`,
    )
    .get(key.experimentId, key.datasetId, key.split, key.protocolId, key.geometry, key.predictionKey) as HistogramMeta | undefined;
}

export function getHistogramRow(db: Database, id: string): HistogramRow | undefined {
  return db.prepare('SELECT * FROM eval_histograms WHERE id = ?').get(id) as HistogramRow | undefined;
}

export function listHistogramMeta(db: Database, experimentId?: string): HistogramMeta[] {
  if (experimentId === undefined) {
    return db.prepare(`SELECT ${META_COLUMNS} FROM eval_histograms ORDER BY created_at DESC, id`).all() as HistogramMeta[];
  }
  return db
    .prepare(`SELECT ${META_COLUMNS} FROM eval_histograms WHERE experiment_id = ? ORDER BY created_at DESC, id`)
    .all(experimentId) as HistogramMeta[];
}

export interface FrameHistogramRow {
  frame_id: string;
  ordinal: number;
  pixels: number;
  cells: Buffer;
  name: string | null;
  sequence_id: string | null;
}

/** Per-frame histograms in evaluation order, with the frame's name and sequence when it still exists. */
export function listFrameHistograms(db: Database, histogramId: string): FrameHistogramRow[] {
  return db
    .prepare(
      `SELECT h.frame_id, h.ordinal, h.pixels, h.cells, f.name, f.sequence_id
         FROM eval_frame_histograms h LEFT JOIN dataset_frames f ON f.id = h.frame_id
        WHERE h.histogram_id = ? ORDER BY h.ordinal`,
    )
    .all(histogramId) as FrameHistogramRow[];
}

export interface MappingRow {
  id: string;
  experiment_id: string;
  version: number;
  name: string;
  method: 'hungarian' | 'majority' | 'manual';
  protocol_id: string;
  clusters: number;
  document: string;
  parent_id: string | null;
  histogram_id: string | null;
  created_at: string;
}

/** Inserts the experiment's next version; returns the version number. Call inside a transaction. */
export function insertMapping(db: Database, m: Omit<MappingRow, 'version'>): number {
  const row = db.prepare('SELECT ifnull(max(version), 0) AS v FROM mappings WHERE experiment_id = ?').get(m.experiment_id) as { v: number };
  const version = row.v + 1;
  db.prepare(
    `INSERT INTO mappings (id, experiment_id, version, name, method, protocol_id, clusters, document, parent_id, histogram_id, created_at)
     VALUES (@id, @experiment_id, @version, @name, @method, @protocol_id, @clusters, @document, @parent_id, @histogram_id, @created_at)`,
  ).run({ ...m, version });
  return version;
}

export function getMappingRow(db: Database, id: string): MappingRow | undefined {
  return db.prepare('SELECT * FROM mappings WHERE id = ?').get(id) as MappingRow | undefined;
}

export function listMappingRows(db: Database, experimentId: string): MappingRow[] {
  return db.prepare('SELECT * FROM mappings WHERE experiment_id = ? ORDER BY version DESC').all(experimentId) as MappingRow[];
}

export function upsertScore(
  db: Database,
  s: { histogramId: string; mappingKey: string; miou: number | null; pixelAccuracy: number | null; report: string; createdAt: string },
): void {
  db.prepare(
    `INSERT INTO eval_scores (histogram_id, mapping_key, miou, pixel_accuracy, report, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (histogram_id, mapping_key) DO UPDATE SET miou = excluded.miou, pixel_accuracy = excluded.pixel_accuracy,
       report = excluded.report, created_at = excluded.created_at`,
  ).run(s.histogramId, s.mappingKey, s.miou, s.pixelAccuracy, s.report, s.createdAt);
}

export function listScores(db: Database, histogramId: string): { mapping_key: string; miou: number | null; pixel_accuracy: number | null }[] {
  return db
    .prepare('SELECT mapping_key, miou, pixel_accuracy FROM eval_scores WHERE histogram_id = ? ORDER BY created_at')
    .all(histogramId) as { mapping_key: string; miou: number | null; pixel_accuracy: number | null }[];
}

export interface LabelFreeRow {
  id: string;
  experiment_id: string;
  dataset_id: string;
  split: string | null;
  geometry: 'reference' | 'full';
  prediction_key: string;
  summary: string;
  job_id: string | null;
  created_at: string;
}

export function upsertLabelFree(db: Database, r: LabelFreeRow): void {
  db.prepare(
    `DELETE FROM label_free_signals WHERE experiment_id = ? AND dataset_id = ? AND ifnull(split, '') = ifnull(?, '')
       AND geometry = ? AND prediction_key = ?`,
  ).run(r.experiment_id, r.dataset_id, r.split, r.geometry, r.prediction_key);
  db.prepare(
    `INSERT INTO label_free_signals (id, experiment_id, dataset_id, split, geometry, prediction_key, summary, job_id, created_at)
     VALUES (@id, @experiment_id, @dataset_id, @split, @geometry, @prediction_key, @summary, @job_id, @created_at)`,
  ).run(r);
}

export function listLabelFree(db: Database, experimentId: string): LabelFreeRow[] {
  return db
    .prepare('SELECT * FROM label_free_signals WHERE experiment_id = ? ORDER BY created_at DESC')
    .all(experimentId) as LabelFreeRow[];
}
