// The preload's side of the contract: requests out, responses and pushed events in, over whatever
// MessagePort main handed over last. Bundled into the sandboxed preload, so it imports no runtime code
// (types only) and no Node or Electron API.
import type { StudioErrorData } from '../../shared/contract/errors.js';
import type { StudioEvent } from '../../shared/contract/events.js';
import type { ClientMessage } from '../../shared/contract/wire.js';

/** The port as the client needs it; the preload adapts the DOM MessagePort to this. */
export interface ClientPort {
  postMessage(message: ClientMessage): void;
  /** Registers the one message listener (and starts delivery). */
  onMessage(listener: (data: unknown) => void): void;
  close(): void;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: StudioErrorData) => void;
}

interface Queued extends Pending {
  readonly method: string;
  readonly args: unknown;
}

export interface PortClient {
  /** Rejects with plain StudioErrorData (it survives contextBridge; Error objects lose their code). */
  call(method: string, args: unknown): Promise<unknown>;
  onEvent(listener: (event: StudioEvent) => void): () => void;
  /** A new port (first load, engine restart): calls pending on the old one fail with `unavailable`. */
  attach(port: ClientPort): void;
  /** The engine is down: pending and queued calls fail, and new ones fail until the next attach. */
  fail(error: StudioErrorData): void;
  readonly pendingCount: number;
}

/** Calls made before the first port arrives wait; this many at most, so a dead start cannot grow without bound. */
const MAX_QUEUED = 1000;

export function createPortClient(): PortClient {
  let port: ClientPort | null = null;
  let down: StudioErrorData | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const queue: Queued[] = [];
  const listeners = new Set<(event: StudioEvent) => void>();

  const send = (q: Queued) => {
    const id = nextId++;
    pending.set(id, q);
    const args = q.args === undefined ? {} : q.args;
    try {
      port!.postMessage({ kind: 'request', id, method: q.method, args });
    } catch (e) {
      // Arguments that cannot be structured-cloned (functions, DOM nodes) fail here, not in the engine.
      pending.delete(id);
      q.reject({
        code: 'bad_request',
        message: `${q.method}: arguments cannot be sent (${e instanceof Error ? e.message : String(e)})`,
      });
    }
  };

  const rejectAll = (error: StudioErrorData) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };

  const onMessage = (data: unknown) => {
    if (typeof data !== 'object' || data === null) return;
    const m = data as Record<string, unknown>;
    if (m.kind === 'event') {
      for (const l of [...listeners]) {
        try {
          l(m.event as StudioEvent);
        } catch {
          /* one bad listener must not starve the others */
        }
      }
      return;
    }
    if (m.kind !== 'response') return;
    if (typeof m.id !== 'number') {
      // The engine could not read a message at all (id null): nothing to settle.
      return;
    }
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok === true) p.resolve(m.result);
    else
      p.reject(
        (m.error as StudioErrorData | undefined) ?? {
          code: 'internal',
          message: 'engine sent an error without detail',
        },
      );
  };

  return {
    call(method, args) {
      return new Promise((resolve, reject) => {
        if (typeof method !== 'string' || method === '') {
          reject({
            code: 'bad_request',
            message: 'method must be a non-empty string',
          } satisfies StudioErrorData);
          return;
        }
        const q: Queued = { method, args, resolve, reject };
        if (port) send(q);
        else if (down) reject(down);
        else if (queue.length >= MAX_QUEUED)
          reject({ code: 'unavailable', message: 'engine is still starting' } satisfies StudioErrorData);
        else queue.push(q);
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    attach(next) {
      if (port) {
        rejectAll({ code: 'unavailable', message: 'engine restarted; the request was lost' });
        try {
          port.close();
        } catch {
          /* already closed */
        }
      }
      port = next;
      down = null;
      next.onMessage(onMessage);
      for (const q of queue.splice(0)) send(q);
    },
    fail(error) {
      down = error;
      if (port) {
        try {
          port.close();
        } catch {
          /* already closed */
        }
      }
      port = null;
      rejectAll(error);
      for (const q of queue.splice(0)) q.reject(error);
    },
    get pendingCount() {
      return pending.size + queue.length;
    },
  };
}
