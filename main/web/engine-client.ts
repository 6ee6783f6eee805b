// The contract over a WebSocket from Node: how a CLI command talks to the engine that owns the workspace
// (`serve`, or the background engine of `--no-wait`). Same surface as an in-process engine (call,
// callUnchecked, onEvent, close), so commands do not care which one they got. No reconnection: a CLI
// command that loses its engine fails with a clear error instead of waiting.
import WebSocket from 'ws';
import {
  StudioError,
  type ArgsOf,
  type MethodName,
  type ResultOf,
  type ServerMessage,
  type StudioEvent,
} from '../../shared/contract/index.js';
import type { Endpoint } from '../engine/transport/endpoint-file.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface RemoteEngine {
  readonly remote: true;
  readonly endpoint: Endpoint;
  readonly workspace: { readonly root: string };
  call<M extends MethodName>(method: M, args: ArgsOf<M>, options?: { signal?: AbortSignal }): Promise<ResultOf<M>>;
  callUnchecked(method: string, args: unknown, options?: { signal?: AbortSignal }): Promise<unknown>;
  onEvent(listener: (e: StudioEvent) => void): () => void;
  close(): Promise<void>;
}

/** A wildcard bind address is reached through loopback. */
function dialHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export async function connectEngine(endpoint: Endpoint, workspaceRoot: string, timeoutMs = 10_000): Promise<RemoteEngine> {
  const query = endpoint.token ? `?token=${encodeURIComponent(endpoint.token)}` : '';
  const ws = new WebSocket(`ws://${dialHost(endpoint.host)}:${endpoint.port}/ws${query}`);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new StudioError('unavailable', `the engine at port ${endpoint.port} (pid ${endpoint.pid}) did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once('error', (e) => {
      clearTimeout(timer);
      reject(new StudioError('unavailable', `cannot reach the engine at port ${endpoint.port} (pid ${endpoint.pid}): ${e.message}`));
    });
  });

  const listeners = new Set<(e: StudioEvent) => void>();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;
  ws.on('message', (data) => {
    let m: ServerMessage;
    try {
      m = JSON.parse(String(data)) as ServerMessage;
    } catch {
      return;
    }
    if (m.kind === 'event') {
      for (const l of [...listeners]) l(m.event);
      return;
    }
    if (typeof m.id !== 'number') return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(StudioError.fromData(m.error));
  });
  ws.on('close', () => {
    closed = true;
    for (const p of pending.values()) {
      p.reject(new StudioError('unavailable', `lost the connection to the engine (pid ${endpoint.pid}) that owns the workspace`));
    }
    pending.clear();
  });
  ws.on('error', () => {
    /* 'close' follows */
  });

  const callUnchecked = (method: string, args: unknown, options: { signal?: AbortSignal } = {}): Promise<unknown> => {
    if (closed) return Promise.reject(new StudioError('unavailable', 'the connection to the engine is closed'));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const signal = options.signal;
      if (signal?.aborted) return reject(new StudioError('cancelled', `${method} was cancelled before it was sent`));
      const onAbort = () => {
        if (pending.has(id) && ws.readyState === ws.OPEN) ws.send(JSON.stringify({ kind: 'cancel', id }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.set(id, {
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e as Error);
        },
      });
      ws.send(JSON.stringify({ kind: 'request', id, method, args: args ?? {} }));
    });
  };

  return {
    remote: true,
    endpoint,
    workspace: { root: workspaceRoot },
    call: <M extends MethodName>(method: M, args: ArgsOf<M>, options?: { signal?: AbortSignal }) =>
      callUnchecked(method, args, options) as Promise<ResultOf<M>>,
    callUnchecked,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 2000).unref();
      }),
  };
}
