import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/engine/db/connection.js';
import { MIGRATIONS } from '../../../main/engine/db/migrations/index.js';
import { insertExport, listExports } from '../../../main/engine/db/queries/exports.js';

describe('migration 006 exports', () => {
  it('creates the exports table with its kind check, and queries round-trip', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, MIGRATIONS.slice(0, 6));
    const rec = insertExport(db, {
      id: 'e1',
      kind: 'video',
      experimentId: 'x',
      jobId: null,
      path: '/tmp/a.mp4',
      bytes: 10,
      params: { mode: 'overlay' },
      summary: { frames: 3 },
    });
    expect(rec).toMatchObject({ id: 'e1', kind: 'video', params: { mode: 'overlay' }, summary: { frames: 3 } });
    expect(listExports(db, 'x')).toHaveLength(1);
    expect(listExports(db, 'other')).toHaveLength(0);
    expect(() =>
      db.prepare(`INSERT INTO exports (id, kind, path, bytes, params, summary, created_at) VALUES ('e2','gif','p',1,'{}','{}','t')`).run(),
    ).toThrow(/CHECK/);
  });
});
