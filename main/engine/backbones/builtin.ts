// Backbones that ship with the studio and need no download: `rgb` (the trivial baseline) and
// `builtin` (a fixed multi-scale filter bank). Both are plain typed-array code; they take RGB in
// [0, 1] (identity mean/std) and output one token per 8×8 patch. Neither is learned: they are the
// floor any real self-supervised backbone (DINOv2, DINO) should beat by far. See README.md here.
import { StudioError } from '../../../shared/contract/errors.js';
import { IDENTITY_MEAN, IDENTITY_STD, type Backbone, type ImageBatch, type TokenGrid } from './backbone.js';

export const BUILTIN_PATCH = 8;

function checkBatch(id: string, b: ImageBatch, p: number): { h: number; w: number } {
  if (b.height % p !== 0 || b.width % p !== 0) {
    throw new StudioError('invalid_input', `backbone ${id}: input ${b.width}×${b.height} is not a multiple of the patch size ${p}`);
  }
  if (b.data.length !== b.n * 3 * b.height * b.width) {
    throw new StudioError('internal', `backbone ${id}: batch holds ${b.data.length} values, expected ${b.n * 3 * b.height * b.width}`);
  }
  return { h: b.height / p, w: b.width / p };
}

// ---------------------------------------------------------------------------------------------
// rgb: per-patch mean and standard deviation of R, G, B (6 dims).

export const RGB_DIM = 6;

export function createRgbBackbone(): Backbone {
  return {
    id: 'rgb',
    kind: 'builtin',
    family: 'rgb',
    patchSize: BUILTIN_PATCH,
    dim: RGB_DIM,
    mean: IDENTITY_MEAN,
    std: IDENTITY_STD,
    fixedSize: null,
    cacheId: 'rgb@1',
    provider: 'js',
    extract(batch) {
      return Promise.resolve().then(() => rgbFeatures(batch));
    },
    dispose() {
      return Promise.resolve();
    },
  };
}

export function rgbFeatures(batch: ImageBatch): TokenGrid {
  const p = BUILTIN_PATCH;
  const { h, w } = checkBatch('rgb', batch, p);
  const { width: W, height: H } = batch;
  const plane = W * H;
  const out = new Float32Array(batch.n * h * w * RGB_DIM);
  const inv = 1 / (p * p);
  for (let b = 0; b < batch.n; b++) {
    const img = batch.data.subarray(b * 3 * plane, (b + 1) * 3 * plane);
    for (let py = 0; py < h; py++) {
      for (let px = 0; px < w; px++) {
        const o = ((b * h + py) * w + px) * RGB_DIM;
        for (let c = 0; c < 3; c++) {
          let s = 0;
          let s2 = 0;
          for (let y = py * p; y < py * p + p; y++) {
            const row = c * plane + y * W;
            for (let x = px * p; x < px * p + p; x++) {
              const v = img[row + x]!;
              s += v;
              s2 += v * v;
            }
          }
          const m = s * inv;
          out[o + c] = m;
          out[o + 3 + c] = Math.sqrt(Math.max(0, s2 * inv - m * m));
        }
      }
    }
  }
  return { data: out, n: batch.n, h, w, dim: RGB_DIM };
}

// ---------------------------------------------------------------------------------------------
// builtin: a fixed multi-scale filter bank. Per 8×8 patch:
//   colour      CIELAB mean (3) and std (3) in the patch, and the Lab mean over 3×3 and 7×7 patch
//               neighbourhoods (6): a surface's colour in its context
//   gradients   orientation energy of L in 6 orientations at 3 scales (σ = 1, 2, 4 px) (18)
//   texture     band-pass (difference of Gaussians) energy at 3 scales (3), and the gradient energy
//               pooled over the 3×3 patch neighbourhood at the finest and coarsest scale (2)
//   position    vertical and horizontal position in the view (2)
// followed by the same 37 values averaged over the 5×5 patch neighbourhood: the context of a patch
// (what surrounds it) is what tells road from sidewalk or wall from building when the patch alone
// does not; on SynthDrive this context raised k-means mIoU by about a third.
// Each group is scaled by fixed constants to roughly unit spread (no data-dependent normalisation,
// so features of different frames are comparable and cacheable).

const ORIENTATIONS = 6;
const SCALES = [1, 2, 4] as const;
/** Per-patch descriptor, before context. */
const BASE_DIM = 12 + ORIENTATIONS * SCALES.length + SCALES.length + 2 + 2;
/** Radius (in patches) of the context average appended to each descriptor. */
const CONTEXT_RADIUS = 2;
export const BUILTIN_DIM = 2 * BASE_DIM;

