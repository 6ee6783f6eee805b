// `serve.json` in the workspace: how a CLI command finds the engine that owns the workspace (serve, or the
// background engine a `--no-wait` command started) and submits to it instead of failing on the lock.
// Written by the owner once it listens (mode 0600: it holds the access token), removed when it stops.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const ENDPOINT_FILE = 'serve.json';

const endpointSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  token: z.string().min(1).nullable(),
  /** 'serve' or 'desktop' (a person's studio), or 'background' (runs the queue until it is empty, then exits). */
  role: z.enum(['serve', 'background', 'desktop']),
});
export type Endpoint = z.infer<typeof endpointSchema>;

export function endpointPath(workspaceRoot: string): string {
  return path.join(workspaceRoot, ENDPOINT_FILE);
}

/** Writes the file atomically with owner-only permissions; returns its remover (only removes our own). */
export function publishEndpoint(workspaceRoot: string, e: Endpoint): () => void {
  const file = endpointPath(workspaceRoot);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(e, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(tmp, 0o600); // the umask may have widened nothing, but an existing tmp keeps its mode
  fs.renameSync(tmp, file);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    try {
      if (readEndpoint(workspaceRoot)?.pid === e.pid) fs.rmSync(file);
    } catch {
      /* already gone */
    }
  };
}

/** The published endpoint, or null when there is none, it is malformed, or its process is gone. */
export function readEndpoint(workspaceRoot: string): Endpoint | null {
  let raw: string;
  try {
    raw = fs.readFileSync(endpointPath(workspaceRoot), 'utf8');
  } catch {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  const e = endpointSchema.safeParse(parsed);
  if (!e.success || !processAlive(e.data.pid)) return null;
  return e.data;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
