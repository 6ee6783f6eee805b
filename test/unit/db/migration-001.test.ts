import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../../main/engine/db/connection.js';
import { migration001 } from '../../../main/engine/db/migrations/001-init.js';
import { MIGRATIONS } from '../../../main/engine/db/migrations/index.js';

describe('migration 001 init', () => {
  it('creates the workspace, settings, jobs and job_events tables', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, [migration001]);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type='table'`).all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['workspace', 'settings', 'jobs', 'job_events']));
    expect(schemaVersion(db)).toBe(1);
    // the state check constraint holds
    expect(() =>
      db.prepare(`INSERT INTO jobs (id, kind, title, state, params, created_at) VALUES ('a','k','t','bogus','{}','now')`).run(),
    ).toThrow(/CHECK/);
    db.prepare(`INSERT INTO jobs (id, kind, title, state, params, created_at) VALUES ('a','k','t','queued','{}','now')`).run();
    db.prepare(`INSERT INTO job_events (job_id, at, type, message) VALUES ('a','now','x','y')`).run();
    db.pragma('foreign_keys = ON');
    db.prepare(`DELETE FROM jobs WHERE id = 'a'`).run();
    expect((db.prepare('SELECT COUNT(*) n FROM job_events').get() as { n: number }).n).toBe(0);
  });
});

describe('migration list', () => {
  it('is numbered 1..N without gaps, with unique names', () => {
    MIGRATIONS.forEach((m, i) => expect(m.version).toBe(i + 1));
    expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length);
  });

  it('applies every migration to an empty database and is idempotent', () => {
    const db = new BetterSqlite3(':memory:');
    expect(migrate(db)).toBe(MIGRATIONS.length);
    expect(migrate(db)).toBe(MIGRATIONS.length);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
  });

  it('refuses a database from a newer studio', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    expect(() => migrate(db, MIGRATIONS, 'x.db')).toThrow(/newer than this studio understands/);
  });

  it('rolls back a failing migration completely', () => {
    const db = new BetterSqlite3(':memory:');
    const broken = { version: 2, name: 'broken', up: (d: typeof db) => { d.exec('CREATE TABLE t (x)'); throw new Error('boom'); } };
    expect(() => migrate(db, [migration001, broken])).toThrow(/boom/);
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name='t'`).get()).toBeUndefined();
  });
});
