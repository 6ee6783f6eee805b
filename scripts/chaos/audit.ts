// Checks on a workspace after a run, with the engine stopped: the database passes SQLite's integrity
// check, no job row is left `running`, and no temp or partial file of a killed write is left behind.
import fs from 'node:fs';
import path from 'node:path';
import { integrityProblems, openDatabase } from '../../main/engine/db/connection.js';
import { listJobs } from '../../main/engine/db/queries/jobs.js';

/** Names our atomic writers give files before the rename (writeFileAtomic, shards, video, labels, pretrain). */
export const TEMP_NAME = /\.tmp(-\d+-\w+)?$|\.partial-|\.tmp$/;

export interface Audit {
  readonly integrity: string[];
  readonly stuckJobs: string[];
  readonly orphans: string[];
}

export function auditWorkspace(workspace: string, alsoScan: readonly string[] = []): Audit {
  const db = openDatabase(path.join(workspace, 'studio.db'), { readonly: true });
  let integrity: string[];
  let stuckJobs: string[];
  try {
    integrity = integrityProblems(db);
    stuckJobs = listJobs(db, { states: ['running', 'queued'], limit: 1000 }).map((j) => `${j.kind} ${j.id} ${j.state}`);
  } finally {
    db.close();
  }
  const orphans: string[] = [];
  for (const dir of [workspace, ...alsoScan]) {
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
      if (TEMP_NAME.test(path.basename(String(f)))) orphans.push(path.join(dir, String(f)));
    }
  }
  return { integrity, stuckJobs, orphans: [...new Set(orphans)].sort() };
}
