// The temporal filter's decision scores, at the state size, to the output's labels and confidences (the
// last step of every temporal prediction, on whichever thread runs it: temporal-predictor.ts, second-pass.ts).
import type { Prediction } from '../cause/predict.js';
import { bilinearTaps, upsampledArgmax } from '../cause/upsample-argmax.js';

/** The softmax scale of the confidences (the same 3·cos the per-frame confidence maps use). */
const PROB_SCALE = 3;

/**
 * Decision scores [sh·sw·K] → labels and confidences at outW×outH: bilinear upsampling with half-pixel
 * centres, argmax, max softmax(3·score) — per pixel from the two row and two column taps, without an
 * upsampled score tensor (cause/upsample-argmax.ts).
 */
export function upsampleArgmax(scores: Float32Array, sw: number, sh: number, K: number, outW: number, outH: number): Prediction {
  const clusters = new Uint16Array(outW * outH);
  const confidence = new Uint8Array(outW * outH);
  upsampledArgmax(
    { embedding: null, h: sh, w: sw, r: 0, dots: scores, clusters: K, rows: bilinearTaps(outH, sh, 0, outH), cols: bilinearTaps(outW, sw, 0, outW), scale: PROB_SCALE },
    clusters,
    confidence,
  );
  return { width: outW, height: outH, clusters, confidence };
}
