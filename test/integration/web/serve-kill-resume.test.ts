// Acceptance: kill `cause-studio serve` (SIGKILL) while a SynthDrive job runs; start it again; the job
// resumes from its checkpoint and completes, and its output is whole.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';

const tmp = tempDir();
const procs: ChildProcess[] = [];
afterAll(() => {
  for (const p of procs) p.kill('SIGKILL');
  tmp.cleanup();
});

async function serve(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), 'serve', '--port', '0'], {
    env: { ...process.env, CAUSE_STUDIO_HOME: path.join(tmp.dir, 'ws') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  procs.push(proc);
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /Cause Studio serving at (\S+)/.exec(buf);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
  });
  return { proc, url };
}

class Client {
  private next = 1;
  private readonly pending = new Map<number, (m: { ok: boolean; result?: unknown; error?: { message: string } }) => void>();
  readonly events: { type: string; jobId?: string; step?: number }[] = [];
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { kind: string; id: number; event: { type: string } };
      if (m.kind === 'event') this.events.push(m.event);
      else this.pending.get(m.id)?.(m as never);
    });
  }
  static async open(httpUrl: string): Promise<Client> {
    const ws = new WebSocket(httpUrl.replace(/^http/, 'ws').replace(/\/(\?|$)/, '/ws$1'));
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    return new Client(ws);
  }
  call<T>(method: string, args: unknown): Promise<T> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) => (m.ok ? resolve(m.result as T) : reject(new Error(m.error!.message))));
      this.ws.send(JSON.stringify({ kind: 'request', id, method, args }));
    });
  }
  close() {
    this.ws.close();
  }
}

it('resumes a SynthDrive job after serve is killed mid-run', async () => {
  const out = path.join(tmp.dir, 'synth');
  const first = await serve();
  const c1 = await Client.open(first.url);
  const { jobId } = await c1.call<{ jobId: string }>('synth.generate', { out, sequences: 2, frames: 60, size: '512x256', seed: 3 });
  // wait until a few frames are done, then kill the whole server without warning
  const t0 = Date.now();
  for (;;) {
    const j = await c1.call<{ step: number; state: string }>('jobs.get', { id: jobId });
    if (j.step >= 4) break; // of 120: the kill lands long before the end
    if (j.state !== 'running' && j.state !== 'queued') throw new Error(`job ${j.state}`);
    if (Date.now() - t0 > 120_000) throw new Error('no progress');
    await new Promise((r) => setTimeout(r, 100));
  }
  first.proc.kill('SIGKILL');
  await new Promise((r) => first.proc.once('exit', r));

  const second = await serve();
  const c2 = await Client.open(second.url);
  const final = await c2.call<{ state: string; attempts: number }>('jobs.wait', { id: jobId });
  expect(final.state).toBe('succeeded');
  expect(final.attempts).toBe(1);
  const detail = await c2.call<{ events: { type: string }[] }>('jobs.get', { id: jobId });
  expect(detail.events.map((e) => e.type)).toEqual(expect.arrayContaining(['interrupted', 'resumed']));
  // every frame is there, whole: 120 images and their labels, no temp files
  const files = fs.readdirSync(out, { recursive: true }).map(String);
  expect(files.filter((f) => f.endsWith('_leftImg8bit.png'))).toHaveLength(120);
  expect(files.filter((f) => f.endsWith('_gtFine_labelIds.png'))).toHaveLength(120);
  expect(files.filter((f) => /\.tmp|partial/.test(f)), files.join(" ")).toEqual([]);
  c1.close();
  c2.close();
});
