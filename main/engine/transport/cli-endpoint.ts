// The desktop app's door for the CLI: a loopback-only WebSocket carrying the contract, with a fresh
// token published in the workspace's serve.json (mode 0600). With it, `cause-studio train` and
// `jobs cancel` submit to the app's engine instead of failing on the workspace lock. `serve` has its
// own HTTP server (main/web/server.ts) and publishes that instead. No page can use this socket: any
// request that carries an Origin header (every browser request does) is refused.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Engine } from '../engine.js';
import { publishEndpoint } from './endpoint-file.js';
import { createSession } from './session.js';
import { tokenMatches } from './token.js';

/** Largest WebSocket message accepted (serve and this endpoint); ws closes the connection (1009) on a larger one without buffering it. */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

/** Serves one WebSocket connection with a contract session until it closes. */
export function attachWebSocket(engine: Pick<Engine, 'callUnchecked' | 'onEvent'>, ws: WebSocket, maxBufferedBytes = 16 * 1024 * 1024): void {
  const session = createSession(engine, (m) => {
    if (ws.readyState !== ws.OPEN) return;
    // A peer that stops reading would make us queue every answer and event in memory: drop it.
    if (ws.bufferedAmount > maxBufferedBytes) {
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(m));
  });
  ws.on('message', (data, isBinary) => session.receive(isBinary ? 'binary frames are not supported' : data.toString('utf8')));
  ws.on('close', () => session.close());
  ws.on('error', () => session.close());
}

export interface CliEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

export async function openCliEndpoint(engine: Engine, role: 'desktop' | 'serve' = 'desktop'): Promise<CliEndpoint> {
  const token = randomBytes(24).toString('base64url');
  const server = http.createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const ok = url.pathname === '/ws' && !req.headers.origin && tokenMatches(url.searchParams.get('token'), token);
    if (!ok) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attachWebSocket(engine, ws));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const unpublish = publishEndpoint(engine.workspace.root, { pid: process.pid, host: '127.0.0.1', port, token, role });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        unpublish();
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
