// The argmax and confidence of the cosines of a bilinearly upsampled embedding, without upsampling it.
// Upsampling is linear, so each pixel's dot with a centroid is the bilinear blend of the grid's dots
// (P = E·Ĉᵀ, K values per grid position instead of r), and its squared norm is a quadratic form in the
// (at most four) grid vectors it blends — their norms and the dots of neighbours, computed once per grid
// cell. Per pixel that is ~3K multiply-adds and K exps, where upsampling the r-dim embedding and
// normalising it cost ~(4 + K)·r. Same numbers as the tf path up to float rounding (predict.test.ts).

/** 1-D bilinear resampling with half-pixel centres, clamped at the edges: source taps and weights per output index. */
export interface BilinearTaps {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** Weight of `hi`; `lo` gets 1 − it. */
  readonly t: Float32Array;
}

export function bilinearTaps(outSize: number, inSize: number, start: number, span: number): BilinearTaps {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const t = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = ((o + 0.5 - start) / span) * inSize - 0.5;
    const f = Math.floor(src);
    lo[o] = Math.min(inSize - 1, Math.max(0, f));
    hi[o] = Math.min(inSize - 1, Math.max(0, f + 1));
    t[o] = src - f;
  }
  return { lo, hi, t };
}

export interface UpsampledArgmaxInput {
  /**
   * Embedding rows [h·w, r] (not normalised): each pixel's blended dots are divided by its blended
   * embedding's norm (cosines). null: the dots are scores already, blended as they are.
   */
  readonly embedding: Float32Array | null;
  readonly h: number;
  readonly w: number;
  readonly r: number;
  /** Dots with the unit centroids, [h·w, K]. */
  readonly dots: Float32Array;
  readonly clusters: number;
  readonly rows: BilinearTaps;
  readonly cols: BilinearTaps;
  /** Softmax temperature factor of the confidence (3, the reference CRF's unary). */
  readonly scale: number;
}

const dot = (e: Float32Array, a: number, b: number, r: number): number => {
  let s = 0;
  const ia = a * r;
  const ib = b * r;
  for (let c = 0; c < r; c++) s += e[ia + c]! * e[ib + c]!;
  return s;
};

/** Where each pixel's K scores go: argmax + confidence, or all of them. Inlined per pixel (no callback: a closure per pixel cost more than the maths). */
type PixelSink =
  | { readonly kind: 'argmax'; readonly clusters: Uint16Array; readonly confidence: Uint8Array; readonly scale: number }
  | { readonly kind: 'scores'; readonly out: Float32Array };

/** Every output pixel's K scores (cosines, or blended scores), row by row, into `sink`. */
function eachPixel(x: Omit<UpsampledArgmaxInput, 'scale'>, sink: PixelSink): void {
  const { embedding: e, h, w, r, dots: P, clusters: K, rows, cols } = x;
  const outH = rows.lo.length;
  const outW = cols.lo.length;
  // Per grid position v = (y, x): |E_v|², E_v·E_right, E_v·E_down, E_v·E_downright, E_right·E_down.
  const nn = new Float64Array(e ? h * w : 0);
  const hr = new Float64Array(nn.length);
  const vd = new Float64Array(nn.length);
  const d1 = new Float64Array(nn.length);
  const d2 = new Float64Array(nn.length);
  if (e) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const v = y * w + xx;
        nn[v] = dot(e, v, v, r);
        if (xx + 1 < w) hr[v] = dot(e, v, v + 1, r);
        if (y + 1 < h) vd[v] = dot(e, v, v + w, r);
        if (xx + 1 < w && y + 1 < h) {
          d1[v] = dot(e, v, v + w + 1, r);
          d2[v] = dot(e, v + 1, v + w, r);
        }
      }
    }
  }
  const rowDots = new Float64Array(w * K);
  const s = new Float64Array(K);
  for (let oy = 0; oy < outH; oy++) {
    const ya = rows.lo[oy]!;
    const yb = rows.hi[oy]!;
    const ty = rows.t[oy]!;
    // The row blend of the grid's dots, shared by every pixel of this output row.
    const pa = ya * w * K;
    const pb = yb * w * K;
    for (let i = 0; i < w * K; i++) rowDots[i] = (1 - ty) * P[pa + i]! + ty * P[pb + i]!;
    for (let ox = 0; ox < outW; ox++) {
      const xa = cols.lo[ox]!;
      const xb = cols.hi[ox]!;
      const tx = cols.t[ox]!;
      let inv = 1;
      if (e) {
        // Corners a = (ya, xa), b = (ya, xb), c = (yb, xa), d = (yb, xb); clamped taps make some coincide.
        const a = ya * w + xa;
        const b = ya * w + xb;
        const c = yb * w + xa;
        const d = yb * w + xb;
        const sameX = xa === xb;
        const sameY = ya === yb;
        const gab = sameX ? nn[a]! : hr[a]!;
        const gcd = sameX ? nn[c]! : hr[c]!;
        const gac = sameY ? nn[a]! : vd[a]!;
        const gbd = sameY ? nn[b]! : vd[b]!;
        const gad = sameX ? gac : sameY ? gab : d1[a]!;
        const gbc = sameX ? gac : sameY ? gab : d2[a]!;
        const wa = (1 - ty) * (1 - tx);
        const wb = (1 - ty) * tx;
        const wc = ty * (1 - tx);
        const wd = ty * tx;
        const norm2 =
          wa * wa * nn[a]! + wb * wb * nn[b]! + wc * wc * nn[c]! + wd * wd * nn[d]! +
          2 * (wa * wb * gab + wa * wc * gac + wa * wd * gad + wb * wc * gbc + wb * wd * gbd + wc * wd * gcd);
        // l2normalize's floor: |x| ≥ 1e-12.
        inv = 1 / Math.max(Math.sqrt(Math.max(0, norm2)), 1e-12);
      }
      const ra = xa * K;
      const rb = xb * K;
      const i = oy * outW + ox;
      if (sink.kind === 'scores') {
        const o = i * K;
        for (let k = 0; k < K; k++) sink.out[o + k] = ((1 - tx) * rowDots[ra + k]! + tx * rowDots[rb + k]!) * inv;
        continue;
      }
      let best = 0;
      for (let k = 0; k < K; k++) {
        s[k] = ((1 - tx) * rowDots[ra + k]! + tx * rowDots[rb + k]!) * inv;
        if (s[k]! > s[best]!) best = k;
      }
      const top = s[best]!;
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(sink.scale * (s[k]! - top));
      sink.clusters[i] = best;
      sink.confidence[i] = Math.round(255 / z);
    }
  }
}

/** Writes cluster ids and round(255·max softmax(scale·score)) for every output pixel (rows.lo.length × cols.lo.length). */
export function upsampledArgmax(x: UpsampledArgmaxInput, clusters: Uint16Array, confidence: Uint8Array): void {
  eachPixel(x, { kind: 'argmax', clusters, confidence, scale: x.scale });
}

/**
 * Every output pixel's K scores, [outH·outW, K] (the temporal filter's state), into `into` when it has that
 * length (the temporal predictor reuses one buffer: a fresh 3.5 MB array per frame kept V8's GC busy).
 */
export function upsampledScores(x: Omit<UpsampledArgmaxInput, 'scale'>, into?: Float32Array): Float32Array {
  const size = x.rows.lo.length * x.cols.lo.length * x.clusters;
  const out = into && into.length === size ? into : new Float32Array(size);
  eachPixel(x, { kind: 'scores', out });
  return out;
}
