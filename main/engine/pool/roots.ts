// A worker serves only workspaces under the roots it was started with (`--workspace DIR`, repeatable):
// a task naming any other path is refused before a byte is read, so whoever can write to the queue
// cannot make a worker read or write elsewhere on its machine.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';

export function resolveRoots(roots: readonly string[]): string[] {
  return roots.map((r) => {
    try {
      return fs.realpathSync(path.resolve(r));
    } catch {
      throw new StudioError('not_found', `--workspace ${r}: no such folder (a worker's roots must exist at start)`);
    }
  });
}

/** The real path of `workspaceRoot` when it lies under one of `roots` (after symlinks); else throws. */
export function checkWorkspace(roots: readonly string[], workspaceRoot: string): string {
  if (!path.isAbsolute(workspaceRoot)) throw new StudioError('bad_request', `workspace path ${workspaceRoot} is not absolute`);
  let real: string;
  try {
    real = fs.realpathSync(workspaceRoot);
  } catch {
    throw new StudioError('not_found', `workspace ${workspaceRoot} is not visible on this worker (is the shared storage mounted?)`);
  }
  const ok = roots.some((r) => real === r || real.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  if (!ok) throw new StudioError('bad_request', `workspace ${workspaceRoot} is outside this worker's roots (${roots.join(', ')})`);
  return real;
}

/** Every file a task would read must lie under the roots too (frames of datasets outside the workspace need a --root). */
export function checkFiles(roots: readonly string[], files: Iterable<string>): void {
  for (const f of files) {
    let real: string;
    try {
      real = fs.realpathSync(f);
    } catch {
      throw new StudioError('not_found', `${f}: not visible on this worker (is the shared storage mounted?)`);
    }
    if (!roots.some((r) => real.startsWith(r.endsWith(path.sep) ? r : r + path.sep))) {
      throw new StudioError('bad_request', `${f} is outside this worker's roots (${roots.join(', ')}); start it with --root for the dataset's folder`);
    }
  }
}
