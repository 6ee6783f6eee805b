// What "no change to anything already in the workspace" is checked against: every row of every table
// and the bytes of every file, taken before the corpus runs. New rows and new files (a dataset imported
// with warnings, a thumbnail cached) are allowed; an existing row or file that changed or vanished is not.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';

export type Snapshot = ReadonlyMap<string, string>;

/** The database itself is compared by its rows; its files change with every write (WAL, lock). */
const DB_FILES = /^(studio\.db(-wal|-shm|-journal)?|.*\.lock)$/;

export function snapshotWorkspace(db: Database, root: string): Snapshot {
  const out = new Map<string, string>();
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
  for (const { name } of tables) {
    const rows = db.prepare(`SELECT * FROM "${name}"`).raw().all() as unknown[][];
    for (const row of rows) {
      const text = JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? `blob:${hash(v)}` : typeof v === 'bigint' ? v.toString() : v));
      // rows have no stable key across tables: the row itself is the key, present or not
      out.set(`row:${name}:${hash(Buffer.from(text))}`, text.slice(0, 200));
    }
  }
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs, r);
      else if (e.isFile() && !(rel === '' && DB_FILES.test(e.name))) out.set(`file:${r}`, hash(fs.readFileSync(abs)));
    }
  };
  walk(root, '');
  return out;
}

/** Entries of `before` missing from or different in `after`. */
export function changedEntries(before: Snapshot, after: Snapshot): string[] {
  const changed: string[] = [];
  for (const [k, v] of before) {
    const now = after.get(k);
    if (now === undefined) changed.push(`${k} (gone)`);
    else if (k.startsWith('file:') && now !== v) changed.push(`${k} (modified)`);
  }
  return changed;
}

function hash(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex').slice(0, 24);
}

/** Entries of `after` that `before` did not have (rows added, files created). */
export function addedEntries(before: Snapshot, after: Snapshot): string[] {
  return [...after.keys()].filter((k) => !before.has(k)).map((k) => (k.startsWith('row:') ? `${k.split(':')[1]} row ${after.get(k)}` : k));
}
