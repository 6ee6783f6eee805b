// Evaluation geometries. 'reference' is the published unsupervised protocol (STEGO/CAUSE): resize the
// short side to 320 with nearest-neighbour for labels, then centre-crop 320×320. 'full' scores every
// pixel at the dataset's (label map's) resolution.
//
// Both are expressed as a gather table: for each evaluated pixel, the index of the source pixel it
// reads. The table depends only on the source size, so it is built once per size and reused for every
// frame; applying it costs one typed-array read per pixel and no allocation.

import { StudioError } from '../../../shared/contract/errors.js';

export const EVAL_GEOMETRIES = ['reference', 'full'] as const;
export type EvalGeometry = (typeof EVAL_GEOMETRIES)[number];

export const REFERENCE_SIZE = 320;

/** Python 3's round(): halves go to the even neighbour (torchvision's CenterCrop uses it). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** torchvision Resize(int): the short side becomes `size`, the long side int(size * long / short). */
export function referenceResizedSize(width: number, height: number, size = REFERENCE_SIZE): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.floor((size * height) / width) };
  return { width: Math.floor((size * width) / height), height: size };
}

export interface Sampler {
  /** Evaluated grid size. */
  readonly width: number;
  readonly height: number;
  /** For each evaluated pixel, the source pixel index; null = identity (source already is the grid). */
  readonly index: Int32Array | null;
}

/**
 * Nearest-neighbour sampling of a srcW×srcH map onto a dstW×dstH grid, like PIL's NEAREST resize:
 * output pixel x reads source floor((x + 0.5) · srcW / dstW). Optionally only a window of the resized
 * image (crop offset and size in resized pixels) is produced.
 */
function nearestTable(
  srcW: number,
  srcH: number,
  dstW: number,
  dstH: number,
  crop: { left: number; top: number; width: number; height: number },
): Int32Array {
  const sx = srcW / dstW;
  const sy = srcH / dstH;
  const cols = new Int32Array(crop.width);
  for (let x = 0; x < crop.width; x++) cols[x] = Math.min(srcW - 1, Math.floor((x + crop.left + 0.5) * sx));
  const out = new Int32Array(crop.width * crop.height);
  for (let y = 0; y < crop.height; y++) {
    const row = Math.min(srcH - 1, Math.floor((y + crop.top + 0.5) * sy)) * srcW;
    const base = y * crop.width;
    for (let x = 0; x < crop.width; x++) out[base + x] = row + cols[x]!;
  }
  return out;
}

const referenceCache = new Map<string, Sampler>();

/** The reference-protocol sampler for a source of this size (cached per size). */
export function referenceSampler(width: number, height: number, size = REFERENCE_SIZE): Sampler {
  checkSize(width, height);
  const key = `${width}x${height}@${size}`;
  const hit = referenceCache.get(key);
  if (hit) return hit;
  const r = referenceResizedSize(width, height, size);
  const crop = {
    left: roundHalfEven((r.width - size) / 2),
    top: roundHalfEven((r.height - size) / 2),
    width: size,
    height: size,
  };
  const s: Sampler = { width: size, height: size, index: nearestTable(width, height, r.width, r.height, crop) };
  if (referenceCache.size > 64) referenceCache.clear(); // datasets have a handful of sizes
  referenceCache.set(key, s);
  return s;
}

/** Sampler that brings a map of one size onto a full-resolution grid of another (nearest). */
export function fullSampler(srcW: number, srcH: number, dstW: number, dstH: number): Sampler {
  checkSize(srcW, srcH);
  checkSize(dstW, dstH);
  if (srcW === dstW && srcH === dstH) return { width: dstW, height: dstH, index: null };
  return {
    width: dstW,
    height: dstH,
    index: nearestTable(srcW, srcH, dstW, dstH, { left: 0, top: 0, width: dstW, height: dstH }),
  };
}

/**
 * Samplers for a (prediction, label) pair so both land on the same evaluated grid. Under 'reference'
 * each map goes through the protocol's resize+crop on its own (they must share an aspect ratio); under
 * 'full' the prediction is brought to the label's resolution.
 */
export function pairSamplers(
  geometry: EvalGeometry,
  pred: { width: number; height: number },
  label: { width: number; height: number },
  where: string,
): { pred: Sampler; label: Sampler } {
  if (geometry === 'full') {
    return {
      pred: fullSampler(pred.width, pred.height, label.width, label.height),
      label: { width: label.width, height: label.height, index: null },
    };
  }
  const ra = pred.width / pred.height;
  const rb = label.width / label.height;
  if (Math.abs(ra - rb) > 0.02 * Math.max(ra, rb)) {
    throw new StudioError(
      'invalid_input',
      `${where}: prediction is ${pred.width}×${pred.height} but the label map is ${label.width}×${label.height}; their aspect ratios differ`,
    );
  }
  return { pred: referenceSampler(pred.width, pred.height), label: referenceSampler(label.width, label.height) };
}

/** Gather a map through a sampler into `out` (allocated when not given). */
export function applySampler<T extends Uint8Array | Uint16Array>(s: Sampler, src: T, out?: T): T {
  if (s.index === null) return src;
  const n = s.width * s.height;
  const dst = out ?? (new (src.constructor as { new (n: number): T })(n));
  const idx = s.index;
  for (let i = 0; i < n; i++) dst[i] = src[idx[i]!]!;
  return dst;
}

function checkSize(w: number, h: number): void {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) {
    throw new StudioError('bad_request', `invalid map size ${w}×${h}`);
  }
}
