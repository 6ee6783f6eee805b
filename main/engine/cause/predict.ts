// Inference: per-pixel cluster ids and confidences at the output resolution.
// CAUSE: teacher head in eval mode on the grid and on its horizontal flip (un-flipped and averaged),
// bilinear upsampling with half-pixel centres, cosine against the L2-normalised centroids, argmax.
// k-means: the same with the raw features as the embedding. Confidence = max softmax(3·cos), the
// reference CRF's unary, stored as 0..255.
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../../shared/contract/errors.js';
import { codebookQueries, headForward } from './heads.js';
import type { TrainedModel } from './model-io.js';
import { l2normalize, tidyData } from './ops.js';
import { ParamSet } from './params.js';
import { bilinearTaps, upsampledArgmax, upsampledScores } from './upsample-argmax.js';

export interface PixelRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Prediction {
  readonly width: number;
  readonly height: number;
  /** Cluster id per pixel. */
  readonly clusters: Uint16Array;
  /** max softmax(3·cos) per pixel, 0..255. */
  readonly confidence: Uint8Array;
}

/** Row weights of 1-D bilinear resampling with half-pixel centres (TF's resize, clamped at the edges). */
export function bilinearMatrix(outSize: number, inSize: number, start: number, span: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const { lo, hi, t } = bilinearTaps(outSize, inSize, start, span);
  for (let o = 0; o < outSize; o++) {
    m[o * inSize + lo[o]!]! += 1 - t[o]!;
    m[o * inSize + hi[o]!]! += t[o]!;
  }
  return m;
}

/** Elements per upsampled band (rows × width × channels) kept in memory at once. */
const BAND_ELEMENTS = 6_000_000;

export class Predictor {
  private readonly teacher: ParamSet | null;
  private readonly centroidsNormT: tf.Tensor2D;
  private readonly clusterbook: tf.Tensor2D | null;
  private readonly clusterbookNormT: tf.Tensor2D | null;
  readonly clusters: number;

  constructor(
    private readonly model: TrainedModel,
    private readonly flipAveraging = true,
  ) {
    if (model.method === 'kmeans') {
      this.teacher = null;
      this.clusterbook = null;
      this.clusterbookNormT = null;
      this.clusters = model.clusters;
      this.centroidsNormT = tf.tidy(() => tf.transpose(l2normalize(tf.tensor2d(model.centroids, [model.clusters, model.dim]))) as tf.Tensor2D);
    } else {
      const r = model.spec.headDim;
      this.clusters = model.centroids.length / r;
      this.teacher = new ParamSet(model.teacher, false);
      this.centroidsNormT = tf.tidy(() => tf.transpose(l2normalize(tf.tensor2d(model.centroids, [this.clusters, r]))) as tf.Tensor2D);
      const k = model.clusterbook.length / model.spec.dim;
      this.clusterbook = tf.tensor2d(model.clusterbook, [k, model.spec.dim]);
      this.clusterbookNormT = tf.tidy(() => tf.transpose(l2normalize(this.clusterbook!)) as tf.Tensor2D);
    }
  }

  /** Embedding of every grid position [h·w, r] (r = D for k-means). */
  embed(grid: Float32Array, h: number, w: number, dim: number): tf.Tensor2D {
    const m = this.model;
    if (m.method !== 'kmeans' && m.method === 'cause-tr' && h * w !== m.spec.gridTokens) {
      throw new StudioError(
        'invalid_input',
        `CAUSE-TR model was trained on a ${m.grid.h}×${m.grid.w} grid (its positional table fixes it); these features are ${h}×${w}`,
      );
    }
    const expectDim = m.method === 'kmeans' ? m.dim : m.spec.dim;
    if (dim !== expectDim) throw new StudioError('invalid_input', `features have ${dim} channels, the model expects ${expectDim}`);
    return tf.tidy(() => {
      const x = tf.tensor2d(grid, [h * w, dim]);
      if (m.method === 'kmeans') return x;
      const run = (xx: tf.Tensor2D) =>
        headForward(m.spec, this.teacher!, xx, m.spec.kind === 'tr' ? codebookQueries(xx, this.clusterbook!, this.clusterbookNormT!) : undefined);
      const y = run(x);
      if (!this.flipAveraging) return y;
      const flip = (t: tf.Tensor2D, c: number) => tf.reverse(t.reshape([h, w, c]), 1).reshape([h * w, c]) as tf.Tensor2D;
      const yf = flip(run(flip(x, dim)), m.spec.headDim);
      return tf.mul(tf.add(y, yf), 0.5) as tf.Tensor2D;
    });
  }

