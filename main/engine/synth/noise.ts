// Deterministic hashing and value noise for SynthDrive. Everything random in the world flows from a
// seeded PRNG or from these integer hashes of (position, seed), never from Math.random, so the same
// arguments give byte-identical images. The PRNG and the hash live in the project's one PRNG module.
import { hash3 } from '../../../shared/random.js';

export { hash3, Rng } from '../../../shared/random.js';

/** hash3 as a float in [0, 1). */
export function hashf(a: number, b: number, c: number): number {
  return hash3(a, b, c) / 4294967296;
}

// Lattice values of the value noise: a fixed 256×256 table instead of hashing each lattice point, which
// made value noise the single largest cost of shading. Period 256 lattice cells (hundreds of metres at
// the frequencies the materials use); the seed shifts the table so surfaces do not share a pattern.
const LATTICE = (() => {
  const t = new Float32Array(256 * 256);
  for (let i = 0; i < t.length; i++) t[i] = hash3(i, 0x7a11, 0x1a77) / 4294967296;
  return t;
})();

/** Smooth 2-D value noise in [0, 1): bilinear between lattice values with a smoothstep fade. */
export function valueNoise(x: number, y: number, seed: number): number {
  const xf = Math.floor(x);
  const yf = Math.floor(y);
  let tx = x - xf;
  let ty = y - yf;
  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  const sx = (xf + Math.imul(seed, 0x9e37)) & 255;
  const sy = (yf + Math.imul(seed, 0x85eb)) & 255;
  const sx1 = (sx + 1) & 255;
  const row0 = sy << 8;
  const row1 = ((sy + 1) & 255) << 8;
  const a = LATTICE[row0 | sx]!;
  const b = LATTICE[row0 | sx1]!;
  const c = LATTICE[row1 | sx]!;
  const d = LATTICE[row1 | sx1]!;
  const top = a + (b - a) * tx;
  const bottom = c + (d - c) * tx;
  return top + (bottom - top) * ty;
}

/** Two octaves of value noise, in [0, 1). */
export function fbm2(x: number, y: number, seed: number): number {
  return valueNoise(x, y, seed) * 0.65 + valueNoise(x * 2.7 + 13.1, y * 2.7 + 7.7, seed + 1) * 0.35;
}
