// SQL for mapping suggestions carried between runs. Plain functions of (db, ...).
import type { Database } from 'better-sqlite3';

export interface SuggestionSetRow {
  id: string;
  experiment_id: string;
  from_experiment_id: string;
  from_mapping_id: string | null;
  protocol_id: string;
  class_names: string;
  suggestions: string;
  created_at: string;
}

export function insertSuggestionSet(db: Database, r: SuggestionSetRow): void {
  db.prepare(
    `INSERT INTO mapping_suggestions (id, experiment_id, from_experiment_id, from_mapping_id, protocol_id, class_names, suggestions, created_at)
     VALUES (@id, @experiment_id, @from_experiment_id, @from_mapping_id, @protocol_id, @class_names, @suggestions, @created_at)`,
  ).run(r);
}

export function getSuggestionSetRow(db: Database, id: string): SuggestionSetRow | undefined {
  return db.prepare('SELECT * FROM mapping_suggestions WHERE id = ?').get(id) as SuggestionSetRow | undefined;
}

export function newestSuggestionSetRow(db: Database, experimentId: string): SuggestionSetRow | undefined {
  return db
    .prepare('SELECT * FROM mapping_suggestions WHERE experiment_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1')
    .get(experimentId) as SuggestionSetRow | undefined;
}

export function updateSuggestions(db: Database, id: string, suggestions: string): void {
  db.prepare('UPDATE mapping_suggestions SET suggestions = ? WHERE id = ?').run(suggestions, id);
}
