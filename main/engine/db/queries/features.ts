// SQL for the feature cache (shards, entries) and feature sets. Plain functions of (db, ...args);
// the read functions work on a read-only connection (extraction workers use them to skip cached frames).
import type { Database } from 'better-sqlite3';
import type { FeatureSetSummary } from '../../../../shared/contract/backbones.js';

export interface FeatureShardRow {
  id: string;
  cache_key: string;
  file: string;
  sha256: string;
  bytes: number;
  tensors: number;
  created_at: string;
}

export interface FeatureEntryRow {
  cache_key: string;
  content_hash: string;
  shard_id: string;
  first_slot: number;
  crops: number;
}

export interface FeatureSetRow {
  id: string;
  dataset_id: string;
  backbone: string;
  backbone_key: string;
  family: string;
  patch_size: number;
  preprocessing: string;
  cache_key: string;
  provider: string;
  grid_h: number;
  grid_w: number;
  dim: number;
  frame_count: number;
  item_count: number;
  job_id: string | null;
  created_at: string;
  updated_at: string;
}

export function insertShard(
  db: Database,
  shard: Omit<FeatureShardRow, 'created_at'>,
  entries: readonly { contentHash: string; firstSlot: number; crops: number }[],
): void {
  db.prepare(
    `INSERT INTO feature_shards (id, cache_key, file, sha256, bytes, tensors, created_at)
     VALUES (@id, @cache_key, @file, @sha256, @bytes, @tensors, @created_at)`,
  ).run({ ...shard, created_at: new Date().toISOString() });
  // A frame recomputed after its old shard was found corrupt replaces the old entry.
  const put = db.prepare(
    `INSERT OR REPLACE INTO feature_entries (cache_key, content_hash, shard_id, first_slot, crops) VALUES (?, ?, ?, ?, ?)`,
  );
  for (const e of entries) put.run(shard.cache_key, e.contentHash, shard.id, e.firstSlot, e.crops);
}

export function deleteShard(db: Database, shardId: string): FeatureShardRow | undefined {
  const row = db.prepare(`SELECT * FROM feature_shards WHERE id = ?`).get(shardId) as FeatureShardRow | undefined;
  db.prepare(`DELETE FROM feature_shards WHERE id = ?`).run(shardId);
  return row;
}

export function getShard(db: Database, shardId: string): FeatureShardRow | undefined {
  return db.prepare(`SELECT * FROM feature_shards WHERE id = ?`).get(shardId) as FeatureShardRow | undefined;
}

export function listShards(db: Database, cacheKey: string): FeatureShardRow[] {
  return db.prepare(`SELECT * FROM feature_shards WHERE cache_key = ? ORDER BY created_at, id`).all(cacheKey) as FeatureShardRow[];
}

/** Cached entries of a cache key, by content hash. */
export function entriesByHash(db: Database, cacheKey: string): Map<string, FeatureEntryRow> {
  const rows = db.prepare(`SELECT * FROM feature_entries WHERE cache_key = ?`).all(cacheKey) as FeatureEntryRow[];
  return new Map(rows.map((r) => [r.content_hash, r]));
}

export function upsertFeatureSet(db: Database, row: Omit<FeatureSetRow, 'created_at' | 'updated_at'>): FeatureSetRow {
  const now = new Date().toISOString();
  const existing = db
    .prepare(`SELECT * FROM feature_sets WHERE dataset_id = ? AND cache_key = ?`)
    .get(row.dataset_id, row.cache_key) as FeatureSetRow | undefined;
  if (existing) {
    db.prepare(
      `UPDATE feature_sets SET provider = @provider, frame_count = @frame_count, item_count = @item_count,
         job_id = @job_id, updated_at = @updated_at WHERE id = @id`,
    ).run({ ...row, id: existing.id, updated_at: now });
    return { ...existing, ...row, id: existing.id, created_at: existing.created_at, updated_at: now };
  }
  const full: FeatureSetRow = { ...row, created_at: now, updated_at: now };
  db.prepare(
    `INSERT INTO feature_sets (id, dataset_id, backbone, backbone_key, family, patch_size, preprocessing, cache_key,
       provider, grid_h, grid_w, dim, frame_count, item_count, job_id, created_at, updated_at)
     VALUES (@id, @dataset_id, @backbone, @backbone_key, @family, @patch_size, @preprocessing, @cache_key,
       @provider, @grid_h, @grid_w, @dim, @frame_count, @item_count, @job_id, @created_at, @updated_at)`,
  ).run(full);
  return full;
}

export function getFeatureSet(db: Database, id: string): FeatureSetRow | undefined {
  return db.prepare(`SELECT * FROM feature_sets WHERE id = ?`).get(id) as FeatureSetRow | undefined;
}

export function listFeatureSets(db: Database, datasetId?: string): FeatureSetRow[] {
  return (
    datasetId === undefined
      ? db.prepare(`SELECT * FROM feature_sets ORDER BY created_at`).all()
      : db.prepare(`SELECT * FROM feature_sets WHERE dataset_id = ? ORDER BY created_at`).all(datasetId)
  ) as FeatureSetRow[];
}

/**
 * The feature set for (dataset, backbone[, cache key]). With several preprocessings for the same
 * backbone, pass `cacheKey` (from `featureCacheKey`) or take the most recently updated one.
 */
export function findFeatureSet(
  db: Database,
  query: { datasetId: string; backbone: string; cacheKey?: string },
): FeatureSetRow | undefined {
  const rows = (
    query.cacheKey === undefined
      ? db
          .prepare(`SELECT * FROM feature_sets WHERE dataset_id = ? AND backbone = ? ORDER BY updated_at DESC`)
          .all(query.datasetId, query.backbone)
      : db
          .prepare(`SELECT * FROM feature_sets WHERE dataset_id = ? AND backbone = ? AND cache_key = ? ORDER BY updated_at DESC`)
          .all(query.datasetId, query.backbone, query.cacheKey)
  ) as FeatureSetRow[];
  return rows[0];
}

export function deleteFeatureSet(db: Database, id: string): void {
  db.prepare(`DELETE FROM feature_sets WHERE id = ?`).run(id);
}

export function toFeatureSetSummary(row: FeatureSetRow): FeatureSetSummary {
  return {
    id: row.id,
    datasetId: row.dataset_id,
    backbone: row.backbone,
    family: row.family,
    patchSize: row.patch_size,
    preprocessing: JSON.parse(row.preprocessing) as FeatureSetSummary['preprocessing'],
    cacheKey: row.cache_key,
    provider: row.provider,
    grid: { h: row.grid_h, w: row.grid_w },
    dim: row.dim,
    frameCount: row.frame_count,
    itemCount: row.item_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    jobId: row.job_id,
  };
}
