// `cause-studio serve`: the built renderer, the asset handler and the contract over a WebSocket.
// Loopback by default; any other address requires a token (generated and printed when not given).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import type { Engine } from '../engine/engine.js';
import { attachWebSocket, MAX_PAYLOAD_BYTES } from '../engine/transport/cli-endpoint.js';
import { tokenMatches } from '../engine/transport/token.js';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly token?: string;
  /** The built renderer (dist/renderer). */
  readonly rendererDir: string;
  /** Bytes queued for a WebSocket client that does not read before it is dropped (default 16 MiB). */
  readonly maxBufferedBytes?: number;
}

export { MAX_PAYLOAD_BYTES } from '../engine/transport/cli-endpoint.js';
const DEFAULT_MAX_BUFFERED = 16 * 1024 * 1024;

export { tokenMatches } from '../engine/transport/token.js';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly token: string | null;
  /** Open WebSocket connections (a background engine stays up while a client is attached). */
  clients(): number;
  close(): Promise<void>;
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // No 'unsafe-inline': React styles go through the CSSOM and Vite extracts CSS to files (as in Electron's CSP).
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self' ws: wss:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export async function startServer(engine: Engine, options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? (isLoopback(options.host) ? null : randomBytes(24).toString('base64url'));
  const authorised = (url: URL, req: http.IncomingMessage): boolean => {
    if (token === null) return true;
    return tokenMatches(url.searchParams.get('token') ?? bearer(req.headers.authorization), token);
  };

  const server = http.createServer((req, res) => {
    void handleHttp(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error: ${(e as Error).message}`);
    });
  });
  // A client that never finishes its request is dropped instead of holding a socket for Node's
  // defaults (60 s for headers, 5 min for the request); others are served meanwhile either way.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    if (url.pathname.startsWith('/asset/')) {
      if (!authorised(url, req)) return void send(res, 401, 'token required');
      const response = await engine.assets.handle(new Request(`http://localhost${req.url ?? '/'}`, { method: req.method ?? 'GET' }));
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
      return;
    }
    if (url.pathname === '/healthz') {
      return void send(res, 200, JSON.stringify({ ok: true, version: engine.version }), 'application/json');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return void send(res, 405, 'method not allowed');
    serveStatic(url.pathname, res);
  }

  function serveStatic(pathname: string, res: http.ServerResponse): void {
    const root = path.resolve(options.rendererDir);
    const index = path.join(root, 'index.html');
    if (!fs.existsSync(index)) {
      return void send(res, 503, `renderer not built (${index} missing): run \`npm run build\``);
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return void send(res, 400, 'bad path');
    }
    const file = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
    const inside = file === root || file.startsWith(root + path.sep);
    const target = inside && fs.existsSync(file) && fs.statSync(file).isFile() ? file : index;
    const type = MIME[path.extname(target)] ?? 'application/octet-stream';
    const headers: Record<string, string> = { 'content-type': type };
    if (target === index) {
      headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
      headers['cache-control'] = 'no-cache';
    }
    res.writeHead(200, headers);
    fs.createReadStream(target).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES });
  const maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const originOk = !req.headers.origin || sameOrigin(req.headers.origin, req.headers.host);
    if (url.pathname !== '/ws' || !authorised(url, req) || !originOk) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attachWebSocket(engine, ws, maxBuffered));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  const url = `http://${hostForUrl}:${port}/${token ? `?token=${token}` : ''}`;
  return {
    url,
    port,
    token,
    clients: () => wss.clients.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function bearer(header: string | undefined): string | null {
  return header?.startsWith('Bearer ') ? header.slice(7) : null;
}

/** Refuses cross-site WebSocket connections (a page elsewhere driving a loopback engine). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function send(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}
