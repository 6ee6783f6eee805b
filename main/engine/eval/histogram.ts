// Cluster×class pixel histograms of an experiment's predictions against a dataset's ground truth.
// Computed once per (experiment predictions, dataset, protocol, geometry) and stored, so that every
// mapping edit afterwards is pure arithmetic on K×C numbers (shared/metrics/confusion.ts).
//
// Counts are Float64: exact integers up to 2^53 pixels, far beyond any dataset.

import { StudioError } from '../../../shared/contract/errors.js';
import type { LabelProtocol } from '../../../shared/protocols/label-protocol.js';
import { pairSamplers, type EvalGeometry } from './geometry.js';

export interface ClusterMap {
  readonly data: Uint8Array | Uint16Array;
  readonly width: number;
  readonly height: number;
}

export interface RawLabelMap {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * One frame into `frameHist` (K×C, added to, not cleared): the prediction and the raw label map are both
 * gathered onto the evaluated grid and the raw label values go through the protocol's table (255 =
 * ignore). Returns the number of counted pixels. No allocation.
 */
export function accumulateSampled(
  frameHist: Float64Array,
  pred: Uint8Array | Uint16Array,
  predIndex: Int32Array | null,
  raw: Uint8Array,
  labelIndex: Int32Array | null,
  n: number,
  lut: Uint8Array,
  K: number,
  C: number,
): number {
  let counted = 0;
  let bad = -1;
  if (predIndex === null && labelIndex === null) {
    for (let i = 0; i < n; i++) {
      const t = lut[raw[i]!]!;
      if (t >= C) continue;
      const k = pred[i]!;
      if (k >= K) {
        bad = k;
        break;
      }
      const j = k * C + t;
      frameHist[j] = frameHist[j]! + 1;
      counted++;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const t = lut[raw[labelIndex === null ? i : labelIndex[i]!]!]!;
      if (t >= C) continue;
      const k = pred[predIndex === null ? i : predIndex[i]!]!;
      if (k >= K) {
        bad = k;
        break;
      }
      const j = k * C + t;
      frameHist[j] = frameHist[j]! + 1;
      counted++;
    }
  }
  if (bad >= 0) throw new StudioError('invalid_input', `prediction contains cluster id ${bad}, but the experiment has K = ${K}`);
  return counted;
}

/** A frame's histogram in sparse form (most cells of a per-frame K×C histogram are zero). */
export interface SparseHistogram {
  readonly cells: Uint32Array;
  readonly counts: Float64Array;
}

export function toSparse(hist: Float64Array): SparseHistogram {
  let nz = 0;
  for (let i = 0; i < hist.length; i++) if (hist[i] !== 0) nz++;
  const cells = new Uint32Array(nz);
  const counts = new Float64Array(nz);
  let j = 0;
  for (let i = 0; i < hist.length; i++) {
    const v = hist[i]!;
    if (v !== 0) {
      cells[j] = i;
      counts[j] = v;
      j++;
    }
  }
  return { cells, counts };
}

export function fromSparse(s: SparseHistogram, size: number, out = new Float64Array(size)): Float64Array {
  out.fill(0);
  for (let i = 0; i < s.cells.length; i++) {
    const c = s.cells[i]!;
    if (c >= size) throw new StudioError('invalid_input', `stored frame histogram cell ${c} is outside ${size} cells`);
    out[c] = s.counts[i]!;
  }
  return out;
}

/** Binary form for storage: u32 count, then u32 cells, then f64 counts (little-endian). */
export function encodeSparse(s: SparseHistogram): Uint8Array {
  const n = s.cells.length;
  // f64 block must start 8-aligned: header 4 + 4n bytes, padded to a multiple of 8.
  const f64Start = Math.ceil((4 + 4 * n) / 8) * 8;
  const buf = new ArrayBuffer(f64Start + 8 * n);
  const view = new DataView(buf);
  view.setUint32(0, n, true);
  for (let i = 0; i < n; i++) view.setUint32(4 + 4 * i, s.cells[i]!, true);
  for (let i = 0; i < n; i++) view.setFloat64(f64Start + 8 * i, s.counts[i]!, true);
  return new Uint8Array(buf);
}

