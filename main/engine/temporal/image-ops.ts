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
    for (let x = 0; x < w; x++) {
      row += src[y * w + x]!;
      integral[(y + 1) * W1 + x + 1] = integral[y * W1 + x + 1]! + row;
    }
  }
  for (let y = 0; y < h; y++) {
    const ya = Math.max(0, y - r);
    const yb = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const xa = Math.max(0, x - r);
      const xb = Math.min(w, x + r + 1);
      out[y * w + x] = integral[yb * W1 + xb]! - integral[ya * W1 + xb]! - integral[yb * W1 + xa]! + integral[ya * W1 + xa]!;
    }
  }
}
