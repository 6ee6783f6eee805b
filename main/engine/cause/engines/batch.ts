// A step's inputs as both engines take them: grid-sampled tokens (the only draws of Steps 1 and 3),
// full grids for the TR head, and sampled positions as rows of the batch's grids.
import type { FeatureSource } from '../features.js';
import { gatherTokens, sampleGrid, sampledCount } from '../grid-sampling.js';
import type { Prng } from '../prng.js';
import type { SampledBatch } from './step-engine.js';

/** One grid-sampled position per 4×4 window of every image, drawn from `rng` in item order. */
export function sampleBatch(source: FeatureSource, items: readonly number[], rng: Prng): SampledBatch {
  const n = sampledCount(source.h, source.w);
  const D = source.dim;
  const tokens = new Float32Array(items.length * n * D);
  const indices: Int32Array[] = [];
  items.forEach((item, b) => {
    const idx = sampleGrid(source.h, source.w, rng);
    indices.push(idx);
    gatherTokens(source.read(item), D, idx, tokens, b * n);
  });
  return { items, tokens, indices, n };
}

/** The items' full grids [B·h·w, D], images contiguous (the TR head's input). */
export function readGrids(source: FeatureSource, items: readonly number[]): Float32Array {
  const per = source.h * source.w * source.dim;
  const out = new Float32Array(items.length * per);
  items.forEach((item, b) => out.set(source.read(item), b * per));
  return out;
}

/** Sampled positions as row indices into the batch's B·N grid rows, n per image, images in order. */
export function globalIndices(indices: readonly Int32Array[], N: number): Int32Array {
  const n = indices[0]!.length;
  const out = new Int32Array(indices.length * n);
  indices.forEach((idx, b) => {
    for (let t = 0; t < n; t++) out[b * n + t] = b * N + idx[t]!;
  });
  return out;
}
