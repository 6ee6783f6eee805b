// Prediction with dense CRF refinement (`predict --refine crf`), as the CAUSE release evaluates: the
// CRF runs at the resolution the backbone saw (the release applies it to the 320×320 network input,
// with sxy in those pixels), on that view of the frame, then its marginals are resampled bilinearly to
// the frame and argmaxed. Running at the input scale keeps the release's kernel sizes relative to the
// content and costs (input/frame)² of a full-resolution CRF; a frame smaller than the input runs at its
// own size with the spatial σs scaled to match.
import { denseCrfRefine, type CrfSettings } from '../refine/dense-crf.js';
import type { PixelRect, Prediction, Predictor } from './predict.js';

export { REFINE_MODES, type RefineMode } from '../../../shared/contract/experiments.js';

export interface FrameRGB {
  readonly data: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
}

/** Box-average resize of packed RGB (every output pixel averages the source pixels it covers). */
export function resizeRgb(src: FrameRGB, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(outW * outH * 3);
  const sx = src.width / outW;
  const sy = src.height / outH;
  for (let y = 0; y < outH; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.min(src.height, Math.floor((y + 1) * sy)));
    for (let x = 0; x < outW; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.min(src.width, Math.floor((x + 1) * sx)));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const i = (yy * src.width + xx) * 3;
          r += src.data[i]!;
          g += src.data[i + 1]!;
          b += src.data[i + 2]!;
        }
      }
      const c = (y1 - y0) * (x1 - x0);
      const o = (y * outW + x) * 3;
      out[o] = Math.round(r / c);
      out[o + 1] = Math.round(g / c);
      out[o + 2] = Math.round(b / c);
    }
  }
  return out;
}

/** Bilinear (half-pixel centres) resampling of [inH·inW, K] marginals to outW×outH, then argmax and max. */
export { upsampleArgmax } from '../refine/resample.js';

/**
 * The most pixels the CRF runs on: 224×224 (the release's training resolution; its test-time CRF ran on
 * the 320×320 input). A frame whose input-scale view is larger (a 1024×512 frame predicted from 640×320
 * whole-frame features: 204,800 pixels) runs the CRF on a proportionally smaller view with the spatial
 * σs scaled to match, so the kernels keep their size relative to the content. The permutohedral lattice
 * is itself a coarse approximation of the bilateral kernel (its cells are σ wide), and the cost of the
 * mean field grows with the pixels splatted and sliced: the budget is what keeps one 1024×512 frame
 * under a second on 2 cores (npm run bench:crf). The marginals are resampled to the frame bilinearly.
 */
export const CRF_MAX_PIXELS = 224 * 224;

export interface CrfOptions {
  readonly settings?: CrfSettings;
  /** Pixel budget of the CRF's view (default CRF_MAX_PIXELS). */
  readonly maxPixels?: number;
  /** Threads of the mean field (default crfThreads(): 2 where there are 2 cores). */
  readonly threads?: number;
}

/** The size of the CRF's view of a frame and its scale relative to the backbone's input. */
export function crfView(frameW: number, frameH: number, region: PixelRect, inputWidth: number, maxPixels = CRF_MAX_PIXELS) {
  const a = inputWidth / region.width; // input pixels per frame pixel
  const c = Math.min(1, a, Math.sqrt(maxPixels / (frameW * frameH))); // CRF pixels per frame pixel
  const width = Math.max(1, Math.round(frameW * c));
  const height = Math.max(1, Math.round(frameH * c));
  return { width, height, pixelScale: c / a };
}

/**
 * A prediction refined by the dense CRF. `region` is where the grid lies in the frame (the centre crop the
 * backbone saw), `inputWidth` the backbone's input width for that region: the CRF runs at
 * min(1, inputWidth/region.width) of the frame's size, or smaller within the pixel budget.
 */
export async function predictWithCrf(
  predictor: Predictor,
  grid: Float32Array,
  h: number,
  w: number,
  dim: number,
  frame: FrameRGB,
  region: PixelRect,
  inputWidth: number,
  options: CrfOptions = {},
): Promise<Prediction> {
  const { width: cw, height: ch, pixelScale } = crfView(frame.width, frame.height, region, inputWidth, options.maxPixels);
  const sx = cw / frame.width;
  const sy = ch / frame.height;
  const crfRegion = { x: region.x * sx, y: region.y * sy, width: region.width * sx, height: region.height * sy };
  const K = predictor.clusters;
  const cos = predictor.cosines(grid, h, w, dim, cw, ch, crfRegion);
  const rgb = cw === frame.width && ch === frame.height ? frame.data : resizeRgb(frame, cw, ch);
  // The mean field and the resampling to the frame, both split over the CRF's threads.
  return denseCrfRefine({ cos, rgb, width: cw, height: ch, K }, frame.width, frame.height, { settings: options.settings, pixelScale, threads: options.threads });
}
