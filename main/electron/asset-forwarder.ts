// Main's half of `studio://asset/...`: the engine (and its AssetServer) lives in the utility process,
// so main forwards each request over a dedicated MessagePort and turns the reply back into a Response.
// Chosen over a loopback HTTP server in the engine because a port has no listening socket: no other
// local process or user can reach it, and there is no token to generate, pass around or leak.
import type { AssetRequestMessage, MessagePortMainLike } from '../engine/host/utility-entry.js';
import { APP_HOST, STUDIO_SCHEME } from './navigation.js';

interface Pending {
  readonly resolve: (r: Response) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

function textResponse(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

export interface AssetForwarderOptions {
  /** A request the engine has not answered in this time gets 504 (default 60 s: big videos). */
  readonly timeoutMs?: number;
}

export class AssetForwarder {
  private port: MessagePortMainLike | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly timeoutMs: number;

  constructor(options: AssetForwarderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** Uses `port` from now on (a new engine after a restart); requests on the old one get 503. */
  attach(port: MessagePortMainLike): void {
    this.detach('engine restarted');
    this.port = port;
    port.on('message', (e) => this.onReply(e.data));
    port.on('close', () => {
      if (this.port === port) this.detach('engine stopped');
    });
    port.start();
  }

  detach(reason: string): void {
    const port = this.port;
    this.port = null;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(textResponse(503, `asset unavailable: ${reason}`));
      this.pending.delete(id);
    }
    if (port) {
      try {
        port.close();
      } catch {
        /* already closed */
      }
    }
  }

  get inFlight(): number {
    return this.pending.size;
  }

  handle = (request: Request): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return Promise.resolve(textResponse(405, 'method not allowed'));
    const port = this.port;
    if (!port) return Promise.resolve(textResponse(503, 'engine is not running'));
    const id = this.nextId++;
    return new Promise<Response>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(textResponse(504, 'engine did not answer'));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, timer });
      const message: AssetRequestMessage = {
        kind: 'asset-request',
        id,
        url: request.url,
        method: request.method as 'GET' | 'HEAD',
      };
      try {
        port.postMessage(message);
      } catch {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(textResponse(503, 'engine is not running'));
      }
    });
  };

  private onReply(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    const m = data as Partial<Record<string, unknown>>;
    if (m.kind !== 'asset-response' || typeof m.id !== 'number' || typeof m.status !== 'number') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    const headers = new Headers();
    if (Array.isArray(m.headers)) {
      for (const pair of m.headers as unknown[]) {
        if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string')
          headers.append(pair[0], pair[1]);
      }
    }
    // The page (studio://app) reads assets cross-origin: fetch() of mask bytes and canvas pixel reads.
    headers.set('access-control-allow-origin', `${STUDIO_SCHEME}://${APP_HOST}`);
    const body = m.body instanceof Uint8Array && m.status !== 204 && m.status !== 304 ? m.body : null;
    p.resolve(new Response(body, { status: m.status, headers }));
  }
}
