import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';

/** The workspace's identity, created once with the database. */
export function ensureWorkspaceInfo(db: Database, engineVersion: string): void {
  const insert = db.prepare('INSERT OR IGNORE INTO workspace (key, value) VALUES (?, ?)');
  db.transaction(() => {
    insert.run('workspace_id', randomUUID());
    insert.run('created_at', new Date().toISOString());
    insert.run('created_by', engineVersion);
  })();
}

export function readWorkspaceInfo(db: Database): { workspaceId: string; createdAt: string } {
  const rows = db.prepare('SELECT key, value FROM workspace').all() as { key: string; value: string }[];
  const m = new Map(rows.map((r) => [r.key, r.value]));
  return { workspaceId: m.get('workspace_id') ?? 'unknown', createdAt: m.get('created_at') ?? 'unknown' };
}

/** Row counts of the main tables that exist in this schema version (later migrations add tables). */
export function tableCounts(db: Database): Record<string, number> {
  const names = (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as {
      name: string;
    }[]
  ).map((r) => r.name);
  const wanted = ['datasets', 'frames', 'experiments', 'jobs', 'models', 'feature_sets', 'mappings', 'exports'];
  const out: Record<string, number> = {};
  for (const t of wanted) {
    if (names.includes(t)) out[t] = (db.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n;
  }
  return out;
}
