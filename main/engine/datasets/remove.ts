// Forgetting a dataset: its rows, and the studio's own caches (thumbnails, a video's frame cache).
// The originals are never touched — only folders inside the workspace are deleted.
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import { deleteDatasetRows, getDatasetRow } from '../db/queries/datasets.js';
import type { Workspace } from '../workspace.js';
import { datasetCacheDir } from './importer.js';

function inside(root: string, p: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(p));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export function removeDataset(db: Database, workspace: Workspace, id: string): { id: string; removed: boolean } {
  const row = getDatasetRow(db, id);
  if (!row) throw new StudioError('not_found', `dataset '${id}' does not exist in this workspace`, { datasetId: id });
  const removed = db.transaction(() => deleteDatasetRows(db, id))();
  const caches = [path.join(workspace.root, 'cache', 'thumbnails', id), datasetCacheDir(workspace.root, id)];
  if (row.managed_root === 1) caches.push(row.root);
  for (const dir of caches) {
    // Guard: whatever the row says, only folders under the workspace are ever deleted.
    if (inside(workspace.root, dir)) fs.rmSync(dir, { recursive: true, force: true });
  }
  return { id, removed };
}
