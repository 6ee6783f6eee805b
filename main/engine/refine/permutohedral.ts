// The permutohedral lattice (Adams, Baek, Davis 2010): Gaussian filtering in a d-dimensional feature
// space (here x, y, r, g, b scaled by 1/σ) in O(n·d) per channel instead of O(n²). Each pixel is lifted
// onto the lattice of the hyperplane Σ = 0 in R^{d+1}, splatted onto the d+1 vertices of its enclosing
// simplex with barycentric weights, the lattice is blurred with [½ 1 ½] along each of the d+1 lattice
// directions, and the result is sliced back with the same weights. This follows the layout of
// Krähenbühl's densecrf implementation (the one pydensecrf wraps and the CAUSE release calls), so the
// kernel it approximates is the one the reference's CRF used.
// Why typed arrays and one flat hash table: a 640×320 frame lifts to ~10⁵–10⁶ lattice vertices and the
// CRF filters 27 channels through it 10 times; per-vertex objects would dominate the time.

import { keyLayout, latticeScale, PackedVertexTable, type KeyLayout } from './lattice-keys.js';

/** Lattice vertices found by their d loose integer coordinates (the fallback of lattice-keys.ts). */
class VertexTable {
  keys: Int32Array;
  private slots: Int32Array;
  size = 0;

  constructor(
    private readonly d: number,
    capacity: number,
  ) {
    this.keys = new Int32Array(capacity * d);
    this.slots = new Int32Array(tableSizeFor(capacity)).fill(-1);
  }

  // densecrf's multiplicative hash, then murmur3's finaliser: without it the low bits that pick the
  // slot depend only on the keys' low bits, and the lattice's regular keys probe long runs.
  private hash(key: Int32Array, at: number): number {
    let h = 0;
    for (let i = 0; i < this.d; i++) h = Math.imul(h + key[at + i]!, 2531011);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }

  /** Index of the vertex with this key; inserted when `create`, else −1 when absent. */
  find(key: Int32Array, create: boolean): number {
    if (create && 2 * (this.size + 1) > this.slots.length) this.grow();
    const mask = this.slots.length - 1;
    const d = this.d;
    let s = this.hash(key, 0) & mask;
    for (;;) {
      const e = this.slots[s]!;
      if (e === -1) {
        if (!create) return -1;
        if ((this.size + 1) * d > this.keys.length) {
          const k = new Int32Array(this.keys.length * 2);
          k.set(this.keys);
          this.keys = k;
        }
        for (let i = 0; i < d; i++) this.keys[this.size * d + i] = key[i]!;
        this.slots[s] = this.size;
        return this.size++;
      }
      let same = true;
      for (let i = 0; i < d; i++) {
        if (this.keys[e * d + i] !== key[i]) {
          same = false;
          break;
        }
      }
      if (same) return e;
      s = (s + 1) & mask;
    }
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let e = 0; e < this.size; e++) {
      let s = this.hash(this.keys, e * this.d) & mask;
      while (slots[s] !== -1) s = (s + 1) & mask;
      slots[s] = e;
    }
    this.slots = slots;
  }
}

function tableSizeFor(capacity: number): number {
  let s = 1024;
  while (s < 2 * capacity) s *= 2;
  return s;
}

/** The elevation of one point onto the lattice: its remainder-0 point, ranks and barycentric weights. */
class Elevation {
  readonly elevated: Float64Array;
  readonly rem0: Float64Array;
  readonly rank: Int32Array;
  readonly bary: Float64Array;
  /** Which coordinate has each rank. */
  readonly byRank: Int32Array;
  private readonly scale: Float64Array;

  constructor(private readonly d: number) {
    const d1 = d + 1;
    this.elevated = new Float64Array(d1);
    this.rem0 = new Float64Array(d1);
    this.rank = new Int32Array(d1);
    this.bary = new Float64Array(d + 2);
    this.byRank = new Int32Array(d1);
    this.scale = latticeScale(d);
  }