export function decodeSparse(bytes: Uint8Array): SparseHistogram {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) throw new StudioError('invalid_input', 'stored frame histogram is truncated');
  const n = view.getUint32(0, true);
  const f64Start = Math.ceil((4 + 4 * n) / 8) * 8;
  if (bytes.byteLength !== f64Start + 8 * n) throw new StudioError('invalid_input', 'stored frame histogram has the wrong length');
  const cells = new Uint32Array(n);
  const counts = new Float64Array(n);
  for (let i = 0; i < n; i++) cells[i] = view.getUint32(4 + 4 * i, true);
  for (let i = 0; i < n; i++) counts[i] = view.getFloat64(f64Start + 8 * i, true);
  return { cells, counts };
}

/** Dense Float64 little-endian bytes (what is stored for the whole-dataset histogram). */
export function encodeDense(hist: Float64Array): Uint8Array {
  const out = new Uint8Array(hist.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < hist.length; i++) view.setFloat64(i * 8, hist[i]!, true);
  return out;
}

export function decodeDense(bytes: Uint8Array, size: number): Float64Array {
  if (bytes.byteLength !== size * 8) {
    throw new StudioError('invalid_input', `stored histogram has ${bytes.byteLength} bytes, expected ${size * 8}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

export interface FrameInput {
  readonly frameId: string;
  /** For error messages: the label file. */
  readonly labelPath: string;
}

export interface HistogramResult {
  readonly K: number;
  readonly C: number;
  readonly histogram: Float64Array;
  readonly frames: { frameId: string; pixels: number; hist: SparseHistogram }[];
  readonly pixels: number;
}

/**
 * Accumulates frame after frame. Keeps one scratch K×C array; each frame's histogram is added to the
 * total and kept in sparse form.
 */
export class HistogramBuilder {
  readonly histogram: Float64Array;
  readonly frames: { frameId: string; pixels: number; hist: SparseHistogram }[] = [];
  private readonly scratch: Float64Array;
  private pixels = 0;

  constructor(
    readonly K: number,
    readonly protocol: LabelProtocol,
    readonly geometry: EvalGeometry,
  ) {
    const C = protocol.classNames.length;
    if (!Number.isInteger(K) || K <= 0 || K > 65535) throw new StudioError('bad_request', `cluster count K = ${K} must be 1..65535`);
    this.histogram = new Float64Array(K * C);
    this.scratch = new Float64Array(K * C);
  }

  get C(): number {
    return this.protocol.classNames.length;
  }

  addFrame(frame: FrameInput, pred: ClusterMap, label: RawLabelMap): number {
    if (pred.data.length !== pred.width * pred.height) {
      throw new StudioError('invalid_input', `prediction for frame ${frame.frameId} has ${pred.data.length} values for ${pred.width}×${pred.height}`);
    }
    const s = pairSamplers(this.geometry, pred, label, frame.labelPath);
    const n = s.label.width * s.label.height;
    this.scratch.fill(0);
    let counted: number;
    try {
      counted = accumulateSampled(this.scratch, pred.data, s.pred.index, label.data, s.label.index, n, this.protocol.lut, this.K, this.C);
    } catch (e) {
      if (e instanceof StudioError) throw new StudioError(e.code, `frame ${frame.frameId} (${frame.labelPath}): ${e.message}`);
      throw e;
    }
    const total = this.histogram;
    const scratch = this.scratch;
    for (let i = 0; i < total.length; i++) total[i] = total[i]! + scratch[i]!;
    this.frames.push({ frameId: frame.frameId, pixels: counted, hist: toSparse(scratch) });
    this.pixels += counted;
    return counted;
  }

  result(): HistogramResult {
    return { K: this.K, C: this.C, histogram: this.histogram, frames: this.frames, pixels: this.pixels };
  }
}
