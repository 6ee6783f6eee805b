// The feature cache end to end on real files: miss, hit, duplicate frames, five-crop, a corrupt shard,
// an interrupted run that resumes, and the ONNX path through the model store.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../../shared/contract/errors.js';
import { createBuiltinBackbone } from '../../../main/engine/backbones/builtin.js';
import { decodeRGB, preprocessImage, resolvePreprocessing } from '../../../main/engine/backbones/preprocess.js';
import { describeBackbone } from '../../../main/engine/backbones/registry.js';
import { addModel } from '../../../main/engine/backbones/model-store.js';
import { deleteShard, insertShard, listShards } from '../../../main/engine/db/queries/features.js';
import { featureCacheKey, featureSetIdFor } from '../../../main/engine/features/cache-key.js';
import { extractFeatures, type ExtractEnv, type ExtractParams } from '../../../main/engine/features/extract.js';
import { openFeatureSet } from '../../../main/engine/features/feature-reader.js';
import { buildVitModel } from '../../../main/engine/onnx/vit-model.js';
import type { Preprocessing } from '../../../shared/contract/backbones.js';
import { makeFixture, type Fixture } from '../../../bench/lib/folder-dataset.js';

let fx: Fixture | undefined;
afterEach(() => {
  fx?.cleanup();
  fx = undefined;
});

function env(f: Fixture, extra: Partial<ExtractEnv> = {}): ExtractEnv & { logs: string[] } {
  const logs: string[] = [];
  return {
    db: f.db,
    workspaceRoot: f.ws.root,
    throwIfCancelled: () => {},
    progress: () => {},
    log: (m) => logs.push(m),
    registerShard: (p) => {
      f.db.transaction(() =>
        insertShard(f.db, { id: p.id, cache_key: p.cacheKey, file: p.file, sha256: p.sha256, bytes: p.bytes, tensors: p.tensors }, p.entries),
      )();
      return Promise.resolve();
    },
    dropShard: (id) => {
      const row = deleteShard(f.db, id);
      if (row) fs.rmSync(path.join(f.ws.root, row.file), { force: true });
      return Promise.resolve();
    },
    logs,
    ...extra,
  };
}

function params(f: Fixture, backbone: string, opts: { width?: number; height?: number; crops?: Preprocessing['crops']; shardBytes?: number; batchSize?: number } = {}): ExtractParams {
  const d = describeBackbone(f.db, backbone);
  const prep = resolvePreprocessing(d, opts);
  const cacheKey = featureCacheKey(d.cacheId, prep);
  return {
    featureSetId: featureSetIdFor(f.datasetId, cacheKey),
    datasetId: f.datasetId,
    backbone,
    family: d.family,
    patchSize: d.patchSize,
    modelSha256: d.cacheId.startsWith('onnx:') ? d.cacheId.slice(5) : null,
    cacheKey,
    preprocessing: prep,
    ...(opts.shardBytes ? { shardBytes: opts.shardBytes } : {}),
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
  };
}

