// The concepts.* methods end to end through the engine: a tiny SynthDrive set imported, builtin features,
// a k-means and a CAUSE-MLP run trained and predicted in real workers; then top patches (checked against
// the stored cluster maps), patch thumbnails through the asset server (ids validated), the similar-patch
// probe (checked against a float64 cosine over the feature cache) and the atlas of centroids/clusterbook.
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centreCropRegion } from '../../../main/engine/cause/predict.js';
import { buildPatchIndex } from '../../../main/engine/concepts/patch-index.js';
import { clearConceptCache } from '../../../main/engine/concepts/service.js';
import { getPredictionFrame } from '../../../main/engine/db/queries/experiments.js';
import { readGrayPng } from '../../../main/engine/eval/cluster-png.js';
import { openFeatureSet } from '../../../main/engine/features/feature-reader.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { tempDir } from '../../helpers/temp-workspace.js';
import { tinyBudget } from '../../helpers/tiny-budget.js';

let tmp: ReturnType<typeof tempDir>;
let wsDir: string;
let engine: Engine;
let datasetId: string;
let kmeansId: string;
let causeId: string;

const tiny = tinyBudget({ concepts: 24, batchSize: 3, step2Epochs: 1 });

async function trainAndPredict(method: 'kmeans' | 'cause-mlp'): Promise<string> {
  const r = await engine.call('experiments.create', { datasetId, backbone: 'builtin', method, clusters: 5, preset: 'fast', seed: 4, backend: 'wasm', overrides: tiny });
  const job = await engine.call('jobs.wait', { id: r.jobId });
  expect(job.error).toBeNull();
  const p = await engine.call('experiments.predict', { id: r.experimentId });
  expect((await engine.call('jobs.wait', { id: p.jobId })).error).toBeNull();
  return r.experimentId;
}

const get = (url: string) => engine.assets.handle(new Request(`http://localhost${url}`));

beforeAll(async () => {
  tmp = tempDir('cs-concepts-');
  wsDir = path.join(tmp.dir, 'ws');
  const synth = path.join(tmp.dir, 'synth');
  await generateSynthDrive({ out: synth, sequences: 1, frames: 6, width: 128, height: 64, seed: 9, weather: 'clear', split: 'train' });
  engine = await createEngine({ workspace: wsDir, runJobs: true });
  const imp = await engine.call('datasets.import', { path: synth, name: 'synth-concepts' });
  expect((await engine.call('jobs.wait', { id: imp.jobId })).state).toBe('succeeded');
  datasetId = imp.datasetId;
  // 96×48 input on 128×64 frames: the grid covers the whole frame (12×6 cells of 8 px in input pixels).
  const fx = (await engine.call('features.extract', { datasetId, backbone: 'builtin', width: 96, height: 48 })) as { id: string };
  expect((await engine.call('jobs.wait', { id: fx.id })).state).toBe('succeeded');
  kmeansId = await trainAndPredict('kmeans');
  causeId = await trainAndPredict('cause-mlp');
}, 600_000);

afterAll(async () => {
  clearConceptCache();
  await engine?.close();
  tmp?.cleanup();
});

/** Majority cluster and its pixel share of every cell, counted straight from the stored cluster map. */
async function cellMajorities(experimentId: string, frameId: string, grid: { h: number; w: number }): Promise<{ cluster: number; share: number }[]> {
  const row = getPredictionFrame(engine.db, experimentId, frameId)!;
  const img = await readGrayPng(path.join(wsDir, row.cluster_file));
  const r = centreCropRegion(img.width, img.height, 96, 48);
  const counts = Array.from({ length: grid.h * grid.w }, () => new Map<number, number>());
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const gx = Math.floor(((x + 0.5 - r.x) / r.width) * grid.w);
      const gy = Math.floor(((y + 0.5 - r.y) / r.height) * grid.h);
      const m = counts[gy * grid.w + gx]!;
      const c = img.data[y * img.width + x]!;
      m.set(c, (m.get(c) ?? 0) + 1);
    }
  }
  return counts.map((m) => {
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    const [cluster, n] = [...m].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]!;
    return { cluster, share: n / total };
  });
}