  /** Elevates the point whose features start at f (densecrf's arithmetic, operation for operation). */
  lift(features: Float32Array, f: number): void {
    const { d, elevated, rem0, rank, bary, scale } = this;
    const d1 = d + 1;
    const down = 1 / d1;
    // Elevate onto the hyperplane Σ = 0 (the basis of Adams et al.).
    let sm = 0;
    for (let i = d; i > 0; i--) {
      const cf = features[f + i - 1]! * scale[i - 1]!;
      elevated[i] = sm - i * cf;
      sm += cf;
    }
    elevated[0] = sm;
    // The nearest remainder-0 point, then the rank of each coordinate's residual.
    let sum = 0;
    for (let i = 0; i <= d; i++) {
      const v = elevated[i]! * down;
      const up = Math.ceil(v) * d1;
      const dn = Math.floor(v) * d1;
      rem0[i] = up - elevated[i]! < elevated[i]! - dn ? up : dn;
      sum += rem0[i]!;
      rank[i] = 0;
    }
    sum *= down;
    for (let i = 0; i < d; i++) {
      const di = elevated[i]! - rem0[i]!;
      for (let j = i + 1; j <= d; j++) {
        if (di < elevated[j]! - rem0[j]!) rank[i]!++;
        else rank[j]!++;
      }
    }
    // Bring the point back onto the plane when the rounding left it off.
    if (sum > 0) {
      for (let i = 0; i <= d; i++) {
        if (rank[i]! >= d1 - sum) {
          rem0[i] = rem0[i]! - d1;
          rank[i] = rank[i]! + sum - d1;
        } else rank[i] = rank[i]! + sum;
      }
    } else if (sum < 0) {
      for (let i = 0; i <= d; i++) {
        if (rank[i]! < -sum) {
          rem0[i] = rem0[i]! + d1;
          rank[i] = rank[i]! + d1 + sum;
        } else rank[i] = rank[i]! + sum;
      }
    }
    bary.fill(0);
    for (let i = 0; i <= d; i++) {
      const v = (elevated[i]! - rem0[i]!) * down;
      bary[d - rank[i]!] = bary[d - rank[i]!]! + v;
      bary[d + 1 - rank[i]!] = bary[d + 1 - rank[i]!]! - v;
      this.byRank[rank[i]!] = i;
    }
    bary[0] = bary[0]! + 1 + bary[d + 1]!;
  }
}

/**
 * Packed keys and barycentric weights of the d + 1 vertices of points [p0, p1) (keys: two words per
 * vertex, [points · (d + 1) · 2]). Vertex r of a point is its remainder-0 point plus the canonical
 * simplex's r-th corner: m_i = rem0_i/(d+1), less one for the coordinates whose rank exceeds d − r.
 */
export function liftPacked(features: Float32Array, layout: KeyLayout, p0: number, p1: number, keys: Int32Array, weights: Float32Array): void {
  const d = layout.d;
  const d1 = d + 1;
  const e = new Elevation(d);
  const { word, shift, bias } = layout;
  for (let p = p0; p < p1; p++) {
    e.lift(features, p * d);
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < d; i++) {
      const field = (e.rem0[i]! / d1 - bias[i]!) << shift[i]!;
      if (word[i] === 0) lo |= field;
      else hi |= field;
    }
    for (let r = 0; r <= d; r++) {
      if (r > 0) {
        lo = (lo + 1) | 0;
        const i = e.byRank[d - r + 1]!;
        if (i < d) {
          if (word[i] === 0) lo = (lo - (1 << shift[i]!)) | 0;
          else hi = (hi - (1 << shift[i]!)) | 0;
        }
      }
      const at = p * d1 + r;
      keys[2 * at] = lo;
      keys[2 * at + 1] = hi;
      weights[at] = e.bary[r]!;
    }
  }
}

/** Inserts the lifted keys in point order; offsets[at] = vertex + 1. Returns the table. */
export function insertVertices(keys: Int32Array, count: number, offsets: Int32Array, capacity: number): PackedVertexTable {
  const table = new PackedVertexTable(capacity);
  for (let at = 0; at < count; at++) offsets[at] = table.insert(keys[2 * at]!, keys[2 * at + 1]!) + 1;
  return table;
}

/**
 * Blur neighbours: neighbours[(j·V + v)·2 + 0|1] = up | down along j, + 1 (0 = absent); `neighbours`
 * starts zeroed. Up and down are inverse steps, so only `up` is looked up: when up_j(v) = u, down_j(u)
 * = v (half the hash probes of looking up both).
 */
