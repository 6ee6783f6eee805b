// The preload as it ships: bundled by scripts/build-preload.mjs, then run in a bare VM context whose
// `require` knows only 'electron' — what a sandboxed preload gets — with contextBridge and ipcRenderer
// stood in for, and a real MessagePort to a fake engine behind it.
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC } from '../../../main/electron/ipc-channels.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Bridge {
  call(method: string, args: unknown): Promise<unknown>;
  onEvent(listener: (e: unknown) => void): () => void;
  openFolderDialog(): Promise<string | null>;
  onMenuCommand(listener: (m: unknown) => void): () => void;
}

let tmp: string;
let bundle: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-preload-'));
  const out = path.join(tmp, 'preload.cjs');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-preload.mjs'), '--outfile', out], {
    stdio: 'pipe',
  });
  bundle = fs.readFileSync(out, 'utf8');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function loadPreload() {
  const exposed: Record<string, unknown> = {};
  const ipc = new EventEmitter();
  const invoked: string[] = [];
  const required: string[] = [];
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        exposed[key] = api;
      },
    },
    ipcRenderer: {
      on: (channel: string, listener: (...a: unknown[]) => void) => ipc.on(channel, listener),
      invoke: async (channel: string) => {
        invoked.push(channel);
        return channel === IPC.openFolderDialog ? '/data/cityscapes' : undefined;
      },
    },
  };
  const module = { exports: {} };
  const context = vm.createContext({
    module,
    exports: module.exports,
    require: (id: string) => {
      required.push(id);
      if (id === 'electron') return electron;
      throw new Error(`sandboxed preload cannot require '${id}'`);
    },
    Promise,
    Map,
    Set,
    Error,
  });
  vm.runInContext(bundle, context, { filename: 'preload.cjs' });
  return { bridge: exposed.studio as Bridge, exposed, ipc, invoked, required };
}

describe('bundled preload', () => {
  it('is one CommonJS file that requires nothing but electron', () => {
    const requires = [...bundle.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(new Set(requires)).toEqual(new Set(['electron']));
    expect(bundle).not.toMatch(/^\s*import\s/m);
    expect(bundle).not.toMatch(/^\s*export\s/m);
  });

  it('exposes exactly window.studio with call, onEvent, openFolderDialog, onMenuCommand', () => {
    const { exposed, bridge, required } = loadPreload();
    expect(Object.keys(exposed)).toEqual(['studio']);
    expect(Object.keys(bridge).sort()).toEqual(['call', 'onEvent', 'onMenuCommand', 'openFolderDialog']);
    expect(required).toEqual(['electron']);
  });

  it('talks to the engine over the port main hands it, and relays events', async () => {
    const { bridge, ipc } = loadPreload();
    const pending = bridge.call('engine.info', {});
    const { port1, port2 } = new MessageChannel();
    // A fake engine at the other end: answers requests, pushes one event.
    port2.on('message', (m: { kind: string; id: number; method: string }) => {
      if (m.method === 'engine.info')
        port2.postMessage({ kind: 'response', id: m.id, ok: true, result: { version: '9.9.9' } });
      else
        port2.postMessage({
          kind: 'response',
          id: m.id,
          ok: false,
          error: { code: 'unknown_method', message: `unknown method '${m.method}'` },
        });
      port2.postMessage({ kind: 'event', event: { type: 'log', level: 'info', message: `saw ${m.method}` } });
    });
    const events: unknown[] = [];
    const off = bridge.onEvent((e) => events.push(e));
    // ipcRenderer delivers the transferred port in event.ports (a DOM MessagePort: onmessage/postMessage).
    ipc.emit(IPC.port, { ports: [port1] });
    expect(await pending).toEqual({ version: '9.9.9' });
    await expect(bridge.call('nope', {})).rejects.toEqual({
      code: 'unknown_method',
      message: "unknown method 'nope'",
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual([
      { type: 'log', level: 'info', message: 'saw engine.info' },
      { type: 'log', level: 'info', message: 'saw nope' },
    ]);
    off();
    ipc.emit(IPC.engineDown, {}, { code: 'internal', message: 'engine crashed' });
    await expect(bridge.call('engine.info', {})).rejects.toMatchObject({
      code: 'unavailable',
      message: 'engine crashed',
    });
    port1.close();
    port2.close();
  });

  it('opens the folder dialog through main and passes menu commands on', async () => {
    const { bridge, ipc, invoked } = loadPreload();
    expect(await bridge.openFolderDialog()).toBe('/data/cityscapes');
    expect(invoked).toEqual([IPC.openFolderDialog]);
    const seen: unknown[] = [];
    const off = bridge.onMenuCommand((m) => seen.push(m));
    ipc.emit(IPC.menuCommand, {}, { command: 'open-dataset-folder', path: '/data/x' });
    off();
    ipc.emit(IPC.menuCommand, {}, { command: 'open-dataset-folder', path: '/data/y' });
    expect(seen).toEqual([{ command: 'open-dataset-folder', path: '/data/x' }]);
  });
});