describe('concepts through the engine', () => {
  it('top patches: each cluster\'s patches are cells predicted as that cluster, best first, spread over frames', async () => {
    const r = await engine.call('concepts.topPatches', { experimentId: kmeansId, perCluster: 4 });
    expect(r.clusters).toBe(5);
    expect(r.grid).toEqual({ h: 6, w: 12 });
    expect(r.frames).toBe(6);
    expect(r.concepts).toHaveLength(5);
    const shares = r.concepts.reduce((a, c) => a + c.patchShare, 0);
    expect(shares).toBeCloseTo(1, 5);
    const frameIds = [...new Set(r.concepts.flatMap((c) => c.patches.map((p) => p.frameId)))];
    const truth = new Map<string, { cluster: number; share: number }[]>();
    for (const f of (await engine.call('datasets.frames', { id: datasetId, limit: 100 })).items) truth.set(f.id, await cellMajorities(kmeansId, f.id, r.grid));
    expect(truth.size).toBe(6);
    expect(frameIds.every((f) => truth.has(f))).toBe(true);
    let checked = 0;
    for (const c of r.concepts) {
      if (c.patchShare === 0) continue;
      expect(c.patches.length).toBeGreaterThan(0);
      expect(c.patches.length).toBeLessThanOrEqual(4);
      for (let i = 1; i < c.patches.length; i++) expect(c.patches[i]!.score).toBeLessThanOrEqual(c.patches[i - 1]!.score);
      // A frame repeats only when no other frame has a cell of this cluster.
      const frames = new Set(c.patches.map((p) => p.frameId));
      const present = [...truth].filter(([, cells]) => cells.some((x) => x.cluster === c.cluster)).length;
      expect(frames.size).toBe(Math.min(c.patches.length, present));
      for (const p of c.patches) {
        expect(p.cluster).toBe(c.cluster);
        expect(p.score).toBeGreaterThan(0);
        expect(p.score).toBeLessThanOrEqual(1);
        const cell = truth.get(p.frameId)![p.gy * r.grid.w + p.gx]!;
        expect(cell.cluster).toBe(c.cluster);
        expect(p.score).toBeLessThanOrEqual(cell.share + 1e-6);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(4);
  });

  it('serves patch thumbnails by id and refuses ids that name no patch', async () => {
    const r = await engine.call('concepts.topPatches', { experimentId: causeId, perCluster: 2 });
    const p = r.concepts.find((c) => c.patches.length > 0)!.patches[0]!;
    const res = await get(`/asset/patch/${p.id}?w=96`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBe(96);
    // Cached on disk: a second request serves the same bytes.
    const again = await get(`/asset/patch/${p.id}?w=96`);
    expect(again.status).toBe(200);
    const [fsId, frameId] = [r.featureSetId, p.frameId];
    expect((await get(`/asset/patch/${fsId}:${frameId}:6:0`)).status).toBe(404); // row 6 of a 6-row grid
    expect((await get(`/asset/patch/${fsId}:${frameId}:0:12`)).status).toBe(404);
    expect((await get(`/asset/patch/nope:${frameId}:0:0`)).status).toBe(404);
    expect((await get(`/asset/patch/${fsId}:no-such-frame:0:0`)).status).toBe(404);
    expect((await get(`/asset/patch/${fsId}:${frameId}:x:0`)).status).toBe(400);
    expect((await get(`/asset/patch/${p.id}?w=7`)).status).toBe(400);
    expect((await get(`/asset/patch/..%2f..%2fetc:${frameId}:0:0`)).status).toBe(400);
  });

  it('similar patches: the heatmap and the ranking match a float64 cosine over the feature cache', async () => {
    const top = await engine.call('concepts.topPatches', { experimentId: causeId, perCluster: 1 });
    const set = openFeatureSet(wsDir, top.featureSetId);
    const frameIds = set.items.map((it) => it.frameId);
    const probeFrame = frameIds[2]!;
    const r = await engine.call('concepts.similar', { experimentId: causeId, frameId: probeFrame, u: 0.3, v: 0.6, limit: 10 });
    expect(r.grid).toEqual({ h: 6, w: 12 });
    expect([r.gx, r.gy]).toEqual([Math.floor(0.3 * 12), Math.floor(0.6 * 6)]);
    expect(r.heatmap).toHaveLength(72);
    expect(r.searched).toBe(6 * 72);
    expect(r.heatmap[r.gy * 12 + r.gx]!).toBeCloseTo(1, 2);
    expect(r.matches).toHaveLength(10);
    for (let i = 1; i < r.matches.length; i++) expect(r.matches[i]!.score).toBeLessThanOrEqual(r.matches[i - 1]!.score);

    // Oracle: exact cosine in float64 from the cached features.
    const D = set.dim;
    const all = frameIds.map((_, i) => set.read(i));
    const unit = (v: Float32Array, o: number) => {
      let ss = 0;
      for (let d = 0; d < D; d++) ss += v[o + d]! * v[o + d]!;
      return Math.sqrt(ss);
    };
    const pf = all[2]!;
    const po = (r.gy * 12 + r.gx) * D;
    const cos = (fi: number, cell: number) => {
      const v = all[fi]!;
      const o = cell * D;
      let s = 0;
      for (let d = 0; d < D; d++) s += v[o + d]! * pf[po + d]!;
      return s / (unit(v, o) * unit(pf, po) || 1);
    };
    for (let cell = 0; cell < 72; cell++) expect(Math.abs(r.heatmap[cell]! - cos(2, cell))).toBeLessThan(0.03);
    for (const m of r.matches) expect(Math.abs(m.score - cos(frameIds.indexOf(m.frameId), m.gy * 12 + m.gx))).toBeLessThan(0.03);
    // Nothing outside the list (max 3 per frame) is clearly better than its last entry.
    const perFrame = new Map<string, number>();
    for (const m of r.matches) perFrame.set(m.frameId, (perFrame.get(m.frameId) ?? 0) + 1);
    const last = r.matches[r.matches.length - 1]!.score;
    for (let fi = 0; fi < frameIds.length; fi++) {
      if ((perFrame.get(frameIds[fi]!) ?? 0) >= 3) continue;
      for (let cell = 0; cell < 72; cell++) {
        if (fi === 2 && cell === r.gy * 12 + r.gx) continue;
        const listed = r.matches.some((m) => m.frameId === frameIds[fi] && m.gy * 12 + m.gx === cell);
        if (!listed) expect(cos(fi, cell)).toBeLessThan(last + 0.03);
      }
    }
    // The same probe by grid cell; a cell off the grid and half a point are refused.
    const byCell = await engine.call('concepts.similar', { experimentId: causeId, frameId: probeFrame, gx: r.gx, gy: r.gy, limit: 10 });
    expect(byCell.matches).toEqual(r.matches);
    expect([byCell.frameWidth, byCell.frameHeight]).toEqual([128, 64]);
    await expect(engine.call('concepts.similar', { experimentId: causeId, frameId: probeFrame, gx: 12, gy: 0 })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(engine.call('concepts.similar', { experimentId: causeId, frameId: probeFrame, u: 0.5 })).rejects.toMatchObject({ code: 'bad_request' });
    set.close();
    await expect(engine.call('concepts.similar', { experimentId: causeId, frameId: 'no-such-frame', u: 0.5, v: 0.5 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('atlas: centroids laid out in 0..1 with their best patch; the clusterbook for CAUSE only', async () => {
    const a = await engine.call('concepts.atlas', { experimentId: kmeansId, source: 'centroids' });
    expect(a.layout).toBe('pca'); // 5 centroids: too few for a UMAP neighbourhood graph
    expect(a.points.map((p) => p.cluster)).toEqual([0, 1, 2, 3, 4]);
    for (const p of a.points) {
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.x).toBeLessThanOrEqual(1);
      if (p.patch !== null) expect(p.patch.cluster).toBe(p.cluster);
    }
    const book = await engine.call('concepts.atlas', { experimentId: causeId, source: 'clusterbook' });
    expect(book.layout).toBe('umap');
    expect(book.points).toHaveLength(24);
    expect(new Set(book.points.map((p) => `${p.x.toFixed(3)},${p.y.toFixed(3)}`)).size).toBeGreaterThan(12);
    for (const p of book.points) {
      expect(p.cluster).toBeGreaterThanOrEqual(0);
      expect(p.cluster).toBeLessThan(5);
      expect(p.patch).not.toBeNull();
    }
    // Deterministic: a cold cache lays the clusterbook out the same way.
    clearConceptCache();
    const again = await engine.call('concepts.atlas', { experimentId: causeId, source: 'clusterbook' });
    expect(again.points).toEqual(book.points);
    await expect(engine.call('concepts.atlas', { experimentId: kmeansId, source: 'clusterbook' })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('over the memory budget the index samples frames evenly and says how many it kept', async () => {
    const full = await engine.call('concepts.topPatches', { experimentId: kmeansId });
    const perFrame = full.grid.h * full.grid.w * openFeatureSet(wsDir, full.featureSetId).dim;
    const index = await buildPatchIndex(engine.db, wsDir, kmeansId, { maxBytes: 3 * perFrame });
    expect(index.frames).toHaveLength(3);
    expect(index.framesPredicted).toBe(6);
    const order = (await engine.call('datasets.frames', { id: datasetId })).items.map((f) => f.id);
    expect(index.frames.map((f) => order.indexOf(f.frameId))).toEqual([0, 3, 5]);
    expect(index.vectors.length).toBe(3 * perFrame);
  });

  it('an experiment without predictions answers conflict, an unknown one not_found', async () => {
    const r = await engine.call('experiments.create', { datasetId, backbone: 'builtin', method: 'kmeans', clusters: 3, preset: 'fast', seed: 1, backend: 'wasm' });
    expect((await engine.call('jobs.wait', { id: r.jobId })).state).toBe('succeeded');
    await expect(engine.call('concepts.topPatches', { experimentId: r.experimentId })).rejects.toMatchObject({ code: 'conflict' });
    await expect(engine.call('concepts.atlas', { experimentId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