export function createBuiltinBackbone(): Backbone {
  return {
    id: 'builtin',
    kind: 'builtin',
    family: 'builtin',
    patchSize: BUILTIN_PATCH,
    dim: BUILTIN_DIM,
    mean: IDENTITY_MEAN,
    std: IDENTITY_STD,
    fixedSize: null,
    cacheId: 'builtin@2',
    provider: 'js',
    extract(batch) {
      return Promise.resolve().then(() => filterBankFeatures(batch));
    },
    dispose() {
      return Promise.resolve();
    },
  };
}

function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}
function labF(t: number): number {
  return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
}

/** RGB planes in [0,1] → L, a, b planes. */
function toLab(img: Float32Array, plane: number, L: Float32Array, A: Float32Array, B: Float32Array): void {
  for (let i = 0; i < plane; i++) {
    const r = srgbToLinear(Math.min(1, Math.max(0, img[i]!)));
    const g = srgbToLinear(Math.min(1, Math.max(0, img[plane + i]!)));
    const b = srgbToLinear(Math.min(1, Math.max(0, img[2 * plane + i]!)));
    const fx = labF((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
    const fy = labF(0.2126 * r + 0.7152 * g + 0.0722 * b);
    const fz = labF((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
    L[i] = 116 * fy - 16;
    A[i] = 500 * (fx - fy);
    B[i] = 200 * (fy - fz);
  }
}

/** Separable Gaussian blur with clamped borders. */
function gaussianBlur(src: Float32Array, W: number, H: number, sigma: number, tmp: Float32Array, dst: Float32Array): void {
  const r = Math.ceil(3 * sigma);
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  for (let y = 0; y < H; y++) {
    const row = y * W;
    for (let x = 0; x < W; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) {
        const xx = x + i < 0 ? 0 : x + i >= W ? W - 1 : x + i;
        acc += k[i + r]! * src[row + xx]!;
      }
      tmp[row + x] = acc;
    }
  }
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) {
        const yy = y + i < 0 ? 0 : y + i >= H ? H - 1 : y + i;
        acc += k[i + r]! * tmp[yy * W + x]!;
      }
      dst[y * W + x] = acc;
    }
  }
}

/** Mean of a patch-grid map over the (2r+1)² neighbourhood, clamped at the borders. */
function poolGrid(src: Float32Array, h: number, w: number, r: number, dst: Float32Array): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      let c = 0;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) {
          s += src[yy * w + xx]!;
          c++;
        }
      }
      dst[y * w + x] = s / c;
    }
  }
}

