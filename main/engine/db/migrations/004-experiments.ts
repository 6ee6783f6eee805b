// 004: experiments (a training run on one feature set, with its versioned config), their metrics time
// series (one row per metric and global step; re-emitting a step after a resume overwrites it with the
// same value), and their predictions (per dataset, one row per frame naming its cluster/confidence PNGs).
// Training status beyond 'created'/'trained' is read from the training job's state, never duplicated.
import type { Migration } from './types.js';

export const migration004: Migration = {
  version: 4,
  name: 'experiments',
  up(db) {
    db.exec(`
      CREATE TABLE experiments (
        id             TEXT PRIMARY KEY,
        name           TEXT NOT NULL,
        dataset_id     TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        feature_set_id TEXT NOT NULL,
        backbone       TEXT NOT NULL,
        method         TEXT NOT NULL CHECK (method IN ('cause-mlp','cause-tr','kmeans')),
        clusters       INTEGER NOT NULL CHECK (clusters >= 2),
        preset         TEXT NOT NULL,
        seed           INTEGER NOT NULL,
        config         TEXT NOT NULL,        -- JSON TrainConfig with its schemaVersion
        status         TEXT NOT NULL CHECK (status IN ('created','trained')),
        backend        TEXT,                 -- the TensorFlow.js backend the run used
        train_job_id   TEXT REFERENCES jobs(id) ON DELETE SET NULL,
        model_file     TEXT,                 -- relative to the workspace root
        summary        TEXT,                 -- JSON, written when training completes
        created_at     TEXT NOT NULL,
        finished_at    TEXT
      ) STRICT;
      CREATE INDEX experiments_dataset ON experiments(dataset_id, created_at);

      CREATE TABLE experiment_metrics (
        experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        name          TEXT NOT NULL,
        step          INTEGER NOT NULL,
        value         REAL,                  -- NULL where the value was not a number (a skipped step)
        PRIMARY KEY (experiment_id, name, step)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE experiment_predictions (
        experiment_id  TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        dataset_id     TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        feature_set_id TEXT NOT NULL,
        job_id         TEXT REFERENCES jobs(id) ON DELETE SET NULL,
        prediction_key TEXT NOT NULL,        -- new each time the predictions are redone
        frame_count    INTEGER NOT NULL,
        created_at     TEXT NOT NULL,
        PRIMARY KEY (experiment_id, dataset_id)
      ) STRICT;

      CREATE TABLE experiment_prediction_frames (
        experiment_id   TEXT NOT NULL,
        dataset_id      TEXT NOT NULL,
        frame_id        TEXT NOT NULL,
        cluster_file    TEXT NOT NULL,       -- relative to the workspace root
        confidence_file TEXT NOT NULL,
        width           INTEGER NOT NULL,
        height          INTEGER NOT NULL,
        PRIMARY KEY (experiment_id, dataset_id, frame_id),
        FOREIGN KEY (experiment_id, dataset_id)
          REFERENCES experiment_predictions(experiment_id, dataset_id) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
