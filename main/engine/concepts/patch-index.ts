// The patch index of one experiment's prediction set: for every frame it predicted, every cell of the
// feature grid with (a) its L2-normalised backbone feature, quantised to int8 so a dataset's patches fit
// in memory and a brute-force cosine scan stays a tight loop, and (b) its majority predicted cluster and
// how confidently that cluster holds the cell, read from the stored cluster and confidence maps.
// Top patches, the atlas and the similar-patch probe are all answered from it.
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import type { GridRegion } from '../../../shared/contract/concepts.js';
import { centreCropRegion } from '../cause/predict.js';
import { getFrameRow } from '../db/queries/datasets.js';
import { getExperimentRow, listPredictionFrames, listPredictionSets, type PredictionFrameRow } from '../db/queries/experiments.js';
import { readGrayPng } from '../eval/cluster-png.js';
import { openFeatureSet } from '../features/feature-reader.js';

/** int8 bytes of feature vectors kept per index (at most 2 indexes are cached: service.ts); above it
 * frames are subsampled evenly and the answer says so (ViT-S/14 at 224×448: ~1300 frames fit). */
export const DEFAULT_INDEX_BYTES = 256 * 1024 * 1024;
/** Quantisation scale of unit vectors (|component| ≤ 1). */
export const Q = 127;

export interface IndexedFrame {
  readonly frameId: string;
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly region: GridRegion;
}

export interface PatchIndex {
  readonly key: string;
  readonly experimentId: string;
  readonly datasetId: string;
  readonly featureSetId: string;
  readonly gridH: number;
  readonly gridW: number;
  readonly dim: number;
  readonly clusters: number;
  readonly framesPredicted: number;
  readonly frames: readonly IndexedFrame[];
  readonly frameOf: ReadonlyMap<string, number>;
  /** Patch p = frame * gridH*gridW + gy*gridW + gx. */
  readonly vectors: Int8Array;
  readonly cluster: Uint16Array;
  /** Mean confidence (0..1) of the cell's pixels in its majority cluster × their share of the cell. */
  readonly score: Float32Array;
}

/** The prediction set the index reads: the experiment's own dataset, else the newest one. */
export function predictionSetOf(db: Database, experimentId: string): { datasetId: string; featureSetId: string; key: string } {
  const exp = getExperimentRow(db, experimentId);
  if (!exp) throw new StudioError('not_found', `no experiment '${experimentId}'`);
  const sets = listPredictionSets(db, experimentId);
  const set = sets.find((s) => s.datasetId === exp.dataset_id) ?? sets[sets.length - 1];
  if (!set) {
    throw new StudioError('conflict', `experiment ${experimentId} has no predictions yet; run experiments.predict first (the concept views read its cluster maps)`);
  }
  return { datasetId: set.datasetId, featureSetId: set.featureSetId, key: `${experimentId}|${set.datasetId}|${set.featureSetId}|${set.jobId}|${set.createdAt}` };
}

/** Evenly spaced indices: `take` of `n`, first and last included. */
export function evenSample(n: number, take: number): number[] {
  if (take >= n) return Array.from({ length: n }, (_, i) => i);
  if (take <= 1) return [0];
  return Array.from({ length: take }, (_, i) => Math.round((i * (n - 1)) / (take - 1)));
}

/** [start, end) pixel ranges of each grid column (or row): pixel centres assigned to cells. */
function cellRanges(size: number, offset: number, span: number, cells: number): { start: Int32Array; end: Int32Array } {
  const start = new Int32Array(cells).fill(0);
  const end = new Int32Array(cells).fill(0);
  const lo = Math.max(0, Math.floor(offset));
  const hi = Math.min(size, Math.ceil(offset + span));
  let prev = -1;
  for (let p = lo; p < hi; p++) {
    const g = Math.min(cells - 1, Math.max(0, Math.floor(((p + 0.5 - offset) / span) * cells)));
    if (g !== prev) {
      start[g] = p;
      prev = g;
    }
    end[g] = p + 1;
  }
  return { start, end };
}

/**
 * Per cell of the grid: the majority cluster of the pixels inside the cell and its score. Pixels outside
 * `region` (the part of the frame the backbone saw) are not counted. Counts live in one K-sized scratch
 * array reset per cell, so memory stays O(K) whatever K and the grid are.
 */
export function cellStats(
  ids: Uint8Array | Uint16Array,
  conf: Uint8Array | Uint16Array,
  width: number,
  height: number,
  region: GridRegion,
  gridH: number,
  gridW: number,
  clusters: number,
): { cluster: Uint16Array; score: Float32Array } {
  const cols = cellRanges(width, region.x, region.width, gridW);
  const rows = cellRanges(height, region.y, region.height, gridH);
  const counts = new Uint32Array(clusters);
  const confSum = new Float64Array(clusters);
  const touched: number[] = [];
  const cluster = new Uint16Array(gridH * gridW);
  const score = new Float32Array(gridH * gridW);
  for (let gy = 0; gy < gridH; gy++) {
    for (let gx = 0; gx < gridW; gx++) {
      let total = 0;
      for (let y = rows.start[gy]!; y < rows.end[gy]!; y++) {
        const row = y * width;
        for (let x = cols.start[gx]!; x < cols.end[gx]!; x++) {
          const c = ids[row + x]!;
          if (c >= clusters) continue;
          if (counts[c] === 0) touched.push(c);
          counts[c]!++;
          confSum[c]! += conf[row + x]!;
          total++;
        }
      }
      let best = -1;
      for (const c of touched) if (best < 0 || counts[c]! > counts[best]! || (counts[c] === counts[best] && c < best)) best = c;
      const cell = gy * gridW + gx;
      if (best >= 0) {
        const n = counts[best]!;
        cluster[cell] = best;
        score[cell] = (confSum[best]! / n / 255) * (n / total);
      }
      for (const c of touched) {
        counts[c] = 0;
        confSum[c] = 0;
      }
      touched.length = 0;
    }
  }
  return { cluster, score };
}

