// The engine host inside the desktop app: Electron's main process starts this file as a
// `utilityProcess` (a plain Node process that Electron supervises) and talks to it over
// `process.parentPort`. It never imports 'electron' — Electron hands it `process.parentPort` and
// MessagePortMain objects, and this file only relies on their shapes (declared below), so it also runs
// under plain Node in tests with stand-in ports.
//
// Protocol (main → host over parentPort, ports in the message's `ports`):
//   { type: 'connect-renderer', clientId } + port   a window's MessagePort: one contract session each
//   { type: 'disconnect-renderer', clientId }        the window closed or reloaded
//   { type: 'connect-assets' } + port                studio://asset requests forwarded by main
//   { type: 'shutdown' }                             close the engine cleanly and exit
// host → main: { type: 'ready', ... } once the engine is open, { type: 'fatal', error } if it cannot
// open (then exit 1), { type: 'stopped' } after shutdown.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError, toErrorData, type StudioErrorData } from '../../../shared/contract/errors.js';
import { createEngine, type Engine, type EngineOptions } from '../engine.js';
import { QUEUE_ENV, usePoolQueue } from '../pool/queue-config.js';
import { openCliEndpoint, type CliEndpoint } from '../transport/cli-endpoint.js';
import { createSession, type Session } from '../transport/session.js';

/** Electron's MessagePortMain, by shape. */
export interface MessagePortMainLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

/** Electron's `process.parentPort` in a utility process, by shape. */
export interface ParentPortLike {
  on(
    event: 'message',
    listener: (e: { data: unknown; ports: readonly MessagePortMainLike[] }) => void,
  ): unknown;
  postMessage(message: unknown): void;
}

export type HostControlMessage =
  | { readonly type: 'connect-renderer'; readonly clientId: number }
  | { readonly type: 'disconnect-renderer'; readonly clientId: number }
  | { readonly type: 'connect-assets' }
  | { readonly type: 'shutdown' };

export type HostStatusMessage =
  | {
      readonly type: 'ready';
      readonly engineVersion: string;
      readonly workspace: string;
      readonly pid: number;
    }
  | { readonly type: 'fatal'; readonly error: StudioErrorData }
  | { readonly type: 'stopped' };

/** studio://asset requests travel as plain data; bodies come back as bytes (structured clone). */
export interface AssetRequestMessage {
  readonly kind: 'asset-request';
  readonly id: number;
  readonly url: string;
  readonly method: 'GET' | 'HEAD';
}
export interface AssetResponseMessage {
  readonly kind: 'asset-response';
  readonly id: number;
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array | null;
}

export const ENGINE_SERVICE_NAME = 'cause-studio-engine';
export const WORKSPACE_FLAG = '--workspace=';

