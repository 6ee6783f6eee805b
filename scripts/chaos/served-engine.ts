// One `cause-studio serve` on loopback for the chaos run, and a WebSocket client for its contract.
// The serve process is the engine: SIGKILL on it is the crash under test.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The connection went away (the engine was killed) before an answer came. */
export class EngineGone extends Error {}

export interface ServedEngine {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly client: StudioClient;
  log(): string;
}

export async function startEngine(home: string, timeoutMs = 120_000): Promise<ServedEngine> {
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), 'serve', '--host', '127.0.0.1', '--port', '0'], {
    cwd: REPO_ROOT,
    env: { ...process.env, CAUSE_STUDIO_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-20_000)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not listen within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      output = (output + d).slice(-20_000);
      const m = /Cause Studio serving at (\S+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? sig}) before listening:\n${output}`));
    });
  });
  const client = await StudioClient.open(url);
  return { proc, url, client, log: () => output };
}

/** SIGKILL, then wait until the process is gone (its worker threads die with it). */
export async function killEngine(e: ServedEngine): Promise<void> {
  e.client.close();
  if (e.proc.exitCode !== null || e.proc.signalCode !== null) return;
  const gone = new Promise((r) => e.proc.once('exit', r));
  e.proc.kill('SIGKILL');
  await gone;
}

/** A graceful stop (SIGTERM: jobs are interrupted at a check, the lock released). */
export async function stopEngine(e: ServedEngine): Promise<void> {
  e.client.close();
  if (e.proc.exitCode !== null || e.proc.signalCode !== null) return;
  const gone = new Promise((r) => e.proc.once('exit', r));
  e.proc.kill('SIGTERM');
  const t = setTimeout(() => e.proc.kill('SIGKILL'), 30_000);
  await gone;
  clearTimeout(t);
}

type Reply = { ok: boolean; result?: unknown; error?: { code: string; message: string } };

export class StudioClient {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (m: Reply) => void; reject: (e: Error) => void }>();
  private closed = false;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { kind: string; id: number } & Reply;
      if (m.kind === 'event') return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m);
    });
    const gone = () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new EngineGone('engine connection closed'));
      this.pending.clear();
    };
    ws.on('close', gone);
    ws.on('error', gone);
  }

  static async open(httpUrl: string): Promise<StudioClient> {
    const ws = new WebSocket(httpUrl.replace(/^http/, 'ws').replace(/\/(\?|$)/, '/ws$1'));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new StudioClient(ws);
  }

  call<T = unknown>(method: string, args: unknown): Promise<T> {
    if (this.closed) return Promise.reject(new EngineGone('engine connection closed'));
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, {
        resolve: (m) => (m.ok ? resolve(m.result as T) : reject(new Error(`${method}: ${m.error?.message ?? 'failed'}`))),
        reject,
      });
      this.ws.send(JSON.stringify({ kind: 'request', id, method, args }));
    });
  }

  isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    this.ws.close();
  }
}
