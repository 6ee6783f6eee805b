// Which teacher outputs the fitted Step 3 variants read: grid-sampled tokens of the training images,
// in as many passes (fresh grid samples) as fit the token budget, from the seed's own PRNG stream, so
// the release path's draws are unchanged and a resumed run fits on exactly the same tokens.
import { Prng } from '../../../../shared/random.js';
import type { ProbeTokens } from './tokens.js';

/** Tokens the fitted variants read at most. */
export const STEP3_FIT_TOKENS = 20_000;

/**
 * `forward(items, rng)` returns the teacher's outputs (eval mode) of `perImage` grid-sampled tokens of
 * each item, drawing the sample positions from `rng`.
 */
export async function collectProbeTokens(
  images: Int32Array,
  perImage: number,
  r: number,
  batchSize: number,
  seed: number,
  forward: (items: number[], rng: Prng) => Promise<Float32Array>,
  budget = STEP3_FIT_TOKENS,
): Promise<ProbeTokens> {
  const passes = Math.max(1, Math.floor(budget / Math.max(1, images.length * perImage)));
  const perPass = Math.min(images.length, Math.max(1, Math.ceil(budget / perImage)));
  const picked: number[] = [];
  for (let p = 0; p < passes; p++) for (let i = 0; i < perPass; i++) picked.push(images[Math.floor((i * images.length) / perPass)]!);
  const rng = new Prng((seed ^ 0x85ebca6b) >>> 0);
  const data = new Float32Array(picked.length * perImage * r);
  for (let s = 0; s < picked.length; s += batchSize) {
    const out = await forward(picked.slice(s, s + batchSize), rng);
    data.set(out, s * perImage * r);
  }
  return { data, T: picked.length * perImage, r, perImage };
}
