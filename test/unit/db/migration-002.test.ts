import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../../main/engine/db/connection.js';
import { migration001 } from '../../../main/engine/db/migrations/001-init.js';
import { migration002 } from '../../../main/engine/db/migrations/002-datasets.js';

describe('migration 002 datasets', () => {
  it('creates datasets, sequences, frames and protocols; deleting a dataset cascades', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, [migration001, migration002]);
    expect(schemaVersion(db)).toBe(2);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type='table'`).all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['datasets', 'dataset_sequences', 'dataset_frames', 'label_protocols']));
    expect(() =>
      db.prepare(`INSERT INTO datasets (id, name, format, root, source_path, report, created_at) VALUES ('d','n','nope','/r','/r','{}','now')`).run(),
    ).toThrow(/CHECK/);
    db.prepare(`INSERT INTO datasets (id, name, format, root, source_path, report, created_at) VALUES ('d','n','folder','/r','/r','{}','now')`).run();
    db.prepare(`INSERT INTO dataset_sequences (id, dataset_id, name, split, ordinal) VALUES ('s','d','seq','train',0)`).run();
    db.prepare(
      `INSERT INTO dataset_frames (id, dataset_id, sequence_id, ordinal, idx, split, name, image_rel, image_size, image_mtime, width, height)
       VALUES ('f','d','s',0,0,'train','a','a.png',1,1,4,4)`,
    ).run();
    // frame order within a dataset is unique
    expect(() =>
      db.prepare(
        `INSERT INTO dataset_frames (id, dataset_id, sequence_id, ordinal, idx, split, name, image_rel, image_size, image_mtime, width, height)
         VALUES ('g','d','s',0,1,'train','b','b.png',1,1,4,4)`,
      ).run(),
    ).toThrow(/UNIQUE/);
    db.prepare(`DELETE FROM datasets WHERE id = 'd'`).run();
    expect((db.prepare('SELECT COUNT(*) n FROM dataset_frames').get() as { n: number }).n).toBe(0);
    expect((db.prepare('SELECT COUNT(*) n FROM dataset_sequences').get() as { n: number }).n).toBe(0);
  });
});
