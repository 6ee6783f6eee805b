// 003: the model store (ONNX backbones the user added or pulled) and the feature cache: shards of
// float16 tensors keyed by (backbone, preprocessing) = cache_key and frame content hash, plus feature
// sets = one dataset's view of a cache key (what training opens).
import type { Migration } from './types.js';

export const migration003: Migration = {
  version: 3,
  name: 'models-features',
  up(db) {
    db.exec(`
      CREATE TABLE models (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        family      TEXT NOT NULL,           -- dinov2, dino, mae, vit (unknown export)
        file        TEXT NOT NULL,           -- path relative to the workspace root
        sha256      TEXT NOT NULL,
        bytes       INTEGER NOT NULL,
        patch_size  INTEGER NOT NULL,
        dim         INTEGER NOT NULL,
        input_name  TEXT NOT NULL,
        output_name TEXT NOT NULL,
        fixed_height INTEGER,                -- null when the model takes any size
        fixed_width  INTEGER,
        registers   INTEGER,                 -- null until seen at a probe run
        mean        TEXT NOT NULL,           -- JSON [r,g,b]
        std         TEXT NOT NULL,
        source      TEXT NOT NULL,           -- 'file:<original path>' or 'hub:<repo>'
        created_at  TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX models_sha ON models(sha256);

      CREATE TABLE feature_shards (
        id          TEXT PRIMARY KEY,
        cache_key   TEXT NOT NULL,
        file        TEXT NOT NULL,           -- relative to the workspace root
        sha256      TEXT NOT NULL,           -- whole file
        bytes       INTEGER NOT NULL,
        tensors     INTEGER NOT NULL,
        created_at  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX feature_shards_key ON feature_shards(cache_key);

      CREATE TABLE feature_entries (
        cache_key    TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        shard_id     TEXT NOT NULL REFERENCES feature_shards(id) ON DELETE CASCADE,
        first_slot   INTEGER NOT NULL,
        crops        INTEGER NOT NULL,
        PRIMARY KEY (cache_key, content_hash)
      ) STRICT;
      CREATE INDEX feature_entries_shard ON feature_entries(shard_id);

      CREATE TABLE feature_sets (
        id            TEXT PRIMARY KEY,
        dataset_id    TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        backbone      TEXT NOT NULL,         -- 'rgb', 'builtin' or a model name
        backbone_key  TEXT NOT NULL,         -- 'rgb@1', 'builtin@1', 'onnx:<sha256>'
        family        TEXT NOT NULL,
        patch_size    INTEGER NOT NULL,
        preprocessing TEXT NOT NULL,         -- JSON
        cache_key     TEXT NOT NULL,
        provider      TEXT NOT NULL,         -- execution provider used (cpu, cuda, dml, coreml, js)
        grid_h        INTEGER NOT NULL,
        grid_w        INTEGER NOT NULL,
        dim           INTEGER NOT NULL,
        frame_count   INTEGER NOT NULL,
        item_count    INTEGER NOT NULL,
        job_id        TEXT,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX feature_sets_key ON feature_sets(dataset_id, cache_key);
    `);
  },
};
