// Plane-induced image motion: a 3×3 homography H with H[8] = 1 maps a pixel p of frame t to where it was
// in frame t−1 (p' ~ H·p). Every plane of a rigid scene moves by one homography between two views, so the
// ground of a driving scene — flat asphalt whose own texture cannot show its motion to Lucas–Kanade — has
// its motion fixed by a few textured points anywhere on it (lane marks, kerbs, shadows near the horizon).
// Fitted by RANSAC over 4-point solutions, then refined by least squares on the inliers (normalised DLT
// with h33 = 1: the ground never passes through the camera centre, so h33 ≠ 0).

/** Row-major 3×3, H[8] = 1. */
export type Homography = Float64Array;

export interface PointPairs {
  /** Frame-t points (x, y). */
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** Where each was in frame t−1. */
  readonly px: Float32Array;
  readonly py: Float32Array;
}

export interface HomographyFit {
  readonly H: Homography;
  /** Indices of the pairs the fit explains within the tolerance. */
  readonly inliers: Int32Array;
}

export interface RansacOptions {
  /** Reprojection error (pixels) under which a pair is an inlier. */
  readonly tolerance?: number;
  readonly iterations?: number;
  /** Extra hypotheses tried before the random ones (e.g. the previous frame pair's fit). */
  readonly hypotheses?: readonly Homography[];
  /** PRNG seed: the fit is a pure function of its input. */
  readonly seed?: number;
}

/** Where H sends (x, y); null where the point maps to infinity or behind. */
export function mapPoint(H: Homography, x: number, y: number): [number, number] | null {
  const w = H[6]! * x + H[7]! * y + H[8]!;
  if (!(w > 1e-9)) return null;
  return [(H[0]! * x + H[1]! * y + H[2]!) / w, (H[3]! * x + H[4]! * y + H[5]!) / w];
}

/** Solves A·x = b (n×n, row-major, overwritten) by Gaussian elimination with partial pivoting. */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array | null {
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]!) > Math.abs(A[p * n + c]!)) p = r;
    if (Math.abs(A[p * n + c]!) < 1e-12) return null;
    if (p !== c) {
      for (let k = 0; k < n; k++) [A[c * n + k], A[p * n + k]] = [A[p * n + k]!, A[c * n + k]!];
      [b[c], b[p]] = [b[p]!, b[c]!];
    }
    for (let r = c + 1; r < n; r++) {
      const f = A[r * n + c]! / A[c * n + c]!;
      if (f === 0) continue;
      for (let k = c; k < n; k++) A[r * n + k] = A[r * n + k]! - f * A[c * n + k]!;
      b[r] = b[r]! - f * b[c]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= A[r * n + k]! * x[k]!;
    x[r] = s / A[r * n + r]!;
  }
  return x;
}

/** Normalising similarity (centroid to 0, mean distance √2) of a point set, as [s, tx, ty]. */
function normaliser(xs: Float32Array, ys: Float32Array, idx: ArrayLike<number>): [number, number, number] {
  let mx = 0;
  let my = 0;
  for (let k = 0; k < idx.length; k++) {
    mx += xs[idx[k]!]!;
    my += ys[idx[k]!]!;
  }
  mx /= idx.length;
  my /= idx.length;
  let d = 0;
  for (let k = 0; k < idx.length; k++) d += Math.hypot(xs[idx[k]!]! - mx, ys[idx[k]!]! - my);
  const s = d > 1e-9 ? (Math.SQRT2 * idx.length) / d : 1;
  return [s, -s * mx, -s * my];
}

/**
 * Least-squares H (h33 = 1) from the pairs `idx` (≥ 4): the DLT's 8 unknowns by the normal equations, in
 * normalised coordinates so the system is well conditioned. Null for degenerate sets (collinear points).
 */