export function filterBankFeatures(batch: ImageBatch): TokenGrid {
  const p = BUILTIN_PATCH;
  const { h, w } = checkBatch('builtin', batch, p);
  const { width: W, height: H } = batch;
  const plane = W * H;
  const cells = h * w;
  const D = BUILTIN_DIM;
  const out = new Float32Array(batch.n * cells * D);
  const L = new Float32Array(plane);
  const A = new Float32Array(plane);
  const Bc = new Float32Array(plane);
  const tmp = new Float32Array(plane);
  const blurred = SCALES.map(() => new Float32Array(plane));
  const cellMean = [new Float32Array(cells), new Float32Array(cells), new Float32Array(cells)];
  const pooled = new Float32Array(cells);
  const gradCell = SCALES.map(() => new Float32Array(cells));
  const inv = 1 / (p * p);

  for (let b = 0; b < batch.n; b++) {
    const img = batch.data.subarray(b * 3 * plane, (b + 1) * 3 * plane);
    toLab(img, plane, L, A, Bc);
    const base = b * cells * D;
    const lab = [L, A, Bc];
    const labScale = [25, 20, 20];
    const labShift = [50, 0, 0];

    // Colour: mean and std per patch.
    for (let c = 0; c < 3; c++) {
      const src = lab[c]!;
      for (let py = 0; py < h; py++) {
        for (let px = 0; px < w; px++) {
          let s = 0;
          let s2 = 0;
          for (let y = py * p; y < py * p + p; y++) {
            const row = y * W;
            for (let x = px * p; x < px * p + p; x++) {
              const v = src[row + x]!;
              s += v;
              s2 += v * v;
            }
          }
          const m = s * inv;
          const cell = py * w + px;
          cellMean[c]![cell] = m;
          out[base + cell * D + c] = (m - labShift[c]!) / labScale[c]!;
          out[base + cell * D + 3 + c] = Math.sqrt(Math.max(0, s2 * inv - m * m)) / 8;
        }
      }
      // Context colour at two neighbourhood sizes.
      for (const [k, r] of [[0, 1], [1, 3]] as const) {
        poolGrid(cellMean[c]!, h, w, r, pooled);
        for (let cell = 0; cell < cells; cell++) out[base + cell * D + 6 + k * 3 + c] = (pooled[cell]! - labShift[c]!) / labScale[c]!;
      }
    }

    // Oriented gradient energy of L at three scales, soft-binned into 6 orientations (mod π).
    let o = 12;
    SCALES.forEach((sigma, si) => {
      const Ls = blurred[si]!;
      gaussianBlur(L, W, H, sigma, tmp, Ls);
      const gc = gradCell[si]!;
      gc.fill(0);
      const bins = new Float32Array(cells * ORIENTATIONS);
      for (let y = 0; y < H; y++) {
        const ym = y > 0 ? y - 1 : 0;
        const yp = y < H - 1 ? y + 1 : H - 1;
        const cy = ((y / p) | 0) * w;
        for (let x = 0; x < W; x++) {
          const xm = x > 0 ? x - 1 : 0;
          const xp = x < W - 1 ? x + 1 : W - 1;
          // σ-normalised derivative so energies are comparable across scales.
          const gx = (Ls[y * W + xp]! - Ls[y * W + xm]!) * 0.5 * sigma;
          const gy = (Ls[yp * W + x]! - Ls[ym * W + x]!) * 0.5 * sigma;
          const mag = Math.sqrt(gx * gx + gy * gy);
          if (mag === 0) continue;
          let theta = Math.atan2(gy, gx);
          if (theta < 0) theta += Math.PI;
          const f = (theta / Math.PI) * ORIENTATIONS;
          const b0 = Math.floor(f) % ORIENTATIONS;
          const t = f - Math.floor(f);
          const cell = cy + ((x / p) | 0);
          bins[cell * ORIENTATIONS + b0]! += mag * (1 - t);
          bins[cell * ORIENTATIONS + ((b0 + 1) % ORIENTATIONS)]! += mag * t;
          gc[cell]! += mag;
        }
      }
      for (let cell = 0; cell < cells; cell++) {
        for (let k = 0; k < ORIENTATIONS; k++) {
          out[base + cell * D + o + k] = Math.log1p(bins[cell * ORIENTATIONS + k]! * inv) - 0.5;
        }
        gc[cell] = Math.log1p(gc[cell]! * inv);
      }
      o += ORIENTATIONS;
    });

    // Band-pass (DoG) energy: L − blur₁, blur₁ − blur₂, blur₂ − blur₄.
    const levels = [L, blurred[0]!, blurred[1]!, blurred[2]!];
    for (let s = 0; s < SCALES.length; s++) {
      const fine = levels[s]!;
      const next = levels[s + 1]!;
      for (let py = 0; py < h; py++) {
        for (let px = 0; px < w; px++) {
          let e = 0;
          for (let y = py * p; y < py * p + p; y++) {
            for (let x = px * p; x < px * p + p; x++) {
              const d = fine[y * W + x]! - next[y * W + x]!;
              e += d * d;
            }
          }
          out[base + (py * w + px) * D + o + s] = Math.log1p(e * inv) - 0.5;
        }
      }
    }
    o += SCALES.length;

    // Gradient energy in the 3×3 patch neighbourhood (texture context), finest and coarsest scale.
    for (const [k, si] of [[0, 0], [1, SCALES.length - 1]] as const) {
      poolGrid(gradCell[si]!, h, w, 1, pooled);
      for (let cell = 0; cell < cells; cell++) out[base + cell * D + o + k] = pooled[cell]! - 0.5;
    }
    o += 2;

    // Position in the view.
    for (let py = 0; py < h; py++) {
      for (let px = 0; px < w; px++) {
        const cell = py * w + px;
        out[base + cell * D + o] = ((py + 0.5) / h - 0.5) * 2;
        out[base + cell * D + o + 1] = ((px + 0.5) / w - 0.5) * 2;
      }
    }

    // Context: the mean descriptor of the (2r+1)² neighbourhood, clamped at the borders.
    const r = CONTEXT_RADIUS;
    const acc = new Float64Array(BASE_DIM);
    for (let py = 0; py < h; py++) {
      for (let px = 0; px < w; px++) {
        acc.fill(0);
        let count = 0;
        for (let yy = Math.max(0, py - r); yy <= Math.min(h - 1, py + r); yy++) {
          for (let xx = Math.max(0, px - r); xx <= Math.min(w - 1, px + r); xx++) {
            const src = base + (yy * w + xx) * D;
            for (let d = 0; d < BASE_DIM; d++) acc[d]! += out[src + d]!;
            count++;
          }
        }
        const dst = base + (py * w + px) * D + BASE_DIM;
        for (let d = 0; d < BASE_DIM; d++) out[dst + d] = acc[d]! / count;
      }
    }
  }
  return { data: out, n: batch.n, h, w, dim: D };
}
