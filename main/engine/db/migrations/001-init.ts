// 001: the workspace's own record, settings, and durable jobs with their event log.
import type { Migration } from './types.js';

export const migration001: Migration = {
  version: 1,
  name: 'init',
  up(db) {
    db.exec(`
      CREATE TABLE workspace (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL -- JSON
      ) STRICT;

      CREATE TABLE jobs (
        id              TEXT PRIMARY KEY,
        kind            TEXT NOT NULL,
        title           TEXT NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('queued','running','succeeded','failed','cancelled','interrupted')),
        heavy           INTEGER NOT NULL DEFAULT 1,
        params          TEXT NOT NULL, -- JSON
        result          TEXT,          -- JSON
        fraction        REAL NOT NULL DEFAULT 0,
        step            INTEGER NOT NULL DEFAULT 0,
        total_steps     INTEGER NOT NULL DEFAULT 0,
        stage           TEXT,
        message         TEXT NOT NULL DEFAULT '',
        eta_seconds     REAL,
        error           TEXT,
        checkpoint_step INTEGER,
        attempts        INTEGER NOT NULL DEFAULT 0,
        created_at      TEXT NOT NULL,
        started_at      TEXT,
        finished_at     TEXT
      ) STRICT;
      CREATE INDEX jobs_state ON jobs(state, created_at);

      CREATE TABLE job_events (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id  TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        at      TEXT NOT NULL,
        type    TEXT NOT NULL,
        message TEXT NOT NULL
      ) STRICT;
      CREATE INDEX job_events_job ON job_events(job_id, id);
    `);
  },
};
