// A hostile client against `serve` (issue 19): 1,000 fuzzed frames, oversized frames (a 1 GiB length
// header is refused without reading it), slow clients that never finish a request or never read,
// hundreds of concurrent connections, wrong and missing tokens (the comparison path is constant-time),
// cross-origin upgrades, and asset ids of a removed dataset. After each, the server answers.
// serve.test.ts holds the basic contract, token and origin cases; this file goes further.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { MAX_PAYLOAD_BYTES, startServer, tokenMatches, type RunningServer } from '../../../main/web/server.js';
import { tempDir } from '../../helpers/temp-workspace.js';

let tmp: ReturnType<typeof tempDir>;
let engine: Engine;
let server: RunningServer;
let frameIds: string[] = [];
let datasetId: string;

beforeAll(async () => {
  tmp = tempDir('cs-hostile-');
  engine = await createEngine({ workspace: path.join(tmp.dir, 'ws'), runJobs: true });
  const data = path.join(tmp.dir, 'frames');
  fs.mkdirSync(data);
  for (let i = 0; i < 2; i++) {
    await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 40 * i, g: 90, b: 200 } } }).png().toFile(path.join(data, `f${i}.png`));
  }
  const imp = await engine.call('datasets.import', { path: data, format: 'folder' });
  const job = await engine.call('jobs.wait', { id: imp.jobId });
  expect(job.state, job.error ?? '').toBe('succeeded');
  datasetId = imp.datasetId;
  frameIds = (await engine.call('datasets.frames', { id: datasetId })).items.map((f) => f.id);
  server = await startServer(engine, { host: '127.0.0.1', port: 0, rendererDir: path.join(tmp.dir, 'no-renderer') });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await engine?.close();
  tmp?.cleanup();
});

function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function rpc(ws: WebSocket, method: string, args: unknown, id: string | number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMsg = (d: WebSocket.RawData) => {
      const m = JSON.parse(d.toString()) as Record<string, unknown>;
      if (m.kind === 'response' && m.id === id) {
        ws.off('message', onMsg);
        resolve(m);
      }
    };
    ws.on('message', onMsg);
    ws.once('close', () => reject(new Error('closed before the answer')));
    ws.send(JSON.stringify({ kind: 'request', id, method, args }));
  });
}

/** The server is up: a fresh connection gets engine.info, and HTTP answers /healthz. */
async function stillAnswers(s: RunningServer = server, query = ''): Promise<void> {
  const ws = await connect(`ws://127.0.0.1:${s.port}/ws${query}`);
  const r = await rpc(ws, 'engine.info', {}, 'alive');
  expect(r.ok).toBe(true);
  ws.close();
  expect((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status).toBe(200);
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

/** A raw socket that completed the WebSocket handshake (for frames the ws client would not send). */
async function rawUpgrade(port: number): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write(
    'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await new Promise<void>((resolve, reject) => {
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        sock.off('data', onData);
        if (got.startsWith('HTTP/1.1 101')) resolve();
        else reject(new Error(got.split('\r\n')[0]));
      }
    };
    sock.on('data', onData);
  });
  return sock;
}

