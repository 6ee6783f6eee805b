// SQL for the model store (ONNX backbones registered in the workspace).
import type { Database } from 'better-sqlite3';
import type { ModelSummary } from '../../../../shared/contract/backbones.js';

export interface ModelRow {
  id: string;
  name: string;
  family: string;
  file: string;
  sha256: string;
  bytes: number;
  patch_size: number;
  dim: number;
  input_name: string;
  output_name: string;
  fixed_height: number | null;
  fixed_width: number | null;
  registers: number | null;
  mean: string;
  std: string;
  source: string;
  created_at: string;
}

export function insertModel(db: Database, row: ModelRow): void {
  db.prepare(
    `INSERT INTO models (id, name, family, file, sha256, bytes, patch_size, dim, input_name, output_name,
       fixed_height, fixed_width, registers, mean, std, source, created_at)
     VALUES (@id, @name, @family, @file, @sha256, @bytes, @patch_size, @dim, @input_name, @output_name,
       @fixed_height, @fixed_width, @registers, @mean, @std, @source, @created_at)`,
  ).run(row);
}

export function getModelByName(db: Database, name: string): ModelRow | undefined {
  return db.prepare(`SELECT * FROM models WHERE name = ?`).get(name) as ModelRow | undefined;
}

export function getModelBySha(db: Database, sha256: string): ModelRow | undefined {
  return db.prepare(`SELECT * FROM models WHERE sha256 = ?`).get(sha256) as ModelRow | undefined;
}

export function listModels(db: Database): ModelRow[] {
  return db.prepare(`SELECT * FROM models ORDER BY created_at, name`).all() as ModelRow[];
}

export function deleteModel(db: Database, name: string): boolean {
  return db.prepare(`DELETE FROM models WHERE name = ?`).run(name).changes > 0;
}

/** `attention` comes from the model's folder (whether the store made a fused variant), not the row. */
export function toModelSummary(row: ModelRow, attention: ModelSummary['attention']): ModelSummary {
  return {
    name: row.name,
    family: row.family,
    sha256: row.sha256,
    bytes: row.bytes,
    patchSize: row.patch_size,
    dim: row.dim,
    fixedSize: row.fixed_height !== null && row.fixed_width !== null ? { width: row.fixed_width, height: row.fixed_height } : null,
    source: row.source,
    createdAt: row.created_at,
    attention,
  };
}
