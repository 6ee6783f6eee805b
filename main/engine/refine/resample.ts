// The CRF's marginals resampled to the frame: bilinear (half-pixel centres), then argmax and its value.
// Split by output rows so crf-threads.ts can give half a frame to each thread (at 1024×512 and K = 27
// it is ~57 M multiply-adds, too much to leave on one thread after a two-thread mean field).

/** Cluster id and confidence (max marginal, 0..255) per output pixel. */
export interface LabelMap {
  readonly width: number;
  readonly height: number;
  readonly clusters: Uint16Array;
  readonly confidence: Uint8Array;
}

/** Output rows [y0, y1) of the bilinear resampling of [inH·inW, K] marginals to `out`, argmaxed. */
export function upsampleArgmaxRows(Q: Float32Array, inW: number, inH: number, K: number, out: LabelMap, y0: number, y1: number): void {
  const { width: outW, height: outH, clusters, confidence } = out;
  const taps = (o: number, outSize: number, inSize: number) => {
    const src = ((o + 0.5) / outSize) * inSize - 0.5;
    const f = Math.floor(src);
    return [Math.min(inSize - 1, Math.max(0, f)), Math.min(inSize - 1, Math.max(0, f + 1)), src - f] as const;
  };
  const xt = Array.from({ length: outW }, (_, x) => taps(x, outW, inW));
  const row = new Float32Array(K);
  for (let y = y0; y < y1; y++) {
    const [ya, yb, fy] = taps(y, outH, inH);
    for (let x = 0; x < outW; x++) {
      const [xa, xb, fx] = xt[x]!;
      const w00 = (1 - fy) * (1 - fx);
      const w01 = (1 - fy) * fx;
      const w10 = fy * (1 - fx);
      const w11 = fy * fx;
      const a = (ya * inW + xa) * K;
      const b = (ya * inW + xb) * K;
      const c = (yb * inW + xa) * K;
      const d = (yb * inW + xb) * K;
      let best = 0;
      for (let k = 0; k < K; k++) {
        row[k] = w00 * Q[a + k]! + w01 * Q[b + k]! + w10 * Q[c + k]! + w11 * Q[d + k]!;
        if (row[k]! > row[best]!) best = k;
      }
      clusters[y * outW + x] = best;
      confidence[y * outW + x] = Math.round(row[best]! * 255);
    }
  }
}

/** The whole frame on this thread. */
export function upsampleArgmax(Q: Float32Array, inW: number, inH: number, K: number, outW: number, outH: number): LabelMap {
  const out = { width: outW, height: outH, clusters: new Uint16Array(outW * outH), confidence: new Uint8Array(outW * outH) };
  upsampleArgmaxRows(Q, inW, inH, K, out, 0, outH);
  return out;
}
