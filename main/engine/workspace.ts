// The workspace folder: where the database, caches, checkpoints and outputs live.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StudioError } from '../../shared/contract/errors.js';

/** $CAUSE_STUDIO_HOME, else the platform's user-data folder (Electron passes its own `userData`). */
export function defaultWorkspacePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAUSE_STUDIO_HOME) return path.resolve(env.CAUSE_STUDIO_HOME);
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Cause Studio');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Cause Studio');
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'cause-studio');
  }
}

export interface Workspace {
  readonly root: string;
  readonly databasePath: string;
  /** A folder inside the workspace, created on first use. */
  dir(...parts: string[]): string;
}

/** Checks the folder is usable before anything is written: a file in its place or a read-only folder is named. */
export function openWorkspace(root: string, options: { readonly?: boolean } = {}): Workspace {
  const abs = path.resolve(root);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(abs);
  } catch {
    stat = undefined;
  }
  if (stat && !stat.isDirectory()) {
    throw new StudioError('invalid_input', `${abs}: workspace path is a file, not a folder`, { path: abs });
  }
  if (!options.readonly) {
    try {
      fs.mkdirSync(abs, { recursive: true });
      const probe = path.join(abs, `.write-probe-${process.pid}`);
      fs.writeFileSync(probe, '');
      fs.rmSync(probe);
    } catch (e) {
      throw new StudioError(
        'io_error',
        `${abs}: workspace folder is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        { path: abs },
      );
    }
  } else if (!stat) {
    throw new StudioError('not_found', `${abs}: no workspace here yet`, { path: abs });
  }
  return {
    root: abs,
    databasePath: path.join(abs, 'studio.db'),
    dir(...parts: string[]) {
      const d = path.join(abs, ...parts);
      fs.mkdirSync(d, { recursive: true });
      return d;
    },
  };
}

/**
 * One writer per workspace: the engine host takes `engine.lock` (its pid). A stale lock (dead pid) is
 * taken over; a live one is a clear `conflict` naming the process.
 */
const heldLocks = new Set<string>();

export function acquireWriterLock(ws: Workspace): () => void {
  const lockPath = path.join(ws.root, 'engine.lock');
  if (heldLocks.has(lockPath)) {
    throw new StudioError('conflict', `${ws.root}: workspace is in use by another Cause Studio engine (pid ${process.pid}, this process)`, {
      pid: process.pid,
    });
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      heldLocks.add(lockPath);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldLocks.delete(lockPath);
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.rmSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(lockPath, 'utf8'));
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new StudioError(
          'conflict',
          `${ws.root}: workspace is in use by another Cause Studio engine (pid ${pid}); stop it or use another workspace`,
          { pid },
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new StudioError('conflict', `${lockPath}: could not take the workspace lock`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `<file>.tmp-<pid>-<random>` (writeFileAtomic, shards) and `<file>.partial-<pid>.mp4` (video export). */
const TEMP_OF_PID = /\.(?:tmp|partial)-(\d+)(?:-|\.mp4$)/;

/**
 * Removes, in `dir` (and below it with `recursive`), the temp files of writers that died before their
 * rename — a SIGKILLed engine leaves them behind. Only a dead process's: a live one may still rename its own.
 */
export function removeStaleTemps(dir: string, options: { recursive?: boolean; prefix?: string } = {}): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = (fs.readdirSync(dir, { recursive: options.recursive ?? false }) as string[]).map(String);
  } catch {
    return removed;
  }
  for (const name of names) {
    const base = path.basename(name);
    if (options.prefix !== undefined && !base.startsWith(options.prefix)) continue;
    const m = TEMP_OF_PID.exec(base);
    if (!m || isAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(dir, name), { force: true });
    removed.push(path.join(dir, name));
  }
  return removed;
}

/**
 * A full disk as the studio says it: where the write failed and what to do. Node reports ENOSPC with a
 * bare "no space left on device, write" (no path when writing through a descriptor) and SQLite with
 * "database or disk is full"; null for any other error.
 */
export function diskFullError(e: unknown, where: string): StudioError | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT' && code !== 'SQLITE_FULL') return null;
  const file = (e as NodeJS.ErrnoException).path ?? where;
  return new StudioError('io_error', `${file}: the disk is full (no space left on device); free some space, then resume the job`, { file });
}

/** Writes a file atomically: temp file in the same folder, fsync, rename. Readers never see half a file. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      let off = 0;
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    // A full disk or a vanished folder must not leave a half-written temp file behind.
    fs.rmSync(tmp, { force: true });
    throw diskFullError(e, file) ?? e;
  }
}
