// Lattice vertex keys packed into two 32-bit words, and the hash table that finds vertices by them.
// Why: building the lattice is a few hundred thousand inserts and, for the blur's neighbours, twelve
// lookups per vertex; with the key as d loose coordinates each probe hashes and compares d integers.
// Every coordinate of a remainder-r vertex is r + (d+1)·m_i, so the key is (r, m_0 … m_{d−1}); the m's
// of one frame span a range known from the features' bounds, a few bits each, and the whole key fits
// in two words. A neighbour along a lattice direction is then the key plus a constant (per direction,
// and per whether r wraps), and a probe is one multiply-shift hash and two integer compares.
// A frame whose range does not fit (tiny σs on a huge image) gets null from keyLayout and the caller
// uses the loose-coordinate table instead.

/** Where each m_i lives in the two words, and the word deltas to every neighbour. */
export interface KeyLayout {
  readonly d: number;
  /** Bits of r (the low bits of word 0). */
  readonly rBits: number;
  /** Per coordinate i: the word it is in (0 or 1), its shift, and the m that packs to 0. */
  readonly word: Int32Array;
  readonly shift: Int32Array;
  readonly bias: Float64Array;
  /**
   * Word deltas to the `up` neighbour along direction j ∈ [0, d] (k_i + 1 for i ≠ j, k_j − d): index
   * 2j + (1 when r = d, where the remainder wraps to 0).
   */
  readonly upLo: Int32Array;
  readonly upHi: Int32Array;
}

/** The lattice scale of densecrf: feature i is multiplied by it before elevation. */
export function latticeScale(d: number): Float64Array {
  const scale = new Float64Array(d);
  const invStd = Math.sqrt(2 / 3) * (d + 1);
  for (let i = 0; i < d; i++) scale[i] = invStd / Math.sqrt((i + 1) * (i + 2));
  return scale;
}

/**
 * The packing of this frame's keys, or null when its m's need more than two words. The bounds come
 * from interval arithmetic on the elevation (permutohedral.ts) with a margin of 4 on each side, so
 * rounding, the on-plane correction (±1) and a neighbour step (±1) stay inside their fields.
 */
export function keyLayout(features: Float32Array, d: number, scale: Float64Array = latticeScale(d)): KeyLayout | null {
  const n = features.length / d;
  const d1 = d + 1;
  const lo = new Float64Array(d).fill(Infinity);
  const hi = new Float64Array(d).fill(-Infinity);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < d; i++) {
      const v = features[p * d + i]!;
      if (v < lo[i]!) lo[i] = v;
      if (v > hi[i]!) hi[i] = v;
    }
  }
  if (n === 0) return null;
  for (let i = 0; i < d; i++) if (!Number.isFinite(lo[i]!) || !Number.isFinite(hi[i]!)) return null;
  // cf_j = f_{j−1}·scale_{j−1} (j = 1 … d); elevated_i = Σ_{j>i} cf_j − i·cf_i, elevated_0 = Σ_j cf_j.
  const cfLo = (j: number) => lo[j - 1]! * scale[j - 1]!;
  const cfHi = (j: number) => hi[j - 1]! * scale[j - 1]!;
  const rBits = Math.ceil(Math.log2(d1));
  const word = new Int32Array(d);
  const shift = new Int32Array(d);
  const bias = new Float64Array(d);
  let w = 0;
  let at = rBits;
  for (let i = 0; i < d; i++) {
    let eLo = 0;
    let eHi = 0;
    for (let j = i + 1; j <= d; j++) {
      eLo += cfLo(j);
      eHi += cfHi(j);
    }
    if (i > 0) {
      eLo -= i * cfHi(i);
      eHi -= i * cfLo(i);
    }
    const mLo = Math.floor(eLo / d1) - 4;
    const mHi = Math.ceil(eHi / d1) + 4;
    const bits = Math.max(1, Math.ceil(Math.log2(mHi - mLo + 1)));
    if (at + bits > 32) {
      w++;
      at = 0;
    }
    if (w > 1 || bits > 32) return null;
    word[i] = w;
    shift[i] = at;
    bias[i] = mLo;
    at += bits;
  }
  // One unit of m_i in its word (as an int32: a field may reach bit 31).
  const unit = (i: number) => (1 << shift[i]!) | 0;
  const upLo = new Int32Array(2 * d1);
  const upHi = new Int32Array(2 * d1);
  for (let j = 0; j <= d; j++) {
    // up along j: k_i + 1 for i ≠ j, k_j − d. No wrap: r + 1, m_j − 1. Wrap (r = d): r = 0, m_i + 1 (i ≠ j).
    let nl = 1;
    let nh = 0;
    let wl = -d;
    let wh = 0;
    for (let i = 0; i < d; i++) {
      if (i === j) {
        if (word[i] === 0) nl = (nl - unit(i)) | 0;
        else nh = (nh - unit(i)) | 0;
      } else if (word[i] === 0) wl = (wl + unit(i)) | 0;
      else wh = (wh + unit(i)) | 0;
    }
    upLo[2 * j] = nl;
    upHi[2 * j] = nh;
    upLo[2 * j + 1] = wl;
    upHi[2 * j + 1] = wh;
  }
  // (down, its inverse, is never looked up: permutohedral.ts linkVertices.)
  return { d, rBits, word, shift, bias, upLo, upHi };
}