describe('feature cache', () => {
  it('computes on a miss, reuses on a hit, and stores each distinct frame content once', async () => {
    fx = await makeFixture({ frames: 6, duplicates: 2 });
    const p = params(fx, 'builtin', { width: 64, height: 48 });
    const first = await extractFeatures(env(fx), p);
    expect(first).toMatchObject({ computed: 4, reused: 0, frameCount: 6, itemCount: 6, grid: { h: 6, w: 8 }, provider: 'js' });

    const set = openFeatureSet(fx.ws.root, p.featureSetId);
    expect(set.items.map((i) => i.frameId)).toEqual(fx.frames);
    expect(set.items[4]!.contentHash).toBe(set.items[0]!.contentHash);
    // What the reader returns is the backbone's output, to float16 precision.
    const img = await decodeRGB(path.join(fx.imageDir, 'frame_0001.png'));
    const input = await preprocessImage(img, p.preprocessing);
    const direct = await createBuiltinBackbone().extract({ data: input, n: 1, height: 48, width: 64 });
    const cached = set.read(1);
    expect(cached.length).toBe(6 * 8 * set.dim);
    let maxErr = 0;
    for (let i = 0; i < cached.length; i++) maxErr = Math.max(maxErr, Math.abs(cached[i]! - direct.data[i]!) / Math.max(1, Math.abs(direct.data[i]!)));
    expect(maxErr).toBeLessThan(1e-3);
    expect(Array.from(set.readBatch([0, 4]).subarray(0, 10))).toEqual(Array.from(set.readBatch([4, 0]).subarray(0, 10)));
    set.close();

    const second = await extractFeatures(env(fx), p);
    expect(second).toMatchObject({ computed: 0, reused: 4, itemCount: 6 });
    expect(openFeatureSet(fx.ws.root, p.featureSetId).read(1)).toEqual(cached);
  });

  it('gives another preprocessing its own key', async () => {
    fx = await makeFixture({ frames: 2 });
    await extractFeatures(env(fx), params(fx, 'builtin', { width: 64, height: 48 }));
    const other = await extractFeatures(env(fx), params(fx, 'builtin', { width: 32, height: 32 }));
    expect(other).toMatchObject({ computed: 2, reused: 0, grid: { h: 4, w: 4 } });
  });

  it('five-crops each frame: 5 items per frame, corners and centre', async () => {
    fx = await makeFixture({ frames: 2 });
    const p = params(fx, 'rgb', { width: 32, height: 32, crops: 'five' });
    const r = await extractFeatures(env(fx), p);
    expect(r.itemCount).toBe(10);
    const set = openFeatureSet(fx.ws.root, p.featureSetId);
    expect(set.items.slice(0, 5).map((i) => i.crop)).toEqual([0, 1, 2, 3, 4]);
    // Top crops show sky (blue > red), bottom crops road (grey): the crops really differ.
    const top = set.read(0);
    const bottom = set.read(2);
    expect(top[2]! - top[0]!).toBeGreaterThan(0.1);
    expect(Math.abs(bottom[bottom.length - 6 + 2]! - bottom[bottom.length - 6]!)).toBeLessThan(0.1);
  });

  it('detects a corrupt shard: the reader refuses it, and the next run recomputes it', async () => {
    fx = await makeFixture({ frames: 4 });
    const p = params(fx, 'builtin', { width: 64, height: 48, shardBytes: 1, batchSize: 1 });
    await extractFeatures(env(fx), p);
    const shards = listShards(fx.db, p.cacheKey);
    expect(shards.length).toBe(4);
    const victim = path.join(fx.ws.root, shards[2]!.file);
    const bytes = fs.readFileSync(victim);
    bytes[bytes.length - 5]! ^= 0xff;
    fs.writeFileSync(victim, bytes);

    const set = openFeatureSet(fx.ws.root, p.featureSetId);
    expect(() => set.read(2)).toThrow(StudioError);
    expect(() => set.read(2)).toThrow(/feature shard is damaged \(checksum mismatch\)/);
    expect(set.read(1).length).toBeGreaterThan(0);

    const e = env(fx);
    const again = await extractFeatures(e, p);
    expect(again).toMatchObject({ corruptShards: 1, computed: 1, reused: 3 });
    expect(e.logs.join('\n')).toMatch(/unusable .*checksum mismatch.*recomputed/);
    expect(fs.existsSync(victim)).toBe(false);
    expect(openFeatureSet(fx.ws.root, p.featureSetId).read(2).every(Number.isFinite)).toBe(true);
  });

  it('resumes an interrupted run without recomputing finished shards', async () => {
    fx = await makeFixture({ frames: 5 });
    const p = params(fx, 'builtin', { width: 64, height: 48, shardBytes: 1, batchSize: 1 });
    let registered = 0;
    const base = env(fx);
    const interrupted = env(fx, {
      registerShard: async (s) => {
        await base.registerShard(s);
        registered++;
      },
      throwIfCancelled: () => {
        if (registered >= 2) throw new StudioError('cancelled', 'job cancelled');
      },
    });
    await expect(extractFeatures(interrupted, p)).rejects.toThrow(/cancelled/);
    // Shards are written while the next batches run, so one more may have been in flight (and is kept)
    // when the cancellation was seen; the run still stopped before the end.
    const kept = listShards(fx.db, p.cacheKey).length;
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThanOrEqual(3);
    const resumed = await extractFeatures(env(fx), p);
    expect(resumed).toMatchObject({ computed: 5 - kept, reused: kept, itemCount: 5 });
  });

  it('runs an ONNX model from the store, dropping class and register tokens', async () => {
    fx = await makeFixture({ frames: 3 });
    const file = path.join(fx.root, 'tiny-reg.onnx');
    fs.writeFileSync(file, buildVitModel({ patchSize: 8, dim: 24, depth: 1, heads: 2, registers: 4 }));
    const m = await addModel(fx.db, fx.ws, { file, name: 'tiny-reg' });
    expect(m).toMatchObject({ name: 'tiny-reg', patchSize: 8, dim: 24, fixedSize: null });
    const p = params(fx, 'tiny-reg', { width: 64, height: 48 });
    expect(p.preprocessing.mean).toEqual([0.485, 0.456, 0.406]);
    const r = await extractFeatures(env(fx), p);
    expect(r).toMatchObject({ computed: 3, grid: { h: 6, w: 8 }, dim: 24, provider: 'cpu' });
    const set = openFeatureSet(fx.ws.root, p.featureSetId);
    expect(set.read(0).length).toBe(6 * 8 * 24);
    expect(set.provider).toBe('cpu');
  });

  it('the threaded pipeline (prefetch, encoding off-thread, shards written while inference runs) stores what the plain in-thread path stores', async () => {
    fx = await makeFixture({ frames: 7 });
    const file = path.join(fx.root, 'tiny.onnx');
    fs.writeFileSync(file, buildVitModel({ patchSize: 8, dim: 16, depth: 1, heads: 2, seed: 5 }));
    await addModel(fx.db, fx.ws, { file, name: 'tiny' });
    // Small shards and batches: several shards, so one is written while the next batches run.
    const base = params(fx, 'tiny', { width: 32, height: 24, shardBytes: 2 * 12 * 16 * 2, batchSize: 2 });
    const threaded = await extractFeatures(env(fx), base);
    expect(threaded.computed).toBe(7);
    const a = openFeatureSet(fx.ws.root, base.featureSetId);
    const shardsThreaded = listShards(fx.db, base.cacheKey).length;
    expect(shardsThreaded).toBeGreaterThanOrEqual(3);
    const features = Array.from({ length: 7 }, (_, i) => Array.from(a.read(i)));
    a.close();
    for (const s of listShards(fx.db, base.cacheKey)) {
      deleteShard(fx.db, s.id);
      fs.rmSync(path.join(fx.ws.root, s.file), { force: true });
    }
    const plain = await extractFeatures(env(fx), { ...base, preprocessInThread: true, prefetch: false });
    expect(plain.computed).toBe(7);
    const b = openFeatureSet(fx.ws.root, base.featureSetId);
    for (let i = 0; i < 7; i++) expect(Array.from(b.read(i))).toEqual(features[i]);
    b.close();
  });
});