/** L2-normalises each of `n` rows of `dim` from `src` and writes them quantised into `out` at `offset`. */
export function quantiseRows(src: Float32Array, n: number, dim: number, out: Int8Array, offset: number): void {
  for (let i = 0; i < n; i++) {
    const b = i * dim;
    let ss = 0;
    for (let d = 0; d < dim; d++) ss += src[b + d]! * src[b + d]!;
    const inv = ss > 0 ? Q / Math.sqrt(ss) : 0;
    const o = offset + b;
    for (let d = 0; d < dim; d++) out[o + d] = Math.round(src[b + d]! * inv);
  }
}

export async function buildPatchIndex(
  db: Database,
  workspaceRoot: string,
  experimentId: string,
  options: { maxBytes?: number; signal?: AbortSignal } = {},
): Promise<PatchIndex> {
  const set = predictionSetOf(db, experimentId);
  const exp = getExperimentRow(db, experimentId)!;
  const fs = openFeatureSet(workspaceRoot, set.featureSetId);
  try {
    if (fs.preprocessing.crops !== 'none') {
      throw new StudioError('invalid_input', `feature set ${fs.id} is five-cropped; the concept index needs whole-frame features`);
    }
    const itemOf = new Map<string, number>();
    fs.items.forEach((it, i) => {
      if (it.crop === 0 && !itemOf.has(it.frameId)) itemOf.set(it.frameId, i);
    });
    const predicted = listPredictionFrames(db, experimentId, set.datasetId).filter((p) => itemOf.has(p.frame_id));
    if (predicted.length === 0) {
      throw new StudioError('not_found', `experiment ${experimentId}: no predicted frame has features in feature set ${fs.id}`);
    }
    const rows = predicted
      .map((p) => ({ p, f: getFrameRow(db, p.frame_id) }))
      .filter((r): r is { p: PredictionFrameRow; f: NonNullable<ReturnType<typeof getFrameRow>> } => r.f !== undefined)
      .sort((a, b) => a.f.ordinal - b.f.ordinal);
    const { h, w } = fs.grid;
    const cells = h * w;
    const perFrame = cells * fs.dim;
    const budget = Math.max(1, Math.floor((options.maxBytes ?? DEFAULT_INDEX_BYTES) / perFrame));
    const chosen = evenSample(rows.length, budget).map((i) => rows[i]!);
    const clusters = exp.clusters;
    const vectors = new Int8Array(chosen.length * perFrame);
    const cluster = new Uint16Array(chosen.length * cells);
    const score = new Float32Array(chosen.length * cells);
    const frames: IndexedFrame[] = [];
    const frameOf = new Map<string, number>();
    const buf = new Float32Array(perFrame);
    for (let i = 0; i < chosen.length; i++) {
      if (options.signal?.aborted) throw new StudioError('cancelled', 'building the concept index was cancelled');
      const { p, f } = chosen[i]!;
      const [ids, conf] = await Promise.all([
        readGrayPng(path.join(workspaceRoot, p.cluster_file), 'cluster map'),
        readGrayPng(path.join(workspaceRoot, p.confidence_file), 'confidence map'),
      ]);
      if (ids.width !== conf.width || ids.height !== conf.height) {
        throw new StudioError('invalid_input', `${p.confidence_file}: confidence map is ${conf.width}×${conf.height}, its cluster map ${ids.width}×${ids.height}`);
      }
      const region = centreCropRegion(ids.width, ids.height, fs.preprocessing.width, fs.preprocessing.height);
      const stats = cellStats(ids.data, conf.data, ids.width, ids.height, region, h, w, clusters);
      cluster.set(stats.cluster, i * cells);
      score.set(stats.score, i * cells);
      fs.read(itemOf.get(p.frame_id)!, buf);
      quantiseRows(buf, cells, fs.dim, vectors, i * perFrame);
      frames.push({ frameId: f.id, name: f.name, width: ids.width, height: ids.height, region });
      frameOf.set(f.id, i);
    }
    return {
      key: set.key,
      experimentId,
      datasetId: set.datasetId,
      featureSetId: fs.id,
      gridH: h,
      gridW: w,
      dim: fs.dim,
      clusters,
      framesPredicted: rows.length,
      frames,
      frameOf,
      vectors,
      cluster,
      score,
    };
  } finally {
    fs.close();
  }
}

export function patchAssetId(index: PatchIndex, patch: number): string {
  const cells = index.gridH * index.gridW;
  const frame = index.frames[Math.floor(patch / cells)]!;
  const cell = patch % cells;
  return `${index.featureSetId}:${frame.frameId}:${Math.floor(cell / index.gridW)}:${cell % index.gridW}`;
}
