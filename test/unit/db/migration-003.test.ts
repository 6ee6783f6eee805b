// Migration 003 (models, feature cache, feature sets) against an in-memory database.
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../../main/engine/db/connection.js';
import { migration001 } from '../../../main/engine/db/migrations/001-init.js';
import { migration002 } from '../../../main/engine/db/migrations/002-datasets.js';
import { migration003 } from '../../../main/engine/db/migrations/003-models-features.js';
import { entriesByHash, findFeatureSet, insertShard, upsertFeatureSet } from '../../../main/engine/db/queries/features.js';

describe('migration 003 models-features', () => {
  it('creates the store and cache tables; shards cascade to entries, datasets to feature sets', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, [migration001, migration002, migration003]);
    expect(schemaVersion(db)).toBe(3);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type='table'`).all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['models', 'feature_shards', 'feature_entries', 'feature_sets']));

    insertShard(db, { id: 's1', cache_key: 'k', file: 'features/cache/k/s1.csf', sha256: 'x', bytes: 10, tensors: 2 }, [
      { contentHash: 'h1', firstSlot: 0, crops: 1 },
      { contentHash: 'h2', firstSlot: 1, crops: 1 },
    ]);
    // A recomputed frame replaces its entry (the old shard was damaged).
    insertShard(db, { id: 's2', cache_key: 'k', file: 'features/cache/k/s2.csf', sha256: 'y', bytes: 10, tensors: 1 }, [{ contentHash: 'h2', firstSlot: 0, crops: 1 }]);
    expect(entriesByHash(db, 'k').get('h2')?.shard_id).toBe('s2');
    db.prepare(`DELETE FROM feature_shards WHERE id = 's1'`).run();
    expect([...entriesByHash(db, 'k').keys()]).toEqual(['h2']);

    db.prepare(`INSERT INTO datasets (id, name, format, root, source_path, report, created_at) VALUES ('d','n','folder','/r','/r','{}','now')`).run();
    const base = {
      dataset_id: 'd', backbone: 'builtin', backbone_key: 'builtin', family: 'builtin', patch_size: 8,
      preprocessing: '{}', provider: 'js', grid_h: 40, grid_w: 40, dim: 43, frame_count: 1, item_count: 1, job_id: null,
    };
    upsertFeatureSet(db, { ...base, id: 'fs1', cache_key: 'k' });
    upsertFeatureSet(db, { ...base, id: 'fs1', cache_key: 'k', frame_count: 2 });
    expect(findFeatureSet(db, { datasetId: 'd', backbone: 'builtin' })).toMatchObject({ id: 'fs1', frame_count: 2 });
    expect(() => db.prepare(`INSERT INTO feature_sets (id, dataset_id, backbone, backbone_key, family, patch_size, preprocessing, cache_key, provider, grid_h, grid_w, dim, frame_count, item_count, created_at, updated_at) VALUES ('x','d','b','b','b',8,'{}','k','js',1,1,1,1,1,'t','t')`).run()).toThrow(/UNIQUE/);
    db.prepare(`DELETE FROM datasets WHERE id = 'd'`).run();
    expect(findFeatureSet(db, { datasetId: 'd', backbone: 'builtin' })).toBeUndefined();

    db.prepare(`INSERT INTO models (id, name, family, file, sha256, bytes, patch_size, dim, input_name, output_name, mean, std, source, created_at) VALUES ('m','dinov2-s','dinov2','models/a/model.onnx','abc',1,14,384,'pixel_values','last_hidden_state','[]','[]','file:x','t')`).run();
    expect(() => db.prepare(`INSERT INTO models (id, name, family, file, sha256, bytes, patch_size, dim, input_name, output_name, mean, std, source, created_at) VALUES ('m2','other','dinov2','f','abc',1,14,384,'i','o','[]','[]','file:x','t')`).run()).toThrow(/UNIQUE/);
  });
});
