// A token corpus from the workspace's datasets: each frame's image (never its label: only `image_rel`
// is read) decoded, resized like the features pipeline (short side, centre crop) and run through the
// filter bank. Frames are taken evenly spaced over the datasets, at most `maxFrames`.
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import { filterBankFeatures, BUILTIN_DIM } from '../backbones/builtin.js';
import { decodeRGB, preprocessImage } from '../backbones/preprocess.js';
import { getDatasetRow, listFrameRows } from '../db/queries/datasets.js';
import type { TokenCorpus } from './corpus.js';

export interface DatasetCorpusOptions {
  readonly datasetIds: readonly string[];
  readonly width: number;
  readonly height: number;
  readonly maxFrames: number;
  readonly signal?: AbortSignal;
  readonly onFrame?: (done: number, total: number) => void;
}

/** Image files of the chosen frames (labels are not selected). */
export function corpusImages(db: Database, o: Pick<DatasetCorpusOptions, 'datasetIds' | 'maxFrames'>): string[] {
  const images: string[] = [];
  for (const id of o.datasetIds) {
    const ds = getDatasetRow(db, id);
    if (!ds) throw new StudioError('not_found', `dataset ${id} no longer exists`);
    for (const f of listFrameRows(db, id)) images.push(path.join(ds.root, f.image_rel));
  }
  if (images.length <= o.maxFrames) return images;
  return Array.from({ length: o.maxFrames }, (_, i) => images[Math.floor((i * images.length) / o.maxFrames)]!);
}

export async function datasetCorpus(images: readonly string[], o: DatasetCorpusOptions): Promise<TokenCorpus> {
  const { width, height } = o;
  const prep = { width, height, crops: 'none' as const, resize: 'short-side-center-crop' as const, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
  const frames: Float32Array[] = [];
  for (const file of images) {
    if (o.signal?.aborted) throw new StudioError('cancelled', 'pretraining cancelled while reading frames');
    const img = await decodeRGB(file);
    const data = await preprocessImage(img, prep);
    frames.push(filterBankFeatures({ data, n: 1, height, width }).data);
    o.onFrame?.(frames.length, images.length);
  }
  return { frames, h: height / 8, w: width / 8, dim: BUILTIN_DIM };
}
