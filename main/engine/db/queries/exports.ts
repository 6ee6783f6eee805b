import type { Database } from 'better-sqlite3';
import type { ExportRecord } from '../../../../shared/contract/exports.js';

interface ExportRow {
  id: string;
  kind: ExportRecord['kind'];
  experiment_id: string | null;
  job_id: string | null;
  path: string;
  bytes: number;
  params: string;
  summary: string;
  created_at: string;
}

const toRecord = (r: ExportRow): ExportRecord => ({
  id: r.id,
  kind: r.kind,
  experimentId: r.experiment_id,
  jobId: r.job_id,
  path: r.path,
  bytes: r.bytes,
  params: JSON.parse(r.params) as Record<string, unknown>,
  summary: JSON.parse(r.summary) as Record<string, unknown>,
  createdAt: r.created_at,
});

export function insertExport(db: Database, e: Omit<ExportRecord, 'createdAt'>): ExportRecord {
  db.prepare(
    `INSERT INTO exports (id, kind, experiment_id, job_id, path, bytes, params, summary, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(e.id, e.kind, e.experimentId, e.jobId, e.path, e.bytes, JSON.stringify(e.params), JSON.stringify(e.summary), new Date().toISOString());
  return getExport(db, e.id)!;
}

export function getExport(db: Database, id: string): ExportRecord | undefined {
  const r = db.prepare('SELECT * FROM exports WHERE id = ?').get(id) as ExportRow | undefined;
  return r && toRecord(r);
}

export function listExports(db: Database, experimentId?: string): ExportRecord[] {
  const rows = experimentId
    ? (db.prepare('SELECT * FROM exports WHERE experiment_id = ? ORDER BY created_at DESC').all(experimentId) as ExportRow[])
    : (db.prepare('SELECT * FROM exports ORDER BY created_at DESC').all() as ExportRow[]);
  return rows.map(toRecord);
}

/** The dataset a sequence belongs to (sequences are owned by the datasets domain). */
export function sequenceDatasetId(db: Database, sequenceId: string): string | undefined {
  const r = db.prepare('SELECT dataset_id FROM dataset_sequences WHERE id = ?').get(sequenceId) as { dataset_id: string } | undefined;
  return r?.dataset_id;
}