/** The workspace main passed as `--workspace=<path>` (one token, so a path with spaces stays whole). */
export function workspaceFromArgv(argv: readonly string[]): string {
  const arg = argv.find((a) => a.startsWith(WORKSPACE_FLAG));
  const value = arg?.slice(WORKSPACE_FLAG.length) ?? '';
  if (value === '') {
    throw new StudioError('bad_request', `engine utility process: no ${WORKSPACE_FLAG}<path> argument`);
  }
  return path.resolve(value);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function parseControl(data: unknown): HostControlMessage | null {
  if (!isRecord(data)) return null;
  switch (data.type) {
    case 'connect-renderer':
    case 'disconnect-renderer':
      return Number.isInteger(data.clientId) ? { type: data.type, clientId: data.clientId as number } : null;
    case 'connect-assets':
    case 'shutdown':
      return { type: data.type };
    default:
      return null;
  }
}

/**
 * Answers asset requests arriving on `port` with `handle` (the engine's AssetServer). Malformed
 * messages are ignored — only main holds the other end — but a handler failure still answers 500, so
 * main never waits for a reply that will not come.
 */
export function serveAssetPort(
  port: MessagePortMainLike,
  handle: (request: Request) => Promise<Response>,
): void {
  port.on('message', (e) => {
    const m = e.data;
    if (!isRecord(m) || m.kind !== 'asset-request' || !Number.isInteger(m.id) || typeof m.url !== 'string')
      return;
    const id = m.id as number;
    const method = m.method === 'HEAD' ? 'HEAD' : 'GET';
    const reply = (r: Omit<AssetResponseMessage, 'kind' | 'id'>) => {
      try {
        port.postMessage({ kind: 'asset-response', id, ...r } satisfies AssetResponseMessage);
      } catch {
        /* main went away; nothing to answer */
      }
    };
    void (async () => {
      try {
        const response = await handle(new Request(m.url as string, { method }));
        const body =
          method === 'HEAD' || response.body === null ? null : new Uint8Array(await response.arrayBuffer());
        reply({ status: response.status, headers: [...response.headers.entries()], body });
      } catch (err) {
        const message = new TextEncoder().encode(err instanceof Error ? err.message : String(err));
        reply({ status: 500, headers: [['content-type', 'text/plain; charset=utf-8']], body: message });
      }
    })();
  });
  port.start();
}

/** One contract session over a renderer's port; the returned function ends it. */
export function serveRendererPort(
  port: MessagePortMainLike,
  engine: Pick<Engine, 'callUnchecked' | 'onEvent'>,
): () => void {
  let closed = false;
  const session: Session = createSession(engine, (m) => port.postMessage(m));
  const close = () => {
    if (closed) return;
    closed = true;
    session.close();
    try {
      port.close();
    } catch {
      /* already closed */
    }
  };
  port.on('message', (e) => session.receive(e.data));
  port.on('close', close);
  port.start();
  return close;
}

export interface UtilityHostOptions {
  readonly workspace: string;
  /** The engine factory; tests pass their own options through it. Default: createEngine. */
  readonly openEngine?: (options: EngineOptions) => Promise<Engine>;
  readonly exit?: (code: number) => void;
}

/**
 * Runs the engine host on a parent port. Control messages that arrive while the engine is still
 * opening are queued, so main may hand over ports right after fork.
 */
export async function runUtilityHost(parent: ParentPortLike, options: UtilityHostOptions): Promise<void> {
  // The short delay lets the last status message cross to main before the process goes.
  const exit = options.exit ?? ((code: number) => void setTimeout(() => process.exit(code), 100));
  const send = (m: HostStatusMessage) => parent.postMessage(m);
  const renderers = new Map<number, () => void>();
  const queue: { msg: HostControlMessage; port: MessagePortMainLike | undefined }[] = [];
  let engine: Engine | null = null;
  let cliEndpoint: CliEndpoint | null = null;
  let shuttingDown = false;

  const shutdown = async () => {
    if (shuttingDown) return;
    shuttingDown = true;
    for (const close of renderers.values()) close();
    renderers.clear();
    // Closing the engine lets running jobs checkpoint and marks the database cleanly closed.
    let code = 0;
    try {
      await cliEndpoint?.close();
      if (engine) await engine.close();
    } catch (err) {
      // Still exit: main is waiting to quit, and a restart will recover the workspace.
      console.error(`engine shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
      code = 1;
    }
    send({ type: 'stopped' });
    exit(code);
  };

  const apply = (msg: HostControlMessage, port: MessagePortMainLike | undefined, eng: Engine) => {
    switch (msg.type) {
      case 'connect-renderer': {
        if (!port) return;
        // A reloaded window gets a fresh port under the same id: the old session ends here.
        renderers.get(msg.clientId)?.();
        const close = serveRendererPort(port, eng);
        renderers.set(msg.clientId, () => {
          close();
          renderers.delete(msg.clientId);
        });
        return;
      }
      case 'disconnect-renderer':
        renderers.get(msg.clientId)?.();
        return;
      case 'connect-assets':
        if (port) serveAssetPort(port, eng.assets.handle);
        return;
      case 'shutdown':
        void shutdown();
        return;
    }
  };

  parent.on('message', (e) => {
    const msg = parseControl(e.data);
    if (!msg) return;
    if (msg.type === 'shutdown' && !engine) {
      // Asked to stop while still opening: stop as soon as the open finishes (or fails).
      queue.push({ msg, port: undefined });
      return;
    }
    if (engine) apply(msg, e.ports[0], engine);
    else queue.push({ msg, port: e.ports[0] });
  });

  try {
    // The desktop app's `--queue` arrives in the environment; a bad URL stops the start with its reason.
    const queue = process.env[QUEUE_ENV];
    if (queue) usePoolQueue(queue);
    const open = options.openEngine ?? createEngine;
    engine = await open({ workspace: options.workspace, runJobs: true });
  } catch (err) {
    send({ type: 'fatal', error: toErrorData(err) });
    exit(1);
    return;
  }
  // CLI commands submit to this engine through a loopback endpoint instead of failing on the lock.
  cliEndpoint = await openCliEndpoint(engine).catch((err: unknown) => {
    console.error(`no CLI endpoint: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  });
  send({ type: 'ready', engineVersion: engine.version, workspace: engine.workspace.root, pid: process.pid });
  for (const { msg, port } of queue.splice(0)) apply(msg, port, engine);
}

// Started by Electron: `process.parentPort` exists only in a utility process.
const parentPort = (process as unknown as { parentPort?: ParentPortLike | null }).parentPort;
if (parentPort) {
  let workspace: string | undefined;
  try {
    workspace = workspaceFromArgv(process.argv);
  } catch (err) {
    parentPort.postMessage({ type: 'fatal', error: toErrorData(err) } satisfies HostStatusMessage);
    setTimeout(() => process.exit(1), 100);
  }
  if (workspace !== undefined) void runUtilityHost(parentPort, { workspace });
} else if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.error(
    'utility-entry.js is the engine host of the desktop app and is started by Electron. ' +
      'From a shell use the CLI instead: npx cause-studio --help',
  );
  process.exitCode = 2;
}
