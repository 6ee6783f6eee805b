// utility-entry.ts as its own process, started the way Electron starts it (a `--workspace=` argument
// and a `process.parentPort`), to check its start-up guard, status messages and exit codes for real.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const entry = path.join(root, 'main', 'engine', 'host', 'utility-entry.ts');
const fakeParentPort = path.join(root, 'test', 'fixtures', 'electron', 'fake-parent-port.mjs');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-utility-'));
});
const started: ChildProcess[] = [];
afterAll(() => {
  // A test that timed out must not leave its engine process behind.
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function start(args: string[]): {
  child: ChildProcess;
  messages: { type: string; [k: string]: unknown }[];
  exit: Promise<number | null>;
} {
  const child = fork(entry, args, {
    execArgv: ['--import', 'tsx', '--import', fakeParentPort],
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  started.push(child);
  const messages: { type: string }[] = [];
  child.on('message', (m) => messages.push(m as { type: string }));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, messages, exit };
}

async function until(cond: () => boolean, what: string, ms = 110_000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Each child loads the engine through tsx (~2 s of CPU; much longer wall time on a busy machine).
describe('engine utility process', { timeout: 120_000 }, () => {
  it('opens the workspace, says ready, and on shutdown closes the engine and exits 0', async () => {
    const workspace = path.join(tmp, 'ws');
    const { child, messages, exit } = start([`--workspace=${workspace}`]);
    await until(() => messages.length > 0, 'ready');
    expect(messages[0]).toMatchObject({ type: 'ready', workspace, pid: child.pid });
    expect(fs.readFileSync(path.join(workspace, 'engine.lock'), 'utf8')).toBe(String(child.pid));
    child.send({ type: 'shutdown' });
    expect(await exit).toBe(0);
    expect(messages.map((m) => m.type)).toEqual(['ready', 'stopped']);
    expect(fs.existsSync(path.join(workspace, 'engine.lock'))).toBe(false);
    expect(fs.existsSync(path.join(workspace, 'studio.db'))).toBe(true);
  });

  it('reports a workspace it cannot open as fatal, naming the path, and exits 1', async () => {
    const file = path.join(tmp, 'not-a-folder');
    fs.writeFileSync(file, '');
    const { messages, exit } = start([`--workspace=${file}`]);
    expect(await exit).toBe(1);
    expect(messages).toEqual([
      {
        type: 'fatal',
        error: { code: 'invalid_input', message: expect.stringContaining(file), details: { path: file } },
      },
    ]);
  });

  it('run from a shell without Electron, explains itself and exits 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/started by Electron.*cause-studio --help/s);
  });
});
