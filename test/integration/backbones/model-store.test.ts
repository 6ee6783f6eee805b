// The model store: add (validate, hash, register), list, remove, and pull failing fast offline.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../../shared/contract/errors.js';
import { addModel, listStoredModels, optimizeModel, pullModel, removeModel } from '../../../main/engine/backbones/model-store.js';
import { listBackbones, openBackbone } from '../../../main/engine/backbones/registry.js';
import { FUSED_ATTENTION_FILE, maxAbsDifference, probeImage, writeFusedVariant } from '../../../main/engine/backbones/fused-attention.js';
import { GraphBuilder, ints } from '../../../main/engine/onnx/graph-builder.js';
import { buildVitModel } from '../../../main/engine/onnx/vit-model.js';
import { makeFixture, type Fixture } from '../../../bench/lib/folder-dataset.js';

let fx: Fixture | undefined;
afterEach(() => {
  fx?.cleanup();
  fx = undefined;
});

async function rejection(p: Promise<unknown>): Promise<StudioError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StudioError);
  return e as StudioError;
}

/** A port nothing listens on: bind, note it, close. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('model store', () => {
  it('adds a model: copies it into the workspace, hashes it, finds patch and dim, lists and removes it', async () => {
    fx = await makeFixture({ frames: 1 });
    const file = path.join(fx.root, 'dinov2-like.onnx');
    fs.writeFileSync(file, buildVitModel({ patchSize: 14, dim: 16, depth: 1, heads: 2 }));
    const m = await addModel(fx.db, fx.ws, { file, name: 'mini-dinov2' });
    expect(m).toMatchObject({ name: 'mini-dinov2', family: 'dinov2', patchSize: 14, dim: 16, bytes: fs.statSync(file).size });
    expect(m.sha256).toMatch(/^[a-f0-9]{64}$/);
    expect(listStoredModels(fx.db, fx.ws).map((x) => x.name)).toEqual(['mini-dinov2']);
    expect(listBackbones(fx.db).map((b) => [b.id, b.referenceSize])).toEqual([
      ['rgb', 320],
      ['builtin', 320],
      ['builtin-vit', 320],
      ['mini-dinov2', 322],
    ]);
    // The original can go away: the store has its own copy.
    fs.rmSync(file);
    const copy = fs.readdirSync(path.join(fx.ws.root, 'models'));
    expect(copy.length).toBe(1);

    expect((await rejection(addModel(fx.db, fx.ws, { file: path.join(fx.root, 'nope.onnx'), name: 'x' }))).message).toMatch(/nope\.onnx: no such model file/);
    fs.writeFileSync(file, buildVitModel({ patchSize: 14, dim: 16, depth: 1, heads: 2 }));
    expect((await rejection(addModel(fx.db, fx.ws, { file, name: 'mini-dinov2' }))).code).toBe('conflict');
    expect((await rejection(addModel(fx.db, fx.ws, { file, name: 'again' }))).message).toMatch(/already registered as 'mini-dinov2'/);

    expect(removeModel(fx.db, fx.ws, 'mini-dinov2')).toBe(true);
    expect(listStoredModels(fx.db, fx.ws)).toEqual([]);
    expect(fs.readdirSync(path.join(fx.ws.root, 'models')).filter((d) => d !== 'downloads')).toEqual([]);
  });

  it('refuses bad models with the file named', async () => {
    fx = await makeFixture({ frames: 1 });
    const truncated = path.join(fx.root, 'truncated.onnx');
    const bytes = buildVitModel({ patchSize: 8, dim: 16, depth: 1, heads: 2 });
    fs.writeFileSync(truncated, bytes.subarray(0, bytes.length - 200));
    expect((await rejection(addModel(fx.db, fx.ws, { file: truncated, name: 't' }))).message).toMatch(/truncated\.onnx: .*(truncated|not ONNX)/);

    const notModel = path.join(fx.root, 'notes.onnx');
    fs.writeFileSync(notModel, 'hello, this is text');
    expect((await rejection(addModel(fx.db, fx.ws, { file: notModel, name: 'n' }))).message).toMatch(/notes\.onnx: not (a readable )?(an )?ONNX model/);

    // No patch-embedding convolution: the patch size must be given.
    const g = new GraphBuilder();
    const x = g.input('pixel_values', ['batch', 3, 'height', 'width']);
    g.op('Conv', [x, g.floats('w', [4, 3, 3, 3], new Float32Array(108))], { kernel_shape: ints([3, 3]), strides: ints([1, 1]) }, 'y');
    g.output('y', ['batch', 4, 'h', 'w']);
    const conv = path.join(fx.root, 'conv.onnx');
    fs.writeFileSync(conv, g.toBytes());
    expect((await rejection(addModel(fx.db, fx.ws, { file: conv, name: 'c' }))).message).toMatch(/conv\.onnx: cannot find a patch-embedding convolution.*--patch/);
    expect((await rejection(addModel(fx.db, fx.ws, { file: conv, name: 'c', patchSize: 8 }))).message).toMatch(/conv\.onnx: output 'y' has shape .*expected a token sequence/);
    expect(listStoredModels(fx.db, fx.ws)).toEqual([]);
  });

  it('pull fails fast and clearly when the hub cannot be reached', async () => {
    fx = await makeFixture({ frames: 1 });
    const port = await closedPort();
    const t0 = Date.now();
    const e = await rejection(pullModel(fx.db, fx.ws, { preset: 'dinov2-small', endpoint: `http://127.0.0.1:${port}`, timeoutMs: 3000 }));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(e.code).toBe('unavailable');
    expect(e.message).toMatch(/cannot download http:\/\/127\.0\.0\.1:\d+\/Xenova\/dinov2-small\/resolve\/main\/onnx\/model\.onnx: .*unreachable \(ECONNREFUSED\).*models add/);
    expect((await rejection(pullModel(fx.db, fx.ws, { preset: 'dinov3-huge' }))).message).toMatch(/unknown model 'dinov3-huge' \(known: dinov2-small/);
  });

  it('pull resumes a partial download, verifies the checksum and registers the model', async () => {
    fx = await makeFixture({ frames: 1 });
    const model = Buffer.from(buildVitModel({ patchSize: 8, dim: 16, depth: 1, heads: 2 }));
    const sha = (await import('node:crypto')).createHash('sha256').update(model).digest('hex');
    const ranges: (string | undefined)[] = [];
    // A local stand-in for the hub (never an outside address in tests).
    const srv = http.createServer((req, res) => {
      if (req.method === 'HEAD') {
        // Like the hub: the checksum on a redirect to the file's storage.
        res.writeHead(302, { location: `/cdn${req.url ?? ''}`, 'x-linked-etag': `"${sha}"` });
        return res.end();
      }
      ranges.push(req.headers.range);
      const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
      const from = m ? Number(m[1]) : 0;
      res.writeHead(m ? 206 : 200, { 'content-length': model.length - from, etag: '"not-a-sha"' });
      res.end(model.subarray(from));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      // A previous attempt left the first half.
      const part = path.join(fx.ws.dir('models', 'downloads'), 'dino-vits8.onnx.part');
      fs.writeFileSync(part, model.subarray(0, 1000));
      const m = await pullModel(fx.db, fx.ws, { preset: 'dino-vits8', endpoint: `http://127.0.0.1:${port}` });
      expect(ranges).toEqual(['bytes=1000-']);
      expect(m).toMatchObject({ name: 'dino-vits8', family: 'dino', patchSize: 8, sha256: sha, source: 'hub:Xenova/dino-vits8' });
      expect(fs.existsSync(part)).toBe(false);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('keeps a verified fused-attention variant of a model it adds, and extraction runs it unless asked not to', async () => {
    fx = await makeFixture({ frames: 1 });
    const file = path.join(fx.root, 'dino-like.onnx');
    fs.writeFileSync(file, buildVitModel({ patchSize: 8, dim: 32, depth: 2, heads: 4, seed: 9, attentionLayout: 'separate-qkv' }));
    const logs: string[] = [];
    const m = await addModel(fx.db, fx.ws, { file, name: 'dino-like', onLog: (l) => logs.push(l) });
    const stored = path.join(fx.ws.root, 'models', m.sha256.slice(0, 16));
    expect(fs.readdirSync(stored).sort()).toEqual([FUSED_ATTENTION_FILE, 'model.onnx'].sort());
    expect(logs.join('\n')).toMatch(/dino-like: 2 attention blocks fused into MultiHeadAttention/);

    const x = probeImage(24, 40);
    const fused = await openBackbone(fx.db, 'dino-like', { workspaceRoot: fx.ws.root, provider: 'cpu' });
    const asExported = await openBackbone(fx.db, 'dino-like', { workspaceRoot: fx.ws.root, provider: 'cpu', attention: 'as-exported' });
    try {
      const a = await fused.extract({ data: x, n: 1, height: 24, width: 40 });
      const b = await asExported.extract({ data: x, n: 1, height: 24, width: 40 });
      expect(maxAbsDifference(a, b)).toBeLessThan(1e-4);
      // Same weights, so the same cache identity: features from either are interchangeable.
      expect(fused.cacheId).toBe(asExported.cacheId);
    } finally {
      await fused.dispose();
      await asExported.dispose();
    }

    // A variant that does not reproduce the reference is not kept.
    const reference = { data: new Float32Array(3 * 3 * 32), n: 1, h: 3, w: 3, dim: 32 };
    const r = await writeFusedVariant({ modelFile: path.join(stored, 'model.onnx'), label: file, patchSize: 8, size: { width: 24, height: 24 }, reference });
    expect(r.file).toBeNull();
    expect(r.reason).toMatch(/tokens differ from the original's by .* \(> 0\.0001\)/);
    expect(fs.existsSync(path.join(stored, FUSED_ATTENTION_FILE))).toBe(false);
    // That is also a model an older studio added: listed as running as exported, until `models optimize`.
    expect(listStoredModels(fx.db, fx.ws)[0]!.attention).toBe('as-exported');
    expect(listBackbones(fx.db, fx.ws.root).find((x) => x.id === 'dino-like')!.description).toMatch(/attention as exported .*models optimize dino-like/);
    logs.length = 0;
    const optimized = await optimizeModel(fx.db, fx.ws, 'dino-like', (l) => logs.push(l));
    expect(optimized.attention).toBe('fused');
    expect(logs.join('\n')).toMatch(/dino-like: 2 attention blocks fused into MultiHeadAttention/);
    expect(fs.existsSync(path.join(stored, FUSED_ATTENTION_FILE))).toBe(true);
    expect(listStoredModels(fx.db, fx.ws)[0]!.attention).toBe('fused');
    expect(listBackbones(fx.db, fx.ws.root).find((x) => x.id === 'dino-like')!.description).toMatch(/attention fused/);
    expect((await rejection(optimizeModel(fx.db, fx.ws, 'nope'))).message).toMatch(/no model named 'nope'/);
  });
});
