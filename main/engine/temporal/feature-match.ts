// Label-free correspondences between two frames from their backbone patch features: every patch of
// frame t looks for its most similar patch of frame t−1 in a window around its own position. Features
// are cached per frame, so this costs a few dot products per patch and no image decoding.
//
// Coarse to fine: a 2×2-pooled grid searches a wide window (driving forward moves the road near the
// bottom of the frame by several patches per frame), then the full grid refines ±1 patch around the
// coarse match. A parabola through the similarities of the neighbours gives a sub-patch offset.

export interface PatchMatches {
  readonly h: number;
  readonly w: number;
  /** Per patch of frame t: where it was in frame t−1, as an offset in patches (x, y). */
  readonly dx: Float32Array;
  readonly dy: Float32Array;
  /** Cosine of the best match (−1..1). */
  readonly similarity: Float32Array;
  /** Mean best-match cosine over the frame: a scene cut makes it fall. */
  readonly meanSimilarity: number;
}

/** Rows of [n, dim] scaled to unit length (zero rows stay zero). */
export function normalizeRows(x: Float32Array, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += x[i * dim + c]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let c = 0; c < dim; c++) out[i * dim + c] = x[i * dim + c]! * inv;
  }
  return out;
}

function pool2(src: Float32Array, h: number, w: number, dim: number): { data: Float32Array; h: number; w: number } {
  const ph = Math.max(1, h >> 1);
  const pw = Math.max(1, w >> 1);
  const out = new Float32Array(ph * pw * dim);
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) {
      const o = (y * pw + x) * dim;
      for (let yy = 2 * y; yy < Math.min(h, 2 * y + 2); yy++) {
        for (let xx = 2 * x; xx < Math.min(w, 2 * x + 2); xx++) {
          const i = (yy * w + xx) * dim;
          for (let c = 0; c < dim; c++) out[o + c]! += src[i + c]!;
        }
      }
    }
  }
  return { data: normalizeRows(out, ph * pw, dim), h: ph, w: pw };
}

function dot(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let s = 0;
  for (let c = 0; c < dim; c++) s += a[ai + c]! * b[bi + c]!;
  return s;
}

/** Best match of every patch of `cur` in `prev` within ±radius of (cx, cy) = guess; returns [x, y, cos]. */
function search(
  cur: Float32Array,
  prev: Float32Array,
  h: number,
  w: number,
  dim: number,
  guessX: Int32Array | null,
  guessY: Int32Array | null,
  radius: number,
): { bx: Int32Array; by: Int32Array; best: Float32Array } {
  const n = h * w;
  const bx = new Int32Array(n);
  const by = new Int32Array(n);
  const best = new Float32Array(n).fill(-2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const gx = guessX ? guessX[i]! : x;
      const gy = guessY ? guessY[i]! : y;
      let b = -2;
      let bxx = x;
      let byy = y;
      for (let yy = Math.max(0, gy - radius); yy <= Math.min(h - 1, gy + radius); yy++) {
        for (let xx = Math.max(0, gx - radius); xx <= Math.min(w - 1, gx + radius); xx++) {
          const s = dot(cur, i * dim, prev, (yy * w + xx) * dim, dim);
          // ties go to the smaller displacement, so flat regions (sky, road) stay put
          if (s > b + 1e-6 || (Math.abs(s - b) <= 1e-6 && Math.abs(xx - x) + Math.abs(yy - y) < Math.abs(bxx - x) + Math.abs(byy - y))) {
            b = s;
            bxx = xx;
            byy = yy;
          }
        }
      }
      bx[i] = bxx;
      by[i] = byy;
      best[i] = b;
    }
  }
  return { bx, by, best };
}

/** Sub-patch vertex of the parabola through (−1, a), (0, b), (1, c), clamped to ±0.5. */
function vertex(a: number, b: number, c: number): number {
  const den = a - 2 * b + c;
  if (!(den < -1e-9)) return 0;
  return Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den));
}

/**
 * Matches the patches of frame t (`cur`) to frame t−1 (`prev`), both [h·w·dim] row-major, already unit
 * rows or not (they are normalised here). `radius` is the coarse search window in pooled patches.
 */
export function matchPatches(prevRaw: Float32Array, curRaw: Float32Array, h: number, w: number, dim: number, radius = 3): PatchMatches {
  const n = h * w;
  const prev = normalizeRows(prevRaw, n, dim);
  const cur = normalizeRows(curRaw, n, dim);
  const pc = pool2(cur, h, w, dim);
  const pp = pool2(prev, h, w, dim);
  const coarse = search(pc.data, pp.data, pc.h, pc.w, dim, null, null, radius);
  const gx = new Int32Array(n);
  const gy = new Int32Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ci = Math.min(pc.h - 1, y >> 1) * pc.w + Math.min(pc.w - 1, x >> 1);
      // the coarse displacement, in full patches, applied to this patch
      gx[y * w + x] = Math.max(0, Math.min(w - 1, x + 2 * (coarse.bx[ci]! - Math.min(pc.w - 1, x >> 1))));
      gy[y * w + x] = Math.max(0, Math.min(h - 1, y + 2 * (coarse.by[ci]! - Math.min(pc.h - 1, y >> 1))));
    }
  }
  // refine ±2 patches around the coarse guess and around "no motion" (whichever is better wins)
  const fine = search(cur, prev, h, w, dim, gx, gy, 2);
  const still = search(cur, prev, h, w, dim, null, null, 1);
  const dx = new Float32Array(n);
  const dy = new Float32Array(n);
  const similarity = new Float32Array(n);
  let sum = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const useStill = still.best[i]! >= fine.best[i]! - 1e-6;
      const bx = useStill ? still.bx[i]! : fine.bx[i]!;
      const by = useStill ? still.by[i]! : fine.by[i]!;
      const b = useStill ? still.best[i]! : fine.best[i]!;
      const at = (xx: number, yy: number) =>
        xx < 0 || yy < 0 || xx >= w || yy >= h ? b : dot(cur, i * dim, prev, (yy * w + xx) * dim, dim);
      // A patch that stayed put stays exactly put: on a still scene the parabola would only fit noise.
      const moved = bx !== x || by !== y;
      dx[i] = bx - x + (moved ? vertex(at(bx - 1, by), b, at(bx + 1, by)) : 0);
      dy[i] = by - y + (moved ? vertex(at(bx, by - 1), b, at(bx, by + 1)) : 0);
      similarity[i] = b;
      sum += b;
    }
  }
  return { h, w, dx, dy, similarity, meanSimilarity: n > 0 ? sum / n : 0 };
}