/** Open addressing over packed keys: slots [lo, hi, vertex + 1] (0 = empty), Fibonacci hashing. */
export class PackedVertexTable {
  /** Per vertex its two words, in insertion order. */
  keys: Int32Array;
  size = 0;
  private slots: Int32Array;
  private bits: number;

  constructor(capacity: number) {
    this.bits = 10;
    while (1 << this.bits < 2 * capacity) this.bits++;
    this.slots = new Int32Array(3 << this.bits);
    this.keys = new Int32Array(2 * Math.max(16, capacity));
  }

  private slot(lo: number, hi: number): number {
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - this.bits);
  }

  /** The vertex with this key, or −1. */
  find(lo: number, hi: number): number {
    const slots = this.slots;
    const mask = (1 << this.bits) - 1;
    let s = this.slot(lo, hi);
    for (;;) {
      const e = slots[3 * s + 2]!;
      if (e === 0) return -1;
      if (slots[3 * s] === lo && slots[3 * s + 1] === hi) return e - 1;
      s = (s + 1) & mask;
    }
  }

  /** The vertex with this key, inserted when absent. */
  insert(lo: number, hi: number): number {
    if (2 * (this.size + 1) > 1 << this.bits) this.grow();
    const slots = this.slots;
    const mask = (1 << this.bits) - 1;
    let s = this.slot(lo, hi);
    for (;;) {
      const e = slots[3 * s + 2]!;
      if (e === 0) break;
      if (slots[3 * s] === lo && slots[3 * s + 1] === hi) return e - 1;
      s = (s + 1) & mask;
    }
    const v = this.size++;
    slots[3 * s] = lo;
    slots[3 * s + 1] = hi;
    slots[3 * s + 2] = v + 1;
    if (2 * this.size > this.keys.length) {
      const k = new Int32Array(this.keys.length * 2);
      k.set(this.keys);
      this.keys = k;
    }
    this.keys[2 * v] = lo;
    this.keys[2 * v + 1] = hi;
    return v;
  }

  private grow(): void {
    this.bits++;
    this.slots = new Int32Array(3 << this.bits);
    const mask = (1 << this.bits) - 1;
    for (let v = 0; v < this.size; v++) {
      const lo = this.keys[2 * v]!;
      const hi = this.keys[2 * v + 1]!;
      let s = this.slot(lo, hi);
      while (this.slots[3 * s + 2] !== 0) s = (s + 1) & mask;
      this.slots[3 * s] = lo;
      this.slots[3 * s + 1] = hi;
      this.slots[3 * s + 2] = v + 1;
    }
  }
}
