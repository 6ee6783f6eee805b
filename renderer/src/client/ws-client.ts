// Browser transport: the contract over one WebSocket to `cause-studio serve`, reconnecting with backoff.
// Requests in flight when the socket drops are rejected (the engine may have restarted), never retried
// silently, so a view shows the failure instead of waiting forever.
import type { ArgsOf, CancelSignal, MethodName, ResultOf, ServerMessage, StudioEvent } from '../../../shared/contract/index.js';
import { StudioError } from '../../../shared/contract/errors.js';
import type { ConnectionState, RendererClient } from './types.js';
import { encodeAssetId, toQuery } from './query.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  cleanup(): void;
}

export interface WebSocketClientOptions {
  /** Page origin, e.g. http://127.0.0.1:4173 */
  origin: string;
  token: string | null;
}

export function createWebSocketClient(options: WebSocketClientOptions): RendererClient {
  const httpOrigin = options.origin.replace(/\/$/, '');
  const wsUrl = `${httpOrigin.replace(/^http/, 'ws')}/ws${toQuery({ token: options.token ?? undefined })}`;
  const eventListeners = new Set<(event: StudioEvent) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  const pending = new Map<number, Pending>();
  const outbox: string[] = [];
  let nextId = 1;
  let socket: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let backoffMs = 250;

  const setState = (next: ConnectionState): void => {
    if (next === state) return;
    state = next;
    for (const l of connectionListeners) l(next);
  };

  const failPending = (reason: string): void => {
    for (const [id, p] of pending) {
      pending.delete(id);
      p.cleanup();
      p.reject(new StudioError('unavailable', reason));
    }
  };

  const connect = (): void => {
    setState('connecting');
    const ws = new WebSocket(wsUrl);
    socket = ws;
    ws.onopen = () => {
      backoffMs = 250;
      setState('open');
      for (const text of outbox.splice(0)) ws.send(text);
    };
    ws.onmessage = (message) => {
      let data: ServerMessage;
      try {
        data = JSON.parse(String(message.data)) as ServerMessage;
      } catch {
        console.error('Cause Studio: engine sent a frame that is not JSON', message.data);
        return;
      }
      if (data.kind === 'event') {
        for (const l of eventListeners) l(data.event);
        return;
      }
      if (data.kind === 'response' && typeof data.id === 'number') {
        const p = pending.get(data.id);
        if (p === undefined) return;
        pending.delete(data.id);
        p.cleanup();
        if (data.ok) p.resolve(data.result);
        else p.reject(StudioError.fromData(data.error));
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      failPending('Lost the connection to the engine; the request was not answered.');
      setState('closed');
      setTimeout(connect, backoffMs);
      backoffMs = Math.min(backoffMs * 2, 5000);
    };
    ws.onerror = () => {
      // onclose follows and handles reconnection; nothing else to do here.
    };
  };

  const send = (payload: unknown): void => {
    const text = JSON.stringify(payload);
    if (socket !== null && socket.readyState === WebSocket.OPEN) socket.send(text);
    else outbox.push(text);
  };

  connect();

  return {
    transport: 'websocket',
    call<M extends MethodName>(method: M, args: ArgsOf<M>, callOptions?: { signal?: CancelSignal }) {
      const id = nextId++;
      return new Promise<ResultOf<M>>((resolve, reject) => {
        const signal = callOptions?.signal;
        if (signal?.aborted) {
          reject(new StudioError('cancelled', `${method} was cancelled before it was sent`));
          return;
        }
        // CancelSignal has no removeEventListener; a settled request simply ignores a late abort.
        let settled = false;
        signal?.addEventListener('abort', () => {
          if (!settled) send({ kind: 'cancel', id });
        });
        pending.set(id, {
          resolve: resolve as (v: unknown) => void,
          reject,
          cleanup: () => {
            settled = true;
          },
        });
        send({ kind: 'request', id, method, args });
      });
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    connection: () => state,
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    assetUrl(type, id, query = {}) {
      return `${httpOrigin}/asset/${encodeURIComponent(type)}/${encodeAssetId(id)}${toQuery({
        token: options.token ?? undefined,
        ...query,
      })}`;
    },
  };
}
