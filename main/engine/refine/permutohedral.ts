// The permutohedral lattice (Adams, Baek, Davis 2010): Gaussian filtering in a d-dimensional feature
// space (here x, y, r, g, b scaled by 1/σ) in O(n·d) per channel instead of O(n²). Each pixel is lifted
// onto the lattice of the hyperplane Σ = 0 in R^{d+1}, splatted onto the d+1 vertices of its enclosing
// simplex with barycentric weights, the lattice is blurred with [½ 1 ½] along each of the d+1 lattice
// directions, and the result is sliced back with the same weights. This follows the layout of
// Krähenbühl's densecrf implementation (the one pydensecrf wraps and the CAUSE release calls), so the
// kernel it approximates is the one the reference's CRF used.
// Why typed arrays and one flat hash table: a 640×320 frame lifts to ~10⁵–10⁶ lattice vertices and the
// CRF filters 27 channels through it 10 times; per-vertex objects would dominate the time.

/** Lattice vertices are found by their d integer coordinates through an open-addressing hash table. */
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

  private constructor(
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

  /** Lifts `points` feature vectors of dimension d (row-major, already divided by their σ). */
  static build(features: Float32Array, d: number): PermutohedralLattice {
    const n = features.length / d;
    if (!Number.isInteger(n)) throw new Error(`permutohedral lattice: ${features.length} feature values are not rows of ${d}`);
    const d1 = d + 1;
    const offsets = new Int32Array(n * d1);
    const weights = new Float32Array(n * d1);
    // Sized for about one vertex per point (it grows when a textured image needs more).
    const table = new VertexTable(d, Math.max(1024, n));
    // Lattice scaling: the blur below then approximates a Gaussian of unit σ in feature units.
    const scale = new Float64Array(d);
    const invStd = Math.sqrt(2 / 3) * d1;
    for (let i = 0; i < d; i++) scale[i] = invStd / Math.sqrt((i + 1) * (i + 2));
    const elevated = new Float64Array(d1);
    const rem0 = new Float64Array(d1);
    const rank = new Int32Array(d1);
    const bary = new Float64Array(d + 2);
    const key = new Int32Array(d);
    const canonical = new Int32Array(d1 * d1);
    for (let i = 0; i <= d; i++) {
      for (let j = 0; j <= d - i; j++) canonical[i * d1 + j] = i;
      for (let j = d - i + 1; j <= d; j++) canonical[i * d1 + j] = i - d1;
    }
    const down = 1 / d1;
    for (let p = 0; p < n; p++) {
      const f = p * d;
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
      }
      bary[0] = bary[0]! + 1 + bary[d + 1]!;
      for (let r = 0; r <= d; r++) {
        for (let i = 0; i < d; i++) key[i] = rem0[i]! + canonical[r * d1 + rank[i]!]!;
        offsets[p * d1 + r] = table.find(key, true) + 1;
        weights[p * d1 + r] = bary[r]!;
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
