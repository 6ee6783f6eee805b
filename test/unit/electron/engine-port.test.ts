// The desktop transport end to end, minus the Electron binary: main's EngineProcess supervisor, the
// engine host of utility-entry.ts running a real engine on a temp workspace, the preload's port
// client and main's studio://asset forwarder. Electron's utilityProcess / parentPort / MessagePortMain
// are stood in for by in-process objects with the same shapes and asynchronous delivery; the ports
// are real Node MessageChannels.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, type MessagePort as NodeMessagePort } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StudioErrorData } from '../../../shared/contract/errors.js';
import type { StudioEvent } from '../../../shared/contract/events.js';
import { AssetForwarder } from '../../../main/electron/asset-forwarder.js';
import {
  ENGINE_SERVICE_NAME as MAIN_SERVICE_NAME,
  EngineProcess,
  RestartPolicy,
  WORKSPACE_FLAG as MAIN_WORKSPACE_FLAG,
  type EngineChild,
  type RendererTarget,
} from '../../../main/electron/engine-process.js';
import { IPC } from '../../../main/electron/ipc-channels.js';
import { createPortClient, type ClientPort, type PortClient } from '../../../main/electron/port-client.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import {
  ENGINE_SERVICE_NAME,
  runUtilityHost,
  WORKSPACE_FLAG,
  workspaceFromArgv,
  type HostControlMessage,
  type MessagePortMainLike,
  type ParentPortLike,
} from '../../../main/engine/host/utility-entry.js';

/** A Node MessagePort with MessagePortMain's event shape ({ data }). */
interface TestPort extends MessagePortMainLike {
  readonly node: NodeMessagePort;
}
function asMainPort(node: NodeMessagePort): TestPort {
  return {
    node,
    on(event: 'message' | 'close', listener: ((e: { data: unknown }) => void) | (() => void)) {
      if (event === 'message')
        node.on('message', (data: unknown) => (listener as (e: { data: unknown }) => void)({ data }));
      else node.on('close', listener as () => void);
      return this;
    },
    postMessage: (m) => node.postMessage(m),
    start: () => node.start(),
    close: () => node.close(),
  } as TestPort;
}
function asClientPort(node: NodeMessagePort): ClientPort {
  return {
    postMessage: (m) => node.postMessage(m),
    onMessage: (listener) => node.on('message', listener),
    close: () => node.close(),
  };
}

const allPorts: NodeMessagePort[] = [];
function createChannel(): { port1: TestPort; port2: TestPort } {
  const ch = new MessageChannel();
  allPorts.push(ch.port1, ch.port2);
  return { port1: asMainPort(ch.port1), port2: asMainPort(ch.port2) };
}

/**
 * Electron's UtilityProcess, in-process: postMessage(msg, ports) reaches the host's parentPort as
 * { data, ports } on a later tick; the host's parentPort.postMessage reaches 'message' listeners here;
 * the host's exit(code) becomes 'exit'. kill() is a crash: the engine dies without a shutdown.
 */
class InProcessUtility extends EventEmitter implements EngineChild<TestPort> {
  engine: Engine | null = null;
  private readonly parentEvents = new EventEmitter();
  private exited = false;
  readonly done: Promise<void>;

  constructor(args: string[]) {
    super();
    const parent: ParentPortLike = {
      on: (event, listener) => this.parentEvents.on(event, listener),
      postMessage: (m) => setImmediate(() => this.emit('message', m)),
    };
    this.done = runUtilityHost(parent, {
      workspace: workspaceFromArgv(args),
      openEngine: async (options) => {
        this.engine = await createEngine(options);
        return this.engine;
      },
      exit: (code) => this.exit(code),
    });
  }

  postMessage(message: HostControlMessage, transfer: TestPort[] = []): void {
    setImmediate(() => this.parentEvents.emit('message', { data: message, ports: transfer }));
  }

  kill(): boolean {
    void (async () => {
      await this.engine?.close();
      this.exit(137);
    })();
    return true;
  }

  private exit(code: number): void {
    if (this.exited) return;
    this.exited = true;
    setImmediate(() => this.emit('exit', code));
  }
}

/** A window as the preload sees it: the port goes to the client, engine-down fails it. */
function rendererTarget(
  id: number,
  client: PortClient,
): RendererTarget<TestPort> & { ports: number; closedPorts: number; downs: StudioErrorData[] } {
  const target = {
    id,
    ports: 0,
    closedPorts: 0,
    downs: [] as StudioErrorData[],
    isDestroyed: () => false,
    postMessage(channel: string, _message: unknown, transfer: TestPort[] = []) {
      if (channel === IPC.port && transfer[0]) {
        target.ports++;
        transfer[0].node.on('close', () => target.closedPorts++);
        client.attach(asClientPort(transfer[0].node));
      }
    },
    send(channel: string, ...args: unknown[]) {
      if (channel === IPC.engineDown) {
        target.downs.push(args[0] as StudioErrorData);
        client.fail(args[0] as StudioErrorData);
      }
    },
  };
  return target;
}

