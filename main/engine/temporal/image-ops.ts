// Small image operations the flow and its ground-plane prior share (bilinear sampling, box sums).

/** Bilinear sample with clamped edges. */
export function sample(d: Float32Array, w: number, h: number, x: number, y: number): number {
  const xc = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
  const yc = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const x1 = x0 + 1 < w ? x0 + 1 : w - 1;
  const y1 = y0 + 1 < h ? y0 + 1 : h - 1;
  const fx = xc - x0;
  const fy = yc - y0;
  const r0 = y0 * w;
  const r1 = y1 * w;
  const a = d[r0 + x0]! + (d[r0 + x1]! - d[r0 + x0]!) * fx;
  const b = d[r1 + x0]! + (d[r1 + x1]! - d[r1 + x0]!) * fx;
  return a + (b - a) * fy;
}

/** Sums over a (2r+1)² window of every pixel, by an integral image (edges clamp the window). */
export function boxSum(src: Float32Array, w: number, h: number, r: number, out: Float32Array, integral: Float64Array): void {
  const W1 = w + 1;
  for (let y = 0; y < h; y++) {
    let row = 0;
    const above = y * W1 + 1;
    const here = above + W1;
    const o = y * w;
    for (let x = 0; x < w; x++) {
      row += src[o + x]!;
      integral[here + x] = integral[above + x]! + row;
    }
  }
  // the window's columns clamp only within r of an edge: the middle of each row runs without the clamps
  // (the flow sums ~30 windows per frame; the same sums in the same order, so the same bits)
  const mid0 = Math.min(w, r);
  const mid1 = Math.max(mid0, w - r - 1);
  for (let y = 0; y < h; y++) {
    const ra = Math.max(0, y - r) * W1;
    const rb = Math.min(h, y + r + 1) * W1;
    const o = y * w;
    for (let x = 0; x < mid0; x++) {
      const xa = Math.max(0, x - r);
      const xb = Math.min(w, x + r + 1);
      out[o + x] = integral[rb + xb]! - integral[ra + xb]! - integral[rb + xa]! + integral[ra + xa]!;
    }
    for (let x = mid0; x < mid1; x++) {
      const xa = x - r;
      const xb = x + r + 1;
      out[o + x] = integral[rb + xb]! - integral[ra + xb]! - integral[rb + xa]! + integral[ra + xa]!;
    }
    for (let x = mid1; x < w; x++) {
      const xa = Math.max(0, x - r);
      const xb = Math.min(w, x + r + 1);
      out[o + x] = integral[rb + xb]! - integral[ra + xb]! - integral[rb + xa]! + integral[ra + xa]!;
    }
  }
}

/**
 * Each pixel's photometric residual under a flow, |C(p) − P(p + (u, v))|, summed over its 3×3 window, into
 * `out` (the flow's own confidence, the plane-vs-LK and line-vs-LK choices all judge by it). With `valid`,
 * only pixels from row `fromRow` where it is set count (the others add 0); `res` holds the residuals.
 */
export function residualSums(
  P: Float32Array,
  C: Float32Array,
  w: number,
  h: number,
  flow: { readonly u: Float32Array; readonly v: Float32Array },
  res: Float32Array,
  out: Float32Array,
  integral: Float64Array,
  valid?: { readonly mask: Uint8Array; readonly fromRow: number },
): void {
  if (valid) res.fill(0);
  for (let y = valid?.fromRow ?? 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (valid && !valid.mask[i]) continue;
      res[i] = Math.abs(C[i]! - sample(P, w, h, x + flow.u[i]!, y + flow.v[i]!));
    }
  }
  boxSum(res, w, h, 1, out, integral);
}

/** src minus its (2r+1)² box mean (edges clamp the window and the mean counts only what it covers), into out. */
export function highPass(src: Float32Array, w: number, h: number, r: number, out: Float32Array, integral: Float64Array): void {
  boxSum(src, w, h, r, out, integral);
  for (let y = 0; y < h; y++) {
    const ny = Math.min(h, y + r + 1) - Math.max(0, y - r);
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      out[i] = src[i]! - out[i]! / (ny * (Math.min(w, x + r + 1) - Math.max(0, x - r)));
    }
  }
}

/** Central-difference gradients (one-sided at the edges), as the flow's pyramid computes them. */
export function gradients(c: Float32Array, w: number, h: number, ix: Float32Array, iy: Float32Array): void {
  for (let y = 0; y < h; y++) {
    const yu = Math.max(0, y - 1);
    const yd = Math.min(h - 1, y + 1);
    for (let x = 0; x < w; x++) {
      const xl = Math.max(0, x - 1);
      const xr = Math.min(w - 1, x + 1);
      ix[y * w + x] = (c[y * w + xr]! - c[y * w + xl]!) / Math.max(1, xr - xl);
      iy[y * w + x] = (c[yd * w + x]! - c[yu * w + x]!) / Math.max(1, yd - yu);
    }
  }
}

/**
 * Typed buffers reused from frame to frame, by name and length. Why: a frame's flow used ~15 MB of
 * short-lived typed arrays; V8 counts them as external memory and ran a full mark-compact about once per
 * frame (--trace-gc, scripts/temporal-profile.ts), which cost more than the pyramids themselves. A buffer
 * comes back as its last user left it (not zeroed) unless `zeroed` is asked for. Integral images keep their
 * zero first row and column because boxSum never writes them.
 */
export class Scratch {
  private readonly f32s = new Map<string, Float32Array>();
  private readonly f64s = new Map<string, Float64Array>();

  f32(key: string, n: number, zeroed = false): Float32Array {
    const k = `${key}:${n}`;
    let b = this.f32s.get(k);
    if (!b) {
      b = new Float32Array(n);
      this.f32s.set(k, b);
    } else if (zeroed) b.fill(0);
    return b;
  }

  f64(key: string, n: number): Float64Array {
    const k = `${key}:${n}`;
    let b = this.f64s.get(k);
    if (!b) {
      b = new Float64Array(n);
      this.f64s.set(k, b);
    }
    return b;
  }

  /** An integral image for boxSum over w×h (first row and column zero, as boxSum leaves them). */
  integral(w: number, h: number): Float64Array {
    return this.f64(`integral${w}x${h}`, (w + 1) * (h + 1));
  }
}
