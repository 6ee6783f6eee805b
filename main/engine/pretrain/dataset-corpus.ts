// A token corpus from the workspace's datasets: each frame's image (never its label: only `image_rel`
// is read) decoded, resized like the features pipeline (short side, centre crop) and run through the
// filter bank, or (a raw-pixel encoder, `patch`) cut into ImageNet-normalised patches. Frames are taken
// evenly spaced over the datasets, at most `maxFrames`.
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import { filterBankFeatures, BUILTIN_DIM } from '../backbones/builtin.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../backbones/backbone.js';
import { decodeRGB, preprocessImage } from '../backbones/preprocess.js';
import { getDatasetRow, listFrameRows } from '../db/queries/datasets.js';
import type { TokenCorpus } from './corpus.js';

export interface DatasetCorpusOptions {
  readonly datasetIds: readonly string[];
  readonly width: number;
  readonly height: number;
  readonly maxFrames: number;
  /** Raw-pixel patches of this side instead of the filter bank's tokens. */
  readonly patch?: number;
  readonly signal?: AbortSignal;
  readonly onFrame?: (done: number, total: number) => void;
}

/** Image files of the chosen frames (labels are not selected). */
export function corpusImages(
  db: Database,
  o: Pick<DatasetCorpusOptions, 'datasetIds' | 'maxFrames'>,
): string[] {
  const images: string[] = [];
  for (const id of o.datasetIds) {
    const ds = getDatasetRow(db, id);
    if (!ds) throw new StudioError('not_found', `dataset ${id} no longer exists`);
    for (const f of listFrameRows(db, id)) images.push(path.join(ds.root, f.image_rel));
  }
  if (images.length <= o.maxFrames) return images;
  return Array.from(
    { length: o.maxFrames },
    (_, i) => images[Math.floor((i * images.length) / o.maxFrames)]!,
  );
}

/** [3, H, W] planar → [h·w, 3·p·p] patches, each channel-major (the patch Conv's weight order). */
export function patchify(data: Float32Array, width: number, height: number, p: number): Float32Array {
  const h = Math.floor(height / p);
  const w = Math.floor(width / p);
  const dim = 3 * p * p;
  const out = new Float32Array(h * w * dim);
  for (let ty = 0; ty < h; ty++)
    for (let tx = 0; tx < w; tx++)
      for (let c = 0; c < 3; c++)
        for (let dy = 0; dy < p; dy++) {
          const src = c * width * height + (ty * p + dy) * width + tx * p;
          out.set(data.subarray(src, src + p), (ty * w + tx) * dim + (c * p + dy) * p);
        }
  return out;
}

export async function datasetCorpus(
  images: readonly string[],
  o: DatasetCorpusOptions,
): Promise<TokenCorpus> {
  const { width, height, patch } = o;
  const norm = patch
    ? {
        mean: [...IMAGENET_MEAN] as [number, number, number],
        std: [...IMAGENET_STD] as [number, number, number],
      }
    : { mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
  const prep = { width, height, crops: 'none' as const, resize: 'short-side-center-crop' as const, ...norm };
  const frames: Float32Array[] = [];
  for (const file of images) {
    if (o.signal?.aborted) throw new StudioError('cancelled', 'pretraining cancelled while reading frames');
    const img = await decodeRGB(file);
    const data = await preprocessImage(img, prep);
    frames.push(
      patch ? patchify(data, width, height, patch) : filterBankFeatures({ data, n: 1, height, width }).data,
    );
    o.onFrame?.(frames.length, images.length);
  }
  const side = patch ?? 8;
  return {
    frames,
    h: Math.floor(height / side),
    w: Math.floor(width / side),
    dim: patch ? 3 * patch * patch : BUILTIN_DIM,
  };
}