// Generous: the machines running this are often heavily shared.
function waitFor(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() - start > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

let tmp: string;
let workspace: string;
let children: InProcessUtility[];
let fatal: StudioErrorData[];
let forwarder: AssetForwarder;

function supervisor(ws = workspace) {
  return new EngineProcess<TestPort>('/app/dist/main/engine/host/utility-entry.js', ws, {
    fork: (modulePath, args, options) => {
      expect(modulePath).toBe('/app/dist/main/engine/host/utility-entry.js');
      expect(options.serviceName).toBe('cause-studio-engine');
      const child = new InProcessUtility(args);
      children.push(child);
      return child;
    },
    createChannel,
    assets: forwarder,
    onFatal: (e) => fatal.push(e),
  });
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-electron-'));
  workspace = path.join(tmp, 'workspace with spaces');
  children = [];
  fatal = [];
  forwarder = new AssetForwarder({ timeoutMs: 5000 });
});

afterEach(async () => {
  for (const c of children) await c.engine?.close();
  forwarder.detach('test over');
  for (const p of allPorts.splice(0)) p.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('Electron transport: main ↔ engine utility process ↔ preload', { timeout: 120_000 }, () => {
  it('answers contract calls made before the engine was up, with typed errors for bad ones', async () => {
    const client = createPortClient();
    const engine = supervisor();
    const target = rendererTarget(1, client);
    engine.connectRenderer(target);
    const early = client.call('workspace.info', {});
    engine.start();
    const info = (await early) as { path: string; schemaVersion: number };
    expect(info.path).toBe(path.resolve(workspace));
    expect(info.schemaVersion).toBeGreaterThan(0);
    expect(engine.state).toBe('ready');
    await expect(client.call('no.such.method', {})).rejects.toMatchObject({ code: 'unknown_method' });
    await expect(client.call('settings.get', { key: 42 })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(client.call('', {})).rejects.toMatchObject({ code: 'bad_request' });
    // A value that cannot cross a port fails at the client, before the engine.
    await expect(client.call('settings.get', { key: () => 1 })).rejects.toMatchObject({
      code: 'bad_request',
    });
    expect(await client.call('settings.set', { key: 'ui.theme', value: 'dark' })).toMatchObject({
      value: 'dark',
    });
    expect(await client.call('settings.get', { key: 'ui.theme' })).toMatchObject({ value: 'dark' });
    await engine.stop();
  });

  it('pushes engine events to the window', async () => {
    const client = createPortClient();
    const engine = supervisor();
    engine.connectRenderer(rendererTarget(1, client));
    engine.start();
    await client.call('workspace.info', {});
    const events: StudioEvent[] = [];
    client.onEvent((e) => events.push(e));
    // The engine's emitter is private: reach it the way its job manager does.
    (children[0]!.engine as unknown as { emit(e: StudioEvent): void }).emit({
      type: 'log',
      level: 'info',
      message: 'hello window',
    });
    await waitFor(() => events.length > 0, 'event');
    expect(events[0]).toEqual({ type: 'log', level: 'info', message: 'hello window' });
    await engine.stop();
  });

  it('forwards studio://asset requests to the engine asset server and back, bytes intact', async () => {
    const client = createPortClient();
    const engine = supervisor();
    engine.connectRenderer(rendererTarget(1, client));
    engine.start();
    await client.call('workspace.info', {});
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256);
    children[0]!.engine!.assets.register('test-bytes', async (id) =>
      id === 'blob1' ? { bytes, contentType: 'application/octet-stream' } : null,
    );
    const ok = await forwarder.handle(new Request('studio://asset/test-bytes/blob1'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/octet-stream');
    expect(ok.headers.get('access-control-allow-origin')).toBe('studio://app');
    expect(new Uint8Array(await ok.arrayBuffer())).toEqual(bytes);
    const head = await forwarder.handle(new Request('studio://asset/test-bytes/blob1', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    expect((await forwarder.handle(new Request('studio://asset/test-bytes/other'))).status).toBe(404);
    expect((await forwarder.handle(new Request('studio://asset/test-bytes/..%2f..%2fetc'))).status).toBe(400);
    expect(
      (await forwarder.handle(new Request('studio://asset/test-bytes/blob1', { method: 'POST', body: 'x' })))
        .status,
    ).toBe(405);
    await engine.stop();
    // After shutdown the forwarder answers 503 at once instead of hanging.
    expect((await forwarder.handle(new Request('studio://asset/test-bytes/blob1'))).status).toBe(503);
  });

  it('gives a reloaded window a fresh port and ends its old session', async () => {
    const client = createPortClient();
    const engine = supervisor();
    const target = rendererTarget(7, client);
    engine.connectRenderer(target);
    engine.start();
    await client.call('workspace.info', {});
    engine.connectRenderer(target);
    await waitFor(() => target.ports === 2, 'second port');
    await waitFor(() => target.closedPorts === 1, 'old port closed');
    expect(await client.call('workspace.info', {})).toMatchObject({ path: path.resolve(workspace) });
    engine.disconnectRenderer(7);
    await waitFor(() => target.closedPorts === 2, 'port closed on disconnect');
    await engine.stop();
  });

  it('tells the window when the engine crashes, restarts it, then serves the window again', async () => {
    const client = createPortClient();
    const engine = supervisor();
    const target = rendererTarget(1, client);
    engine.connectRenderer(target);
    engine.start();
    await client.call('workspace.info', {});
    children[0]!.kill();
    await waitFor(() => children.length === 2 && engine.state === 'ready', 'restart');
    await waitFor(() => target.ports === 2, 'port from the new engine');
    expect(target.downs).toEqual([
      { code: 'unavailable', message: expect.stringMatching(/exit code 137.*restarting/) },
    ]);
    expect(await client.call('workspace.info', {})).toMatchObject({ path: path.resolve(workspace) });
    expect(fatal).toEqual([]);
    await engine.stop();
    expect(engine.state).toBe('stopped');
  });

  it('stops cleanly: the engine closes its database and releases the workspace lock', async () => {
    const client = createPortClient();
    const engine = supervisor();
    engine.connectRenderer(rendererTarget(1, client));
    engine.start();
    await client.call('workspace.info', {});
    expect(fs.existsSync(path.join(workspace, 'engine.lock'))).toBe(true);
    await engine.stop();
    await children[0]!.done;
    expect(engine.state).toBe('stopped');
    expect(fs.existsSync(path.join(workspace, 'engine.lock'))).toBe(false);
    // A second engine can take the workspace now.
    const again = await createEngine({ workspace, runJobs: false });
    await again.close();
  });

  it('reports an engine that cannot open its workspace once, without restarting, and fails the window calls', async () => {
    const notAFolder = path.join(tmp, 'file');
    fs.writeFileSync(notAFolder, 'x');
    const client = createPortClient();
    const engine = supervisor(notAFolder);
    engine.connectRenderer(rendererTarget(1, client));
    const pending = client.call('workspace.info', {});
    engine.start();
    await expect(pending).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining(notAFolder),
    });
    await waitFor(() => fatal.length === 1, 'fatal');
    expect(fatal[0]).toMatchObject({ code: 'invalid_input' });
    expect(engine.state).toBe('failed');
    await new Promise((r) => setTimeout(r, 50));
    expect(children).toHaveLength(1);
    await expect(client.call('workspace.info', {})).rejects.toMatchObject({ code: 'invalid_input' });
  });
});

describe('main and the engine host agree', () => {
  it('on the service name and the workspace argument (main cannot import the host at run time)', () => {
    expect(MAIN_SERVICE_NAME).toBe(ENGINE_SERVICE_NAME);
    expect(MAIN_WORKSPACE_FLAG).toBe(WORKSPACE_FLAG);
    expect(workspaceFromArgv(['/electron', `${MAIN_WORKSPACE_FLAG}/a b/c`])).toBe(path.resolve('/a b/c'));
    expect(() => workspaceFromArgv(['/electron'])).toThrow(/--workspace=/);
    expect(() => workspaceFromArgv([`${MAIN_WORKSPACE_FLAG}`])).toThrow(/--workspace=/);
  });
});

describe('crash-loop protection', () => {
  it('RestartPolicy allows 3 crashes a minute and forgives old ones', () => {
    const p = new RestartPolicy(3, 60_000);
    expect([p.crashed(0), p.crashed(1000), p.crashed(2000)]).toEqual([true, true, true]);
    expect(p.crashed(3000)).toBe(false);
    expect(p.crashed(70_000)).toBe(true);
  });

  it('gives up on an engine that dies at every start and says so', async () => {
    let forks = 0;
    const fatalErrors: StudioErrorData[] = [];
    const downs: StudioErrorData[] = [];
    const engine = new EngineProcess<TestPort>('/x.js', '/ws', {
      fork: () => {
        forks++;
        const child = new EventEmitter() as EventEmitter & EngineChild<TestPort>;
        child.postMessage = () => {};
        child.kill = () => true;
        setImmediate(() => child.emit('exit', 1));
        return child;
      },
      createChannel,
      assets: { attach: () => {}, detach: () => {} },
      onFatal: (e) => fatalErrors.push(e),
      now: () => 1000,
    });
    engine.connectRenderer({
      id: 1,
      isDestroyed: () => false,
      postMessage: () => {},
      send: (_c, e) => downs.push(e as StudioErrorData),
    });
    engine.start();
    await waitFor(() => fatalErrors.length === 1, 'give up');
    expect(forks).toBe(4);
    expect(engine.state).toBe('failed');
    expect(fatalErrors[0]!.message).toMatch(/crashed 4 times within a minute/);
    expect(downs.at(-1)).toEqual(fatalErrors[0]);
  });
});
