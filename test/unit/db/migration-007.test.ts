import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/engine/db/connection.js';
import { MIGRATIONS } from '../../../main/engine/db/migrations/index.js';
import { getSuggestionSetRow, insertSuggestionSet, newestSuggestionSetRow, updateSuggestions } from '../../../main/engine/db/queries/mapping-suggestions.js';

describe('migration 007 mapping suggestions', () => {
  it('creates the table; queries round-trip and the newest set wins', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, MIGRATIONS.slice(0, 7));
    const base = { experiment_id: 'b', from_experiment_id: 'a', from_mapping_id: null, protocol_id: 'p', class_names: '["x"]', suggestions: '[]' };
    insertSuggestionSet(db, { ...base, id: 's1', created_at: '2026-01-01T00:00:00Z' });
    insertSuggestionSet(db, { ...base, id: 's2', created_at: '2026-01-02T00:00:00Z' });
    expect(newestSuggestionSetRow(db, 'b')?.id).toBe('s2');
    expect(newestSuggestionSetRow(db, 'a')).toBeUndefined();
    updateSuggestions(db, 's1', '[{"cluster":0}]');
    expect(getSuggestionSetRow(db, 's1')?.suggestions).toBe('[{"cluster":0}]');
    expect(() => insertSuggestionSet(db, { ...base, id: 's3', from_mapping_id: 'missing', created_at: 't' })).toThrow(/FOREIGN KEY/);
  });
});
