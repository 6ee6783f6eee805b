// 005: evaluation. Cluster×class histograms (whole dataset + one sparse histogram per frame) so that any
// mapping can be re-scored without touching pixels; versioned cluster→class mappings per experiment;
// label-free signals per (experiment, dataset); and the last score of each (histogram, mapping) for
// listings. Histograms are keyed by what they were computed from (prediction_key) so a re-trained or
// re-predicted experiment never reuses a stale one.
import type { Migration } from './types.js';

export const migration005: Migration = {
  version: 5,
  name: 'evaluation',
  up(db) {
    db.exec(`
      CREATE TABLE eval_histograms (
        id             TEXT PRIMARY KEY,
        experiment_id  TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        dataset_id     TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        split          TEXT,                 -- null: every labelled frame of the dataset
        protocol_id    TEXT NOT NULL,
        protocol       TEXT NOT NULL,        -- JSON {id, classNames, categories}: scores stay readable if a custom protocol goes
        geometry       TEXT NOT NULL CHECK (geometry IN ('reference','full')),
        prediction_key TEXT NOT NULL,        -- identity of the predictions scored (changes when they are redone)
        clusters       INTEGER NOT NULL CHECK (clusters > 0),
        classes        INTEGER NOT NULL CHECK (classes > 0),
        frame_count    INTEGER NOT NULL,
        pixel_count    REAL NOT NULL,
        histogram      BLOB NOT NULL,        -- float64 little-endian, clusters × classes, row-major
        job_id         TEXT,
        created_at     TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX eval_histograms_key
        ON eval_histograms(experiment_id, dataset_id, ifnull(split, ''), protocol_id, geometry, prediction_key);
      CREATE INDEX eval_histograms_experiment ON eval_histograms(experiment_id, created_at);

      CREATE TABLE eval_frame_histograms (
        histogram_id TEXT NOT NULL REFERENCES eval_histograms(id) ON DELETE CASCADE,
        frame_id     TEXT NOT NULL,
        ordinal      INTEGER NOT NULL,       -- position in the evaluated list
        pixels       REAL NOT NULL,
        cells        BLOB NOT NULL,          -- sparse: u32 n, u32 cell indices, f64 counts (see eval/histogram.ts)
        PRIMARY KEY (histogram_id, frame_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE mappings (
        id             TEXT PRIMARY KEY,
        experiment_id  TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        version        INTEGER NOT NULL,     -- 1, 2, ... per experiment
        name           TEXT NOT NULL,
        method         TEXT NOT NULL CHECK (method IN ('hungarian','majority','manual')),
        protocol_id    TEXT NOT NULL,
        clusters       INTEGER NOT NULL,
        document       TEXT NOT NULL,        -- the validated mapping JSON (shared/metrics/mapping-file.ts)
        parent_id      TEXT REFERENCES mappings(id) ON DELETE SET NULL,
        histogram_id   TEXT REFERENCES eval_histograms(id) ON DELETE SET NULL,
        created_at     TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX mappings_version ON mappings(experiment_id, version);

      CREATE TABLE eval_scores (
        histogram_id   TEXT NOT NULL REFERENCES eval_histograms(id) ON DELETE CASCADE,
        mapping_key    TEXT NOT NULL,        -- a mapping id, or 'hungarian' / 'majority' computed on the fly
        miou           REAL,
        pixel_accuracy REAL,
        report         TEXT NOT NULL,        -- JSON EvalReport
        created_at     TEXT NOT NULL,
        PRIMARY KEY (histogram_id, mapping_key)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE label_free_signals (
        id             TEXT PRIMARY KEY,
        experiment_id  TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        dataset_id     TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        split          TEXT,
        geometry       TEXT NOT NULL CHECK (geometry IN ('reference','full')),
        prediction_key TEXT NOT NULL,
        summary        TEXT NOT NULL,        -- JSON LabelFreeReport
        job_id         TEXT,
        created_at     TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX label_free_key
        ON label_free_signals(experiment_id, dataset_id, ifnull(split, ''), geometry, prediction_key);
    `);
  },
};