export function linkVertices(table: PackedVertexTable, layout: KeyLayout, neighbours: Int32Array): void {
  const d = layout.d;
  const V = table.size;
  const rMask = (1 << layout.rBits) - 1;
  const { upLo, upHi } = layout;
  const keys = table.keys;
  for (let v = 0; v < V; v++) {
    const lo = keys[2 * v]!;
    const hi = keys[2 * v + 1]!;
    const wu = (lo & rMask) === d ? 1 : 0;
    for (let j = 0; j <= d; j++) {
      const u = table.find((lo + upLo[2 * j + wu]!) | 0, (hi + upHi[2 * j + wu]!) | 0);
      if (u < 0) continue;
      neighbours[(j * V + v) * 2] = u + 1;
      neighbours[(j * V + u) * 2 + 1] = v + 1;
    }
  }
}

export class PermutohedralLattice {
  /** Per pixel, the d+1 enclosing vertices (index + 1; 0 is an always-zero dummy vertex). */
  readonly offsets: Int32Array;
  /** Per pixel, the barycentric weights of those vertices. */
  readonly weights: Float32Array;
  /** Per direction j and vertex v: the two neighbours along j (index + 1, 0 = absent). */
  readonly neighbours: Int32Array;
  readonly vertices: number;
  /** densecrf's constant slice gain 1/(1 + 2^−d) ("alpha"); normalised kernels divide it out. */
  get gain(): number {
    return 1 / (1 + Math.pow(2, -this.d));
  }

  constructor(
    readonly points: number,
    readonly d: number,
    offsets: Int32Array,
    weights: Float32Array,
    neighbours: Int32Array,
    vertices: number,
  ) {
    this.offsets = offsets;
    this.weights = weights;
    this.neighbours = neighbours;
    this.vertices = vertices;
  }

  /**
   * Lifts `points` feature vectors of dimension d (row-major, already divided by their σ). Keys are
   * packed (lattice-keys.ts) when the frame's range allows, else kept as d loose coordinates
   * (`keys: 'loose'` forces that; the two build the same lattice, vertex for vertex).
   */
  static build(features: Float32Array, d: number, options: { keys?: 'packed' | 'loose' } = {}): PermutohedralLattice {
    const n = features.length / d;
    if (!Number.isInteger(n)) throw new Error(`permutohedral lattice: ${features.length} feature values are not rows of ${d}`);
    const layout = options.keys === 'loose' ? null : keyLayout(features, d);
    if (!layout) return PermutohedralLattice.buildLoose(features, d);
    const d1 = d + 1;
    const keys = new Int32Array(n * d1 * 2);
    const weights = new Float32Array(n * d1);
    liftPacked(features, layout, 0, n, keys, weights);
    const offsets = new Int32Array(n * d1);
    const table = insertVertices(keys, n * d1, offsets, 2 * n);
    const neighbours = new Int32Array(d1 * table.size * 2);
    linkVertices(table, layout, neighbours);
    return new PermutohedralLattice(n, d, offsets, weights, neighbours, table.size);
  }

  private static buildLoose(features: Float32Array, d: number): PermutohedralLattice {
    const n = features.length / d;
    const d1 = d + 1;
    const offsets = new Int32Array(n * d1);
    const weights = new Float32Array(n * d1);
    // Sized for about one vertex per point (it grows when a textured image needs more).
    const table = new VertexTable(d, Math.max(1024, n));
    const e = new Elevation(d);
    const key = new Int32Array(d);
    const canonical = new Int32Array(d1 * d1);
    for (let i = 0; i <= d; i++) {
      for (let j = 0; j <= d - i; j++) canonical[i * d1 + j] = i;
      for (let j = d - i + 1; j <= d; j++) canonical[i * d1 + j] = i - d1;
    }
    for (let p = 0; p < n; p++) {
      e.lift(features, p * d);
      for (let r = 0; r <= d; r++) {
        for (let i = 0; i < d; i++) key[i] = e.rem0[i]! + canonical[r * d1 + e.rank[i]!]!;
        offsets[p * d1 + r] = table.find(key, true) + 1;
        weights[p * d1 + r] = e.bary[r]!;
      }
    }
    const V = table.size;
    const neighbours = new Int32Array(d1 * V * 2);
    const n1 = new Int32Array(d);
    const n2 = new Int32Array(d);
    for (let j = 0; j <= d; j++) {
      for (let v = 0; v < V; v++) {
        for (let k = 0; k < d; k++) {
          n1[k] = table.keys[v * d + k]! + 1;
          n2[k] = table.keys[v * d + k]! - 1;
        }
        if (j < d) {
          n1[j] = table.keys[v * d + j]! - d;
          n2[j] = table.keys[v * d + j]! + d;
        }
        neighbours[(j * V + v) * 2] = table.find(n1, false) + 1;
        neighbours[(j * V + v) * 2 + 1] = table.find(n2, false) + 1;
      }
    }
    return new PermutohedralLattice(n, d, offsets, weights, neighbours, V);
  }

