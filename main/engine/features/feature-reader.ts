// The stable read API for cached backbone features (used by training, k-means, the concept atlas).
//
//   const fs = openFeatureSet(workspaceRoot, featureSetId);
//   fs.grid            // { h, w } patch grid
//   fs.dim             // channels D
//   fs.items[i]        // { frameId, crop }  (crop 0 when no crops; 0..4 for five-crop)
//   fs.read(i)         // Float32Array of h*w*D, row-major (y, x, channel)
//   fs.readBatch([i,j])// Float32Array of n*h*w*D, the items back to back
//   fs.close()
//
// Finding the feature set of (dataset, backbone, preprocessing): `findFeatureSet(db, ...)` in
// main/engine/db/queries/features.ts, or the `features.list` contract method.
//
// Memory stays bounded: only the most recently used shards are kept (a byte budget), and each
// shard's checksum is verified the first time it is loaded.
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { decodeFloat16 } from './float16.js';
import { readManifest, type FeatureSetManifest, type Preprocessing } from './manifest.js';
import { readShardFile, type ParsedShard } from './shard-format.js';

export interface FeatureItem {
  readonly frameId: string;
  readonly crop: number;
  readonly contentHash: string;
}

export interface FeatureSet {
  readonly id: string;
  readonly datasetId: string;
  /** Backbone id as registered (e.g. 'builtin', 'rgb', or an ONNX model name). */
  readonly backbone: string;
  readonly family: string;
  readonly patchSize: number;
  readonly provider: string;
  readonly preprocessing: Preprocessing;
  readonly grid: { readonly h: number; readonly w: number };
  readonly dim: number;
  readonly items: readonly FeatureItem[];
  /** Features of item i: h*w*dim float32, row-major (y, x, channel). */
  read(i: number, out?: Float32Array): Float32Array;
  /** Items back to back: indices.length*h*w*dim float32. */
  readBatch(indices: readonly number[], out?: Float32Array): Float32Array;
  close(): void;
}

export interface OpenFeatureSetOptions {
  /** Byte budget for decoded-from-disk shards kept in memory (default 256 MiB). */
  readonly cacheBytes?: number;
}

export function openFeatureSet(workspaceRoot: string, featureSetId: string, options: OpenFeatureSetOptions = {}): FeatureSet {
  const manifest = readManifest(workspaceRoot, featureSetId);
  return featureSetFromManifest(workspaceRoot, manifest, options);
}

export function featureSetFromManifest(
  workspaceRoot: string,
  manifest: FeatureSetManifest,
  options: OpenFeatureSetOptions = {},
): FeatureSet {
  const budget = options.cacheBytes ?? 256 * 1024 * 1024;
  const per = manifest.grid.h * manifest.grid.w * manifest.dim;
  const loaded = new Map<number, ParsedShard>(); // insertion order = LRU order
  let loadedBytes = 0;

  const shard = (index: number): ParsedShard => {
    const hit = loaded.get(index);
    if (hit) {
      loaded.delete(index);
      loaded.set(index, hit);
      return hit;
    }
    const ref = manifest.shards[index];
    if (!ref) throw new StudioError('invalid_input', `feature set ${manifest.id}: manifest names shard ${index} which it does not list`);
    const file = path.join(workspaceRoot, ref.file);
    const parsed = readShardFile(file);
    const h = parsed.header;
    if (h.gridH !== manifest.grid.h || h.gridW !== manifest.grid.w || h.dim !== manifest.dim) {
      throw new StudioError(
        'invalid_input',
        `${file}: shard grid ${h.gridH}×${h.gridW}×${h.dim} does not match feature set ${manifest.grid.h}×${manifest.grid.w}×${manifest.dim}`,
        { file },
      );
    }
    const bytes = parsed.halfs.byteLength;
    while (loaded.size > 0 && loadedBytes + bytes > budget) {
      const [oldest, old] = loaded.entries().next().value as [number, ParsedShard];
      loaded.delete(oldest);
      loadedBytes -= old.halfs.byteLength;
    }
    loaded.set(index, parsed);
    loadedBytes += bytes;
    return parsed;
  };

  const items: FeatureItem[] = manifest.items.map((it) => ({ frameId: it.frameId, crop: it.crop, contentHash: it.contentHash }));

  const readInto = (i: number, out: Float32Array, offset: number) => {
    const it = manifest.items[i];
    if (!it) throw new StudioError('bad_request', `feature set ${manifest.id}: item ${i} out of range (0..${manifest.items.length - 1})`);
    const s = shard(it.shard);
    if (it.slot >= s.header.tensors) {
      throw new StudioError('invalid_input', `feature set ${manifest.id}: item ${i} points past the end of shard ${it.shard}`);
    }
    decodeFloat16(s.halfs.subarray(it.slot * per, (it.slot + 1) * per), out.subarray(offset, offset + per));
  };

  return {
    id: manifest.id,
    datasetId: manifest.datasetId,
    backbone: manifest.backbone.id,
    family: manifest.backbone.family,
    patchSize: manifest.backbone.patchSize,
    provider: manifest.provider,
    preprocessing: manifest.preprocessing,
    grid: manifest.grid,
    dim: manifest.dim,
    items,
    read(i, out = new Float32Array(per)) {
      readInto(i, out, 0);
      return out;
    },
    readBatch(indices, out = new Float32Array(indices.length * per)) {
      indices.forEach((idx, k) => readInto(idx, out, k * per));
      return out;
    },
    close() {
      loaded.clear();
      loadedBytes = 0;
    },
  };
}