  /**
   * Predicts an outW×outH map; `region` is where the feature grid lies in output pixels (the centre crop
   * the backbone saw), default the whole output. Pixels outside it take the nearest edge of the grid.
   */
  predict(grid: Float32Array, h: number, w: number, dim: number, outW: number, outH: number, region?: PixelRect): Prediction {
    const clusters = new Uint16Array(outW * outH);
    const confidence = new Uint8Array(outW * outH);
    // The argmax and confidence of the upsampled cosines, computed from grid-level dots (upsample-argmax.ts);
    // `cosines()` below is the same quantity through an explicit upsampling, which the tests hold it to.
    upsampledArgmax({ ...this.gridDots(grid, h, w, dim, outW, outH, region), scale: 3 }, clusters, confidence);
    return { width: outW, height: outH, clusters, confidence };
  }

  /** `cosines()`'s values from grid-level dots (upsample-argmax.ts): what the temporal filter's state is made of. */
  gridCosines(grid: Float32Array, h: number, w: number, dim: number, outW: number, outH: number, region?: PixelRect, into?: Float32Array): Float32Array {
    return upsampledScores(this.gridDots(grid, h, w, dim, outW, outH, region), into);
  }

  private gridDots(grid: Float32Array, h: number, w: number, dim: number, outW: number, outH: number, region: PixelRect | undefined) {
    const reg = region ?? { x: 0, y: 0, width: outW, height: outH };
    const E = this.embed(grid, h, w, dim);
    try {
      return {
        embedding: E.dataSync() as Float32Array,
        h,
        w,
        r: E.shape[1],
        dots: tidyData(() => tf.matMul(E, this.centroidsNormT)),
        clusters: this.clusters,
        rows: bilinearTaps(outH, h, reg.y, reg.height),
        cols: bilinearTaps(outW, w, reg.x, reg.width),
      };
    } finally {
      E.dispose();
    }
  }

  /** Cosine of every output pixel's embedding to each centroid, [outH·outW, K] (the dense CRF's input). */
  cosines(grid: Float32Array, h: number, w: number, dim: number, outW: number, outH: number, region?: PixelRect): Float32Array {
    const out = new Float32Array(outW * outH * this.clusters);
    this.bands(grid, h, w, dim, outW, outH, region, (y0, cos) => out.set(cos.dataSync(), y0 * outW * this.clusters));
    return out;
  }

  /** Upsamples the embedding band by band and hands each band's cosines [rows·outW, K] to `use` (disposed after). */
  private bands(
    grid: Float32Array,
    h: number,
    w: number,
    dim: number,
    outW: number,
    outH: number,
    region: PixelRect | undefined,
    use: (y0: number, cos: tf.Tensor2D) => void,
  ): void {
    const reg = region ?? { x: 0, y: 0, width: outW, height: outH };
    const E = this.embed(grid, h, w, dim);
    const r = E.shape[1];
    const Ry = bilinearMatrix(outH, h, reg.y, reg.height);
    const Rx = tf.tensor2d(bilinearMatrix(outW, w, reg.x, reg.width), [outW, w]);
    const band = Math.max(1, Math.min(outH, Math.floor(BAND_ELEMENTS / (outW * Math.max(r, this.clusters)))));
    try {
      const Eyx = E.reshape([h, w * r]) as tf.Tensor2D;
      for (let y0 = 0; y0 < outH; y0 += band) {
        const bh = Math.min(band, outH - y0);
        const cos = tf.tidy(() => {
          const ry = tf.tensor2d(Ry.subarray(y0 * h, (y0 + bh) * h), [bh, h]);
          // Separable resampling as two plain 2-D matMuls: rows, then columns.
          const t1 = tf.matMul(ry, Eyx).reshape([bh, w, r]);
          const t2 = tf.transpose(t1, [1, 0, 2]).reshape([w, bh * r]) as tf.Tensor2D;
          const up = tf.transpose(tf.matMul(Rx, t2).reshape([outW, bh, r]), [1, 0, 2]).reshape([bh * outW, r]) as tf.Tensor2D;
          return tf.matMul(l2normalize(up), this.centroidsNormT) as tf.Tensor2D;
        });
        try {
          use(y0, cos);
        } finally {
          cos.dispose();
        }
      }
    } finally {
      tf.dispose([E, Rx]);
    }
  }

  dispose(): void {
    this.teacher?.dispose();
    tf.dispose([this.centroidsNormT, ...(this.clusterbook ? [this.clusterbook, this.clusterbookNormT!] : [])]);
  }
}

/** Where a short-side-resize + centre-crop of a frame lies in the frame (the region the grid covers). */
export function centreCropRegion(frameW: number, frameH: number, inputW: number, inputH: number): PixelRect {
  const s = Math.max(inputW / frameW, inputH / frameH);
  const width = inputW / s;
  const height = inputH / s;
  return { x: (frameW - width) / 2, y: (frameH - height) / 2, width, height };
}