  /**
   * out ≈ Σ_j exp(−‖f_i − f_j‖²/2) · in_j for every point i (up to the lattice's constant gain, which
   * normalised kernels divide out). `input` and `out` are [points, channels], channel-last.
   */
  filter(input: Float32Array, channels: number, out: Float32Array = new Float32Array(input.length)): Float32Array {
    const { points: n, d, offsets, weights, neighbours, vertices: V } = this;
    const c = channels;
    if (input.length !== n * c) throw new Error(`permutohedral filter: ${input.length} values are not ${n} points × ${c} channels`);
    const d1 = d + 1;
    let values = new Float32Array((V + 1) * c);
    let next = new Float32Array((V + 1) * c);
    for (let p = 0; p < n; p++) {
      const src = p * c;
      for (let r = 0; r < d1; r++) {
        const o = offsets[p * d1 + r]! * c;
        const w = weights[p * d1 + r]!;
        for (let k = 0; k < c; k++) values[o + k] = values[o + k]! + w * input[src + k]!;
      }
    }
    for (let j = 0; j <= d; j++) {
      const base = j * V * 2;
      for (let v = 0; v < V; v++) {
        const o = (v + 1) * c;
        const a = neighbours[base + 2 * v]! * c;
        const b = neighbours[base + 2 * v + 1]! * c;
        for (let k = 0; k < c; k++) next[o + k] = values[o + k]! + 0.5 * (values[a + k]! + values[b + k]!);
      }
      const t = values;
      values = next;
      next = t;
    }
    const alpha = this.gain;
    for (let p = 0; p < n; p++) {
      const dst = p * c;
      for (let k = 0; k < c; k++) out[dst + k] = 0;
      for (let r = 0; r < d1; r++) {
        const o = offsets[p * d1 + r]! * c;
        const w = weights[p * d1 + r]! * alpha;
        for (let k = 0; k < c; k++) out[dst + k] = out[dst + k]! + w * values[o + k]!;
      }
    }
    return out;
  }
}

/**
 * The blur's lines: along each direction j in turn, every run of vertices linked by `up` (from one
 * without a `down` neighbour), as vertex + 1, each run ended by a 0. Vertices with no neighbour along
 * j are left out: the blur leaves them as they are. [½ 1 ½] along a line needs only the previous
 * vertex's old value, so blurChains runs in place, touching only the vertices that have neighbours.
 */
export function blurChains(neighbours: Int32Array, V: number, d1: number): Int32Array {
  let length = 0;
  for (let j = 0; j < d1; j++) {
    for (let v = 0; v < V; v++) {
      const up = neighbours[(j * V + v) * 2]!;
      const down = neighbours[(j * V + v) * 2 + 1]!;
      if (up !== 0 || down !== 0) length++;
      if (up !== 0 && down === 0) length++;
    }
  }
  const chains = new Int32Array(length);
  let at = 0;
  for (let j = 0; j < d1; j++) {
    const base = j * V * 2;
    for (let v = 0; v < V; v++) {
      if (neighbours[base + 2 * v + 1] !== 0 || neighbours[base + 2 * v] === 0) continue;
      for (let u = v + 1; u !== 0; u = neighbours[base + 2 * (u - 1)]!) chains[at++] = u;
      chains[at++] = 0;
    }
  }
  return chains;
}

/**
 * The lattice blur in place: [½ 1 ½] along each direction, values [(V + 1), c] (vertex 0 zero), the
 * same arithmetic as filter()'s two-buffer blur (old value + ½·(up's old + down's old)), so the same
 * floats. `tmp` holds c values (the previous vertex's old value).
 */
export function blurInPlace(values: Float32Array, c: number, chains: Int32Array, tmp: Float32Array): void {
  for (let k = 0; k < c; k++) tmp[k] = 0;
  for (let i = 0; i < chains.length; i++) {
    const v = chains[i]!;
    if (v === 0) {
      for (let k = 0; k < c; k++) tmp[k] = 0;
      continue;
    }
    const o = v * c;
    const a = chains[i + 1]! * c;
    for (let k = 0; k < c; k++) {
      const t = values[o + k]!;
      values[o + k] = t + 0.5 * (values[a + k]! + tmp[k]!);
      tmp[k] = t;
    }
  }
}
