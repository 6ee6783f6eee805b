// The concept atlas: a 2-D layout of the experiment's cluster centroids (head space; feature space for
// k-means) or of its clusterbook (backbone feature space), by UMAP on cosine distance, each point with a
// patch to show. Seeded, so the same model always lays out the same way.
import { UMAP } from 'umap-js';
import { spawnWorker } from '../jobs/spawn-worker.js';
import type { AtlasSource, ConceptAtlas, PatchRef } from '../../../shared/contract/concepts.js';
import { StudioError } from '../../../shared/contract/errors.js';
import { mulberry32 } from '../../../shared/random.js';
import type { TrainedModel } from '../cause/model-io.js';
import { patchRef, scanCosine, TopK, topPatches } from './patch-queries.js';
import type { PatchIndex } from './patch-index.js';

/** Multiply-adds spent matching clusterbook entries to patches (~1 s here); beyond it patches are strided evenly. */
const CLUSTERBOOK_SCAN_BUDGET = 3e8;
/** Nearest patches whose majority cluster names a clusterbook entry's cluster. */
const VOTERS = 5;

function unitRows(values: Float32Array, n: number, dim: number): Float32Array[] {
  return Array.from({ length: n }, (_, i) => {
    const row = values.slice(i * dim, (i + 1) * dim);
    let ss = 0;
    for (const x of row) ss += x * x;
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let d = 0; d < dim; d++) row[d] = row[d]! * inv;
    return row;
  });
}

const cosineDistance = (a: number[], b: number[]): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return 1 - s;
};

/** First two principal components by power iteration (for sets too small for a neighbourhood graph). */
export function pca2(rows: Float32Array[]): [number, number][] {
  const n = rows.length;
  const dim = rows[0]?.length ?? 0;
  const mean = new Float64Array(dim);
  for (const r of rows) for (let d = 0; d < dim; d++) mean[d]! += r[d]! / n;
  const centred = rows.map((r) => Float64Array.from(r, (x, d) => x - mean[d]!));
  const rand = mulberry32(7);
  const comps: Float64Array[] = [];
  for (let c = 0; c < 2; c++) {
    let v = Float64Array.from({ length: dim }, () => rand() - 0.5);
    for (let it = 0; it < 100; it++) {
      const next = new Float64Array(dim);
      for (const r of centred) {
        let p = 0;
        for (let d = 0; d < dim; d++) p += r[d]! * v[d]!;
        for (let d = 0; d < dim; d++) next[d]! += p * r[d]!;
      }
      for (const prev of comps) {
        let p = 0;
        for (let d = 0; d < dim; d++) p += next[d]! * prev[d]!;
        for (let d = 0; d < dim; d++) next[d]! -= p * prev[d]!;
      }
      const norm = Math.sqrt(next.reduce((a, x) => a + x * x, 0));
      if (norm === 0) break;
      v = next.map((x) => x / norm);
    }
    comps.push(v);
  }
  return centred.map((r) => {
    const xy = comps.map((v) => r.reduce((a, x, d) => a + x * v[d]!, 0));
    return [xy[0] ?? 0, xy[1] ?? 0];
  });
}

export interface Layout2d {
  readonly layout: 'umap' | 'pca';
  readonly xy: [number, number][];
}

export function layout2d(rows: Float32Array[], seed: number): Layout2d {
  let xy: [number, number][];
  let layout: 'umap' | 'pca';
  if (rows.length < 6) {
    layout = 'pca';
    xy = pca2(rows);
  } else {
    layout = 'umap';
    const umap = new UMAP({
      nComponents: 2,
      nNeighbors: Math.min(15, rows.length - 1),
      minDist: 0.1,
      distanceFn: cosineDistance,
      random: mulberry32(seed),
      // umap-js's default is 500 epochs below 10 000 points; 200 keep the layout (measured: same
      // neighbourhoods) and cut a 2048-entry clusterbook from ~30 s to ~14 s on a loaded machine here.
      ...(rows.length > 512 ? { nEpochs: 200 } : {}),
    });
    xy = umap.fit(rows.map((r) => Array.from(r))).map((p) => [p[0] ?? 0, p[1] ?? 0]);
  }
  // Scale into 0..1 on both axes so the renderer can place cells without knowing the layout's units.
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  for (const p of xy) {
    for (let a = 0; a < 2; a++) {
      lo[a] = Math.min(lo[a]!, p[a]!);
      hi[a] = Math.max(hi[a]!, p[a]!);
    }
  }
  const scaled = xy.map((p) => p.map((x, a) => (hi[a]! > lo[a]! ? (x - lo[a]!) / (hi[a]! - lo[a]!) : 0.5)) as [number, number]);
  return { layout, xy: scaled };
}

