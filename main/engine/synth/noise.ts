// Deterministic hashing and value noise for SynthDrive. Everything random in the world flows from a
// seeded PRNG or from these integer hashes of (position, seed), never from Math.random, so the same
// arguments give byte-identical images.

/** 32-bit integer hash of up to three ints (lowbias32-style mixing). */
export function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a | 0, 0x27d4eb2d) ^ Math.imul(b | 0, 0x165667b1) ^ Math.imul(c | 0, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

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

/** Seeded PRNG for world generation (mulberry32) with the helpers the generator needs. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.min(items.length - 1, Math.floor(this.next() * items.length))]!;
  }
  /** Picks by weight: `[[item, weight], ...]`. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r <= 0) return item;
    }
    return items[items.length - 1]![0];
  }
  /** A child generator, so adding draws in one part of the world does not shift another part. */
  fork(salt: number): Rng {
    return new Rng(hash3(this.state, salt, 0x5eed));
  }
}
