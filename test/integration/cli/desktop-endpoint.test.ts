// The desktop app's engine host (utility-entry.ts, started as Electron starts it) publishes a loopback
// endpoint in serve.json, so a CLI job command run beside the app submits its job to the app's engine
// instead of failing on the workspace lock; the file goes when the app's engine stops. A browser
// (a request with an Origin header) cannot use that socket.
import { execFile, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { JobSummary } from '../../../shared/contract/index.js';
import { readEndpoint } from '../../../main/engine/transport/endpoint-file.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';

const run = promisify(execFile);
const tmp = tempDir('jobctl-desktop-');
const ws = path.join(tmp.dir, 'ws');
const entry = path.join(REPO_ROOT, 'main', 'engine', 'host', 'utility-entry.ts');
const fakeParentPort = path.join(REPO_ROOT, 'test', 'fixtures', 'electron', 'fake-parent-port.mjs');
const host = fork(entry, [`--workspace=${ws}`], { execArgv: ['--import', 'tsx', '--import', fakeParentPort], cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
afterAll(() => {
  if (host.exitCode === null) host.kill('SIGKILL');
  tmp.cleanup();
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), '--workspace', ws, ...args], { cwd: tmp.dir, timeout: 240_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

it('a CLI job command beside the desktop app runs its job in the app engine', async () => {
  const messages: { type: string }[] = [];
  host.on('message', (m) => messages.push(m as { type: string }));
  const t0 = Date.now();
  while (!messages.some((m) => m.type === 'ready')) {
    if (Date.now() - t0 > 110_000) throw new Error('the engine host never said ready');
    await new Promise((r) => setTimeout(r, 50));
  }
  const ep = readEndpoint(ws)!;
  expect(ep).toMatchObject({ pid: host.pid, role: 'desktop', host: '127.0.0.1' });
  expect(fs.statSync(path.join(ws, 'serve.json')).mode & 0o777).toBe(0o600);

  const r = await cli(['--json', 'synth', '--out', path.join(tmp.dir, 'synth'), '--sequences', '1', '--frames', '2', '--size', '128x64']);
  expect(r.err).not.toMatch(/error/);
  expect(r.code).toBe(0);
  const list = JSON.parse((await cli(['--json', 'jobs', 'list'])).out) as JobSummary[];
  expect(list.find((j) => j.kind === 'synth.generate')?.state).toBe('succeeded');
  // The engine lock never changed hands: the job ran in the app's engine.
  expect(fs.readFileSync(path.join(ws, 'engine.lock'), 'utf8')).toBe(String(host.pid));

  // A page cannot drive it: a request with an Origin is refused even with the token.
  const socket = new WebSocket(`ws://127.0.0.1:${ep.port}/ws?token=${ep.token}`, { origin: 'http://evil.example' });
  await expect(new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)))).rejects.toThrow(/401/);

  host.send({ type: 'shutdown' });
  await new Promise((r) => host.once('exit', r));
  expect(fs.existsSync(path.join(ws, 'serve.json'))).toBe(false);
}, 300_000);
