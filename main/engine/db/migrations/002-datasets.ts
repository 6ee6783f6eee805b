// 002: datasets registered where they lie (root + relative paths, size, mtime), their sequences and
// ordered frames, the preflight report, and custom label protocols imported from JSON.
import type { Migration } from './types.js';

export const migration002: Migration = {
  version: 2,
  name: 'datasets',
  up(db) {
    db.exec(`
      CREATE TABLE datasets (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        format       TEXT NOT NULL CHECK (format IN ('cityscapes','bdd100k','folder','video','synthdrive')),
        root         TEXT NOT NULL,          -- absolute; frame paths are relative to it
        source_path  TEXT NOT NULL,          -- what the user imported (a folder, or a video file)
        protocol_id  TEXT,                   -- label protocol of the raw label values (null: no labels)
        managed_root INTEGER NOT NULL DEFAULT 0, -- 1 when root is a workspace cache we may delete (video frames)
        frame_count  INTEGER NOT NULL DEFAULT 0,
        labelled_count INTEGER NOT NULL DEFAULT 0,
        report       TEXT NOT NULL,          -- JSON preflight report
        options      TEXT NOT NULL DEFAULT '{}', -- JSON import options (fps, size, split...)
        created_at   TEXT NOT NULL
      ) STRICT;

      CREATE TABLE dataset_sequences (
        id          TEXT PRIMARY KEY,
        dataset_id  TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        split       TEXT NOT NULL,
        ordinal     INTEGER NOT NULL,
        frame_count INTEGER NOT NULL DEFAULT 0,
        labelled_count INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE UNIQUE INDEX dataset_sequences_order ON dataset_sequences(dataset_id, ordinal);

      CREATE TABLE dataset_frames (
        id           TEXT PRIMARY KEY,
        dataset_id   TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        sequence_id  TEXT NOT NULL REFERENCES dataset_sequences(id) ON DELETE CASCADE,
        ordinal      INTEGER NOT NULL,       -- position in the whole dataset (stable paging order)
        idx          INTEGER NOT NULL,       -- position in its sequence
        split        TEXT NOT NULL,
        name         TEXT NOT NULL,          -- frame stem, e.g. aachen_000000_000019
        image_rel    TEXT NOT NULL,
        image_size   INTEGER NOT NULL,
        image_mtime  REAL NOT NULL,
        label_rel    TEXT,
        label_size   INTEGER,
        label_mtime  REAL,
        width        INTEGER NOT NULL,
        height       INTEGER NOT NULL,
        time_s       REAL                    -- video frames: presentation time in the source
      ) STRICT;
      CREATE UNIQUE INDEX dataset_frames_order ON dataset_frames(dataset_id, ordinal);
      CREATE INDEX dataset_frames_sequence ON dataset_frames(sequence_id, idx);
      CREATE INDEX dataset_frames_split ON dataset_frames(dataset_id, split, ordinal);

      CREATE TABLE label_protocols (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        definition  TEXT NOT NULL,           -- JSON, validated custom protocol
        source_path TEXT,
        created_at  TEXT NOT NULL
      ) STRICT;
    `);
  },
};
