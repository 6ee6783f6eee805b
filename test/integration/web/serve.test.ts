// `serve`: the contract over a real WebSocket, tokens, origin checks, and a fuzz of malformed frames.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { startServer, type RunningServer } from '../../../main/web/server.js';
import { tempDir } from '../../helpers/temp-workspace.js';

let tmp: ReturnType<typeof tempDir>;
let engine: Engine;
let server: RunningServer;

beforeAll(async () => {
  tmp = tempDir();
  engine = await createEngine({ workspace: tmp.dir });
  server = await startServer(engine, { host: '127.0.0.1', port: 0, rendererDir: tmp.dir + '/no-renderer' });
});
afterAll(async () => {
  await server.close();
  await engine.close();
  tmp.cleanup();
});

function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function rpc(ws: WebSocket, frame: string, matchId: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMsg = (d: WebSocket.RawData) => {
      const m = JSON.parse(d.toString()) as Record<string, unknown>;
      if (m.kind === 'response' && m.id === matchId) {
        ws.off('message', onMsg);
        resolve(m);
      }
    };
    ws.on('message', onMsg);
    ws.send(frame);
  });
}

describe('serve', () => {
  it('answers contract calls over the WebSocket', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/ws`);
    const r = await rpc(ws, JSON.stringify({ kind: 'request', id: 1, method: 'engine.info', args: {} }), 1);
    expect(r.ok).toBe(true);
    expect((r.result as { workspace: string }).workspace).toBe(tmp.dir);
    const u = await rpc(ws, JSON.stringify({ kind: 'request', id: 2, method: 'no.such', args: {} }), 2);
    expect(u).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    const b = await rpc(ws, JSON.stringify({ kind: 'request', id: 3, method: 'jobs.get', args: { id: 5 } }), 3);
    expect(b).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const n = await rpc(ws, JSON.stringify({ kind: 'request', id: 4, method: 'jobs.get', args: { id: 'nope' } }), 4);
    expect(n).toMatchObject({ ok: false, error: { code: 'not_found' } });
    ws.close();
  });

  it('survives a few hundred random malformed frames and keeps answering', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/ws`);
    let errors = 0;
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { kind: string; ok?: boolean };
      if (m.kind === 'response' && m.ok === false) errors++;
    });
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const pieces = ['{', '}', '"kind"', ':', '"request"', '"id"', '1', '"method"', '"engine.info"', ',', '[', ']', 'null', '"args"', '{"a":1}', '"cancel"', '\u0000', '9e999', '"__proto__"'];
    const frames: string[] = [];
    for (let i = 0; i < 300; i++) {
      const kind = i % 4;
      if (kind === 0) frames.push(Array.from({ length: 1 + Math.floor(rand() * 12) }, () => pieces[Math.floor(rand() * pieces.length)]).join(''));
      else if (kind === 1) frames.push(JSON.stringify({ kind: 'request', id: { nested: i }, method: 42 }));
      else if (kind === 2) frames.push(JSON.stringify({ kind: 'request', id: `f${i}`, method: 'jobs.list', args: { limit: 'many', states: [i] } }));
      else frames.push(String.fromCharCode(...Array.from({ length: 20 }, () => Math.floor(rand() * 256))));
    }
    for (const f of frames) ws.send(f);
    const r = await rpc(ws, JSON.stringify({ kind: 'request', id: 'after', method: 'engine.info', args: {} }), 'after');
    expect(r.ok).toBe(true);
    // every frame that was not a valid request got an error answer (some random ones may parse as cancels)
    expect(errors).toBeGreaterThan(250);
    ws.close();
  });

  it('refuses cross-site WebSocket origins', async () => {
    await expect(connect(`ws://127.0.0.1:${server.port}/ws`, { origin: 'http://evil.example' })).rejects.toThrow(/401/);
  });

  it('says clearly when the renderer is not built', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/npm run build/);
  });

  it('serves the page with a strict CSP: no inline or eval, no framing', async () => {
    const dir = path.join(tmp.dir, 'renderer-built');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
    const s = await startServer(engine, { host: '127.0.0.1', port: 0, rendererDir: dir });
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/`);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).toMatch(/style-src 'self'(;|$)/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
    } finally {
      await s.close();
    }
  });
});

describe('serve beyond loopback', () => {
  it('generates a token and refuses requests without it', async () => {
    const s = await startServer(engine, { host: '0.0.0.0', port: 0, rendererDir: tmp.dir });
    try {
      expect(s.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(s.url).toContain(`?token=${s.token}`);
      await expect(connect(`ws://127.0.0.1:${s.port}/ws`)).rejects.toThrow(/401/);
      await expect(connect(`ws://127.0.0.1:${s.port}/ws?token=wrong`)).rejects.toThrow(/401/);
      const ws = await connect(`ws://127.0.0.1:${s.port}/ws?token=${s.token}`);
      const r = await rpc(ws, JSON.stringify({ kind: 'request', id: 1, method: 'engine.info', args: {} }), 1);
      expect(r.ok).toBe(true);
      ws.close();
      expect((await fetch(`http://127.0.0.1:${s.port}/asset/frame/x`)).status).toBe(401);
    } finally {
      await s.close();
    }
  });
});
