// Grid sampling used by every loss: one uniformly random position per non-overlapping 4×4 window.
import { StudioError } from '../../../shared/contract/errors.js';
import type { Prng } from '../../../shared/random.js';

export const WINDOW = 4;

/** Tokens per image that grid sampling yields; throws for grids that have no complete window. */
export function sampledCount(h: number, w: number, source = 'feature grid'): number {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < WINDOW || w < WINDOW) {
    throw new StudioError(
      'invalid_input',
      `${source}: grid ${h}×${w} is smaller than ${WINDOW}×${WINDOW} per side, so grid sampling has nothing to sample; ` +
        'use larger images or a backbone with a smaller patch',
      { h, w },
    );
  }
  return Math.floor(h / WINDOW) * Math.floor(w / WINDOW);
}

/**
 * Row-major flat indices (into h·w) of one random position per window. Remainder rows/columns are
 * dropped, as in the reference (23×23 only ever samples the top-left 20×20).
 */
export function sampleGrid(h: number, w: number, rng: Prng, source?: string): Int32Array {
  const n = sampledCount(h, w, source);
  const gh = Math.floor(h / WINDOW);
  const gw = Math.floor(w / WINDOW);
  const out = new Int32Array(n);
  let k = 0;
  for (let wy = 0; wy < gh; wy++) {
    for (let wx = 0; wx < gw; wx++) {
      const dy = rng.int(WINDOW);
      const dx = rng.int(WINDOW);
      out[k++] = (wy * WINDOW + dy) * w + (wx * WINDOW + dx);
    }
  }
  return out;
}

/** Copies the sampled tokens of one image (h·w·dim, row-major) into `out` at `offset` tokens. */
export function gatherTokens(
  grid: Float32Array,
  dim: number,
  indices: Int32Array,
  out: Float32Array,
  offset: number,
): void {
  for (let t = 0; t < indices.length; t++) {
    const src = indices[t]! * dim;
    out.set(grid.subarray(src, src + dim), (offset + t) * dim);
  }
}
