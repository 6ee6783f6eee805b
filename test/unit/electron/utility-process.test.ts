// utility-entry.ts as its own process, started the way Electron starts it (a `--workspace=` argument
// and a `process.parentPort`), to check its start-up guard, status messages and exit codes for real.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const entry = path.join(root, 'main', 'engine', 'host', 'utility-entry.ts');
const fakeParentPort = path.join(here, 'fixtures', 'fake-parent-port.mjs');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-utility-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function start(args: string[]): { child: ChildProcess; messages: { type: string; [k: string]: unknown }[]; exit: Promise<number | null> } {
  const child = fork(entry, args, {
    execArgv: ['--import', 'tsx', '--import', fakeParentPort],
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const messages: { type: string }[] = [];
  child.on('message', (m) => messages.push(m as { type: string }));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, messages, exit };
}

async function until(cond: () => boolean, what: string, ms = 60_000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('engine utility process', () => {
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
      { type: 'fatal', error: { code: 'invalid_input', message: expect.stringContaining(file), details: { path: file } } },
    ]);
  });

  it('reports a missing --workspace argument as fatal and exits 1', async () => {
    const { messages, exit } = start([]);
    expect(await exit).toBe(1);
    expect(messages).toEqual([{ type: 'fatal', error: { code: 'bad_request', message: expect.stringContaining('--workspace=') } }]);
  });

  it('run from a shell without Electron, explains itself and exits 2', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', entry], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/started by Electron.*cause-studio --help/s);
  });
});