describe('hostile client against serve', () => {
  it('answers 1,000 fuzzed frames with errors, stays up and keeps its prototypes clean', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/ws`);
    let answers = 0;
    let okAnswers = 0;
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { kind: string; ok?: boolean };
      if (m.kind === 'response') {
        answers++;
        if (m.ok) okAnswers++;
      }
    });
    let seed = 19;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const methods = ['engine.info', 'jobs.get', 'jobs.list', 'datasets.get', 'datasets.frames', 'mappings.get', 'no.such', '__proto__', 'constructor', '', 'x'.repeat(300)];
    const values: unknown[] = [null, true, -1, 1e308, 'x', '', [], {}, { __proto__: { polluted: 1 } }, { constructor: { prototype: { polluted: 1 } } }, '\u0000\ud800', [[[[[]]]]]];
    const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });
    const frames: (string | Buffer)[] = [];
    let expectedAnswers = 0;
    for (let i = 0; i < 1000; i++) {
      switch (i % 8) {
        case 0: // JSON-ish soup
          frames.push(Array.from({ length: 1 + Math.floor(rand() * 16) }, () => pick(['{', '}', '[', ']', '"kind"', ':', ',', '"request"', '"id"', '7', 'null', '"method"', '"args"', '9e999', '-0', '"\\u0000"'])).join(''));
          break;
        case 1: // an envelope with a random method and random args
          frames.push(JSON.stringify({ kind: 'request', id: `r${i}`, method: pick(methods), args: pick(values) }));
          break;
        case 2: // ids of every wrong type
          frames.push(JSON.stringify({ kind: pick(['request', 'cancel', 'event', 'response', 7]), id: pick(values), method: 'engine.info', args: {} }));
          break;
        case 3: // binary frames
          frames.push(Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256))));
          break;
        case 4: // deep nesting and big arrays in args
          frames.push(JSON.stringify({ kind: 'request', id: `d${i}`, method: 'jobs.list', args: rand() < 0.5 ? deep(2000) : { states: Array.from({ length: 5000 }, () => 'running') } }));
          break;
        case 5: // prototype keys in the envelope itself
          frames.push(`{"kind":"request","id":"p${i}","method":"engine.info","args":{},"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`);
          break;
        case 6: // random printable text
          frames.push(String.fromCharCode(...Array.from({ length: 40 }, () => 32 + Math.floor(rand() * 95))));
          break;
        default: // a cancel for something never asked (no answer expected), then a duplicate id pair
          frames.push(JSON.stringify({ kind: 'cancel', id: `never-${i}` }));
          expectedAnswers--;
      }
      expectedAnswers++;
    }
    for (const f of frames) ws.send(f);
    const after = await rpc(ws, 'engine.info', {}, 'after-fuzz');
    expect(after.ok).toBe(true);
    // every frame but the cancels got its answer (a random soup may parse as a cancel: a few fewer)
    expect(answers).toBeGreaterThanOrEqual(expectedAnswers - 20);
    expect(okAnswers).toBeLessThan(answers / 2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    ws.close();
    await stillAnswers();
  });

  it('closes a connection that sends an oversized frame (1009) without buffering it', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/ws`);
    const code = closed(ws);
    ws.send('x'.repeat(MAX_PAYLOAD_BYTES + 1024));
    expect(await code).toBe(1009);
    // A frame header declaring 1 GiB, then silence: refused at the header, not after reading a gigabyte.
    const sock = await rawUpgrade(server.port);
    const header = Buffer.alloc(14);
    header[0] = 0x81; // FIN + text
    header[1] = 0x80 | 127; // masked, 64-bit length
    header.writeBigUInt64BE(2n ** 30n, 2);
    const reply = new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      sock.on('data', (d: Buffer) => chunks.push(d));
      sock.once('close', () => resolve(Buffer.concat(chunks)));
    });
    sock.write(header);
    const got = await reply;
    expect(got[0]).toBe(0x88); // a close frame
    expect(got.readUInt16BE(2)).toBe(1009);
    await stillAnswers();
  });

  it('serves others while slow clients never finish their request or never read', async () => {
    const slow: net.Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const s = net.connect(server.port, '127.0.0.1');
      s.on('error', () => undefined);
      s.write(i % 2 ? 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' : 'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
      slow.push(s);
    }
    try {
      for (let i = 0; i < 5; i++) await stillAnswers();
    } finally {
      for (const s of slow) s.destroy();
    }
    // A WebSocket peer that stops reading is dropped once its queue passes the bound; others go on.
    const small = await startServer(engine, { host: '127.0.0.1', port: 0, rendererDir: tmp.dir, maxBufferedBytes: 64 * 1024 });
    try {
      const sock = await rawUpgrade(small.port);
      sock.pause(); // never reads another byte
      const gone = new Promise<void>((r) => sock.once('close', () => r()));
      sock.on('error', () => undefined);
      const mask = Buffer.from([1, 2, 3, 4]);
      const frame = (id: number) => {
        const payload = Buffer.from(JSON.stringify({ kind: 'request', id, method: 'datasets.get', args: { id: datasetId } })).map((b, i) => b ^ mask[i % 4]!);
        return Buffer.concat([Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255]), mask, payload]);
      };
      // Answers pile up in the kernel's socket buffers first (megabytes on loopback), then in the
      // server's queue: keep asking until the server hangs up (bounded: 200,000 requests).
      let closedByServer = false;
      void gone.then(() => (closedByServer = true));
      for (let i = 0; i < 200_000 && !closedByServer; i += 200) {
        sock.write(Buffer.concat(Array.from({ length: 200 }, (_, k) => frame(i + k))));
        await new Promise((r) => setImmediate(r));
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        gone,
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the server kept queueing for a peer that does not read')), 60_000))),
      ]).finally(() => clearTimeout(timer));
      await stillAnswers(small);
    } finally {
      await small.close();
    }
  });

  it('answers hundreds of concurrent connections', async () => {
    const n = 200;
    const sockets = await Promise.all(Array.from({ length: n }, () => connect(`ws://127.0.0.1:${server.port}/ws`)));
    const answers = await Promise.all(sockets.map((ws, i) => rpc(ws, 'engine.info', {}, i)));
    expect(answers.every((a) => a.ok === true)).toBe(true);
    for (const ws of sockets) ws.close();
    const statuses = await Promise.all(Array.from({ length: n }, () => fetch(`http://127.0.0.1:${server.port}/healthz`).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    await stillAnswers();
  });

  it('compares tokens on one path whatever is presented: hashed to equal length, timingSafeEqual always runs', () => {
    const token = 'k'.repeat(32);
    const presented: (string | null)[] = [null, '', 'k', token.slice(1), `${token}k`, 'j'.repeat(32), token, 'é'.repeat(40)];
    for (const given of presented) {
      const calls: [number, number][] = [];
      const ok = tokenMatches(given, token, (a, b) => {
        calls.push([a.length, b.length]);
        return a.equals(b);
      });
      expect(calls, String(given)).toEqual([[32, 32]]);
      expect(ok, String(given)).toBe(given === token);
    }
  });

  it('refuses wrong and missing tokens on a non-loopback bind, by query or bearer header', async () => {
    const s = await startServer(engine, { host: '0.0.0.0', port: 0, rendererDir: tmp.dir, token: 't'.repeat(32) });
    try {
      const wrong = ['', 'x', 't'.repeat(31), 't'.repeat(33), 'u'.repeat(32), 't'.repeat(31) + '\u00e9'];
      for (const w of wrong) {
        await expect(connect(`ws://127.0.0.1:${s.port}/ws?token=${encodeURIComponent(w)}`), w).rejects.toThrow(/401/);
        await expect(connect(`ws://127.0.0.1:${s.port}/ws`, { authorization: `Bearer ${w}` }), w).rejects.toThrow(/401/);
        expect((await fetch(`http://127.0.0.1:${s.port}/asset/frame/${frameIds[0]}?token=${encodeURIComponent(w)}`)).status).toBe(401);
      }
      expect((await fetch(`http://127.0.0.1:${s.port}/asset/frame/${frameIds[0]}`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${s.port}/asset/frame/${frameIds[0]}`, { headers: { authorization: `Bearer ${'t'.repeat(32)}` } })).status).toBe(200);
      await stillAnswers(s, `?token=${'t'.repeat(32)}`);
    } finally {
      await s.close();
    }
  });

  it('refuses cross-origin WebSocket upgrades, look-alike hosts and other ports included', async () => {
    const p = server.port;
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${p + 1}`, `http://127.0.0.1.evil.example:${p}`, `https://127.0.0.1:${p}@evil.example`, 'not a url']) {
      await expect(connect(`ws://127.0.0.1:${p}/ws`, { origin }), origin).rejects.toThrow(/401/);
    }
    const same = await connect(`ws://127.0.0.1:${p}/ws`, { origin: `http://127.0.0.1:${p}` });
    same.close();
    await stillAnswers();
  });

  it('answers 404 naming the asset for ids of a removed dataset', async () => {
    const id = frameIds[0]!;
    expect((await fetch(`http://127.0.0.1:${server.port}/asset/frame/${id}`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${server.port}/asset/thumb/${id}?w=64`)).status).toBe(200);
    await engine.call('datasets.remove', { id: datasetId });
    for (const type of ['frame', 'thumb', 'gt', 'gt-color']) {
      const res = await fetch(`http://127.0.0.1:${server.port}/asset/${type}/${id}`);
      expect(res.status, type).toBe(404);
      expect(await res.text()).toContain(id);
    }
    await stillAnswers();
  });
});