export function fitHomographyLS(pairs: PointPairs, idx: ArrayLike<number>): Homography | null {
  if (idx.length < 4) return null;
  const [s1, a1, b1] = normaliser(pairs.x, pairs.y, idx);
  const [s2, a2, b2] = normaliser(pairs.px, pairs.py, idx);
  const AtA = new Float64Array(64);
  const Atb = new Float64Array(8);
  const row = new Float64Array(8);
  const add = (r: Float64Array, rhs: number) => {
    for (let i = 0; i < 8; i++) {
      if (r[i] === 0) continue;
      for (let j = 0; j < 8; j++) AtA[i * 8 + j] = AtA[i * 8 + j]! + r[i]! * r[j]!;
      Atb[i] = Atb[i]! + r[i]! * rhs;
    }
  };
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    const x = s1 * pairs.x[i]! + a1;
    const y = s1 * pairs.y[i]! + b1;
    const X = s2 * pairs.px[i]! + a2;
    const Y = s2 * pairs.py[i]! + b2;
    // X = (h0 x + h1 y + h2) / (h6 x + h7 y + 1), likewise Y
    row.set([x, y, 1, 0, 0, 0, -X * x, -X * y]);
    add(row, X);
    row.set([0, 0, 0, x, y, 1, -Y * x, -Y * y]);
    add(row, Y);
  }
  const h = solve(AtA, Atb, 8);
  if (!h || h.some((v) => !Number.isFinite(v))) return null;
  const Hn = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, 1];
  // H = T2⁻¹ · Hn · T1, with T = [[s, 0, a], [0, s, b], [0, 0, 1]]
  const T1 = [s1, 0, a1, 0, s1, b1, 0, 0, 1];
  const T2i = [1 / s2, 0, -a2 / s2, 0, 1 / s2, -b2 / s2, 0, 0, 1];
  const H = multiply(T2i, multiply(Hn, T1));
  if (Math.abs(H[8]!) < 1e-12) return null;
  return H.map((v) => v / H[8]!);
}

function multiply(A: ArrayLike<number>, B: ArrayLike<number>): Float64Array {
  const C = new Float64Array(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) C[r * 3 + c] = A[r * 3]! * B[c]! + A[r * 3 + 1]! * B[3 + c]! + A[r * 3 + 2]! * B[6 + c]!;
  return C;
}

/** The inverse of H (for the flow the other way), scaled to H[8] = 1; null if singular. */
export function invertHomography(H: Homography): Homography | null {
  const [a, b, c, d, e, f, g, h, i] = H as unknown as number[] as [number, number, number, number, number, number, number, number, number];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) return null;
  const inv = new Float64Array([A, -(b * i - c * h), b * f - c * e, B, a * i - c * g, -(a * f - c * d), C, -(a * h - b * g), a * e - b * d]);
  if (Math.abs(inv[8]!) < 1e-12) return null;
  return inv.map((v) => v / inv[8]!);
}

function inliersOf(H: Homography, pairs: PointPairs, tol2: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < pairs.x.length; i++) {
    const q = mapPoint(H, pairs.x[i]!, pairs.y[i]!);
    if (q && (q[0] - pairs.px[i]!) ** 2 + (q[1] - pairs.py[i]!) ** 2 <= tol2) out.push(i);
  }
  return Int32Array.from(out);
}

/** RANSAC over 4-point homographies, then two least-squares refinements on the inlier set. */
export function fitHomographyRansac(pairs: PointPairs, options: RansacOptions = {}): HomographyFit | null {
  const n = pairs.x.length;
  if (n < 8) return null;
  const tol2 = (options.tolerance ?? 1) ** 2;
  let rng = (options.seed ?? 0x9e3779b9) >>> 0;
  const rand = () => {
    // mulberry32
    rng = (rng + 0x6d2b79f5) >>> 0;
    let t = rng;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let best: Int32Array = new Int32Array(0);
  const consider = (H: Homography | null) => {
    if (!H) return;
    const inl = inliersOf(H, pairs, tol2);
    if (inl.length > best.length) best = inl;
  };
  for (const H of options.hypotheses ?? []) consider(H);
  const iterations = options.iterations ?? 120;
  const pick = new Int32Array(4);
  for (let it = 0; it < iterations; it++) {
    for (let k = 0; k < 4; k++) {
      let j: number;
      do j = Math.floor(rand() * n);
      while (pick.subarray(0, k).includes(j));
      pick[k] = j;
    }
    consider(fitHomographyLS(pairs, pick));
  }
  if (best.length < 8) return null;
  let H: Homography | null = null;
  for (let r = 0; r < 2; r++) {
    const refined = fitHomographyLS(pairs, best);
    if (!refined) break;
    const inl = inliersOf(refined, pairs, tol2);
    if (inl.length < best.length && H) break;
    H = refined;
    best = inl;
  }
  return H && best.length >= 8 ? { H, inliers: best } : null;
}
