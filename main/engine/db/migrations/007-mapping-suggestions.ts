// 007: suggestions carried from a saved mapping of one run to another, each accepted or rejected one by
// one (so a CLI session can decide them across commands, and the UI can reopen them).
import type { Migration } from './types.js';

export const migration007: Migration = {
  version: 7,
  name: 'mapping-suggestions',
  up(db) {
    db.exec(`
      CREATE TABLE mapping_suggestions (
        id                 TEXT PRIMARY KEY,
        experiment_id      TEXT NOT NULL,
        from_experiment_id TEXT NOT NULL,
        from_mapping_id    TEXT REFERENCES mappings(id) ON DELETE SET NULL,
        protocol_id        TEXT NOT NULL,
        class_names        TEXT NOT NULL, -- JSON array
        suggestions        TEXT NOT NULL, -- JSON array of MappingSuggestion
        created_at         TEXT NOT NULL
      ) STRICT;
      CREATE INDEX mapping_suggestions_experiment ON mapping_suggestions(experiment_id, created_at);
    `);
  },
};
