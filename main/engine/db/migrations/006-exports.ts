// 006: what the studio exported (videos, pseudo-label sets, bundles), so the UI can list and open them.
import type { Migration } from './types.js';

export const migration006: Migration = {
  version: 6,
  name: 'exports',
  up(db) {
    db.exec(`
      CREATE TABLE exports (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('video','labels','bundle')),
        experiment_id TEXT,
        job_id        TEXT REFERENCES jobs(id) ON DELETE SET NULL,
        path          TEXT NOT NULL,
        bytes         INTEGER NOT NULL,
        params        TEXT NOT NULL, -- JSON
        summary       TEXT NOT NULL, -- JSON: frames, size, codec…
        created_at    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX exports_experiment ON exports(experiment_id, created_at);
    `);
  },
};