/** layout2d in a worker thread, so a large layout does not block the engine. */
export function layoutInWorker(rows: Float32Array[], seed: number): Promise<Layout2d> {
  const dim = rows[0]?.length ?? 0;
  const values = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => values.set(r, i * dim));
  return new Promise((resolve, reject) => {
    const worker = spawnWorker(new URL('./layout-worker.js', import.meta.url), { values, n: rows.length, dim, seed });
    worker.once('message', (m: { ok: true; result: Layout2d } | { ok: false; message: string }) => {
      void worker.terminate();
      if (m.ok) resolve(m.result);
      else reject(new StudioError('internal', `atlas layout failed: ${m.message}`));
    });
    worker.once('error', (e) => reject(new StudioError('internal', `atlas layout worker failed: ${e.message}`)));
  });
}

export type LayoutFn = (rows: Float32Array[], seed: number) => Layout2d | Promise<Layout2d>;

export async function buildAtlas(index: PatchIndex, model: TrainedModel, source: AtlasSource, seed: number, layoutFn: LayoutFn = layout2d): Promise<ConceptAtlas> {
  if (source === 'centroids') {
    const dim = model.method === 'kmeans' ? model.dim : model.spec.headDim;
    const K = model.centroids.length / dim;
    if (K !== index.clusters) throw new StudioError('invalid_input', `model has ${K} centroids, the experiment ${index.clusters} clusters`);
    const { layout, xy } = await layoutFn(unitRows(model.centroids, K, dim), seed);
    const best = topPatches(index, 1).concepts;
    return {
      experimentId: index.experimentId,
      source,
      layout,
      points: xy.map(([x, y], k) => ({ index: k, x, y, cluster: k, patch: best[k]?.patches[0] ?? null })),
    };
  }
  if (model.method === 'kmeans') {
    throw new StudioError('bad_request', `experiment ${index.experimentId} is a k-means baseline: it has no clusterbook (use source 'centroids')`);
  }
  const D = model.spec.dim;
  if (D !== index.dim) throw new StudioError('invalid_input', `clusterbook has ${D} channels, the indexed features ${index.dim}`);
  const k = model.clusterbook.length / D;
  const rows = unitRows(model.clusterbook, k, D);
  const { layout, xy } = await layoutFn(rows, seed);
  const n = index.cluster.length;
  const stride = Math.max(1, Math.ceil((k * n * D) / CLUSTERBOOK_SCAN_BUDGET));
  const scores = new Float32Array(n);
  const points = rows.map((row, i) => {
    scanCosine(index, row, scores, stride);
    const top = new TopK(VOTERS);
    for (let p = 0; p < n; p += stride) top.offer(scores[p]!, p);
    const near = top.items();
    const votes = new Map<number, number>();
    for (const { id } of near) votes.set(index.cluster[id]!, (votes.get(index.cluster[id]!) ?? 0) + 1);
    let cluster = 0;
    let most = -1;
    for (const [c, v] of votes) {
      if (v > most || (v === most && c < cluster)) {
        cluster = c;
        most = v;
      }
    }
    const first = near[0];
    const patch: PatchRef | null = first === undefined ? null : patchRef(index, first.id, Math.round(first.score * 1e4) / 1e4);
    return { index: i, x: xy[i]![0], y: xy[i]![1], cluster, patch };
  });
  return { experimentId: index.experimentId, source, layout, points };
}
