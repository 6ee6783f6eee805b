// One client connection over any transport (WebSocket, Electron MessagePort): parses and validates
// incoming messages, runs requests with cancellation, forwards pushed events. Malformed input gets a
// `bad_request` answer; nothing a client sends can throw out of `receive`.
import {
  clientMessageSchema,
  StudioError,
  toErrorData,
  type ServerMessage,
} from '../../../shared/contract/index.js';
import type { Engine } from '../engine.js';

export interface Session {
  /** A raw frame: a JSON string (WebSocket) or an already-structured value (MessagePort). */
  receive(raw: unknown): void;
  close(): void;
}

const MAX_FRAME_CHARS = 4 * 1024 * 1024;

/**
 * Requests one connection may have running at once. The studio's own clients stay far below it (the UI's
 * queries, a CLI's job and its waits); a client that floods the engine with slow calls gets an answer per
 * request beyond it instead of holding engine memory and CPU hostage.
 */
export const MAX_INFLIGHT_PER_SESSION = 256;

export function createSession(engine: Pick<Engine, 'callUnchecked' | 'onEvent'>, send: (m: ServerMessage) => void): Session {
  const inflight = new Map<string | number, AbortController>();
  let open = true;
  const safeSend = (m: ServerMessage) => {
    if (!open) return;
    try {
      send(m);
    } catch {
      /* the peer went away; the transport will close us */
    }
  };
  const unsubscribe = engine.onEvent((event) => safeSend({ kind: 'event', event }));

  return {
    receive(raw) {
      let value: unknown = raw;
      if (typeof raw === 'string' || raw instanceof Uint8Array || raw instanceof ArrayBuffer) {
        const textFrame = typeof raw === 'string' ? raw : Buffer.from(raw as ArrayBuffer).toString('utf8');
        if (textFrame.length > MAX_FRAME_CHARS) {
          safeSend({ kind: 'response', id: null, ok: false, error: { code: 'bad_request', message: 'message too large' } });
          return;
        }
        try {
          value = JSON.parse(textFrame) as unknown;
        } catch {
          safeSend({ kind: 'response', id: null, ok: false, error: { code: 'bad_request', message: 'message is not JSON' } });
          return;
        }
      }
      const parsed = clientMessageSchema.safeParse(value);
      if (!parsed.success) {
        const id = extractId(value);
        safeSend({
          kind: 'response',
          id,
          ok: false,
          error: { code: 'bad_request', message: `malformed message: ${parsed.error.issues[0]?.message ?? 'invalid'}` },
        });
        return;
      }
      const msg = parsed.data;
      if (msg.kind === 'cancel') {
        inflight.get(msg.id)?.abort();
        return;
      }
      if (inflight.has(msg.id)) {
        safeSend({ kind: 'response', id: msg.id, ok: false, error: { code: 'bad_request', message: `request id ${msg.id} is already in flight` } });
        return;
      }
      if (inflight.size >= MAX_INFLIGHT_PER_SESSION) {
        safeSend({
          kind: 'response',
          id: msg.id,
          ok: false,
          error: { code: 'unavailable', message: `too many requests in flight on this connection (limit ${MAX_INFLIGHT_PER_SESSION}); wait for answers before sending more` },
        });
        return;
      }
      const controller = new AbortController();
      inflight.set(msg.id, controller);
      engine
        .callUnchecked(msg.method, msg.args, { signal: controller.signal })
        .then(
          (result) => safeSend({ kind: 'response', id: msg.id, ok: true, result: result ?? null }),
          (e: unknown) => {
            const error = controller.signal.aborted && !(e instanceof StudioError)
              ? { code: 'cancelled' as const, message: 'request cancelled' }
              : toErrorData(e);
            safeSend({ kind: 'response', id: msg.id, ok: false, error });
          },
        )
        .finally(() => inflight.delete(msg.id));
    },
    close() {
      open = false;
      unsubscribe();
      for (const c of inflight.values()) c.abort();
      inflight.clear();
    },
  };
}

function extractId(value: unknown): string | number | null {
  if (value && typeof value === 'object' && 'id' in value) {
    const id = (value as { id: unknown }).id;
    if ((typeof id === 'string' && id.length <= 64) || (typeof id === 'number' && Number.isInteger(id))) return id;
  }
  return null;
}
