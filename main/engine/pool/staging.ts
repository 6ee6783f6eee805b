// Where pool tasks that produce files for a folder outside the workspace (label exports) or for the
// studio to consume (video frames) put them: `<workspace>/pool/out/<task id>/`. A worker writes only
// under the workspace it serves; the task id is the hash of the inputs, so a retried or duplicated task
// writes the same bytes to the same place. The studio checks each file's sha256 and moves it on.
import fs from 'node:fs';
import path from 'node:path';
import { sha256Bytes } from '../features/cache-key.js';

export function stagingDir(workspaceRoot: string, taskId: string): string {
  return path.join(workspaceRoot, 'pool', 'out', taskId);
}

export interface StagedFile {
  /** Relative to the task's staging folder, '/'-separated. */
  readonly path: string;
  readonly sha256: string;
}

/** The files' bytes when every one is there with its checksum; null otherwise (the task is recomputed). */
export function readStaged(dir: string, files: readonly StagedFile[]): Buffer[] | null {
  const out: Buffer[] = [];
  for (const f of files) {
    const abs = path.resolve(dir, f.path);
    if (!abs.startsWith(dir + path.sep)) return null;
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(abs);
    } catch {
      return null;
    }
    if (sha256Bytes(bytes) !== f.sha256) return null;
    out.push(bytes);
  }
  return out;
}

/** Moves a staged file into place (a rename when both lie on one file system, else copy and remove). */
export function moveStaged(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  try {
    fs.renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    fs.copyFileSync(from, to);
    fs.rmSync(from, { force: true });
  }
}

export function removeStaging(workspaceRoot: string, taskIds: Iterable<string>): void {
  for (const id of taskIds) fs.rmSync(stagingDir(workspaceRoot, id), { recursive: true, force: true });
}
