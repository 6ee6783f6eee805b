// Dense optical flow by pyramidal Lucas–Kanade (Bouguet's scheme on every pixel): for each pixel of
// frame t, where it was in frame t−1. Classical and label-free; written here rather than taken from a
// native library (no OpenCV in the studio). Runs on luma at a reduced size — the carried probabilities
// are smooth, so a flow at half resolution is enough and costs a quarter.

export interface GreyImage {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

export interface FlowField {
  readonly width: number;
  readonly height: number;
  /** Offset to frame t−1, pixels of this field. */
  readonly u: Float32Array;
  readonly v: Float32Array;
  /** 0..1: photometric agreement after warping (1 = the warped t−1 matches t exactly). */
  readonly confidence: Float32Array;
}

/** Luma (BT.601) of packed RGB, box-downscaled by an integer factor. */
export function lumaOf(rgb: ArrayLike<number>, width: number, height: number, factor = 1): GreyImage {
  const w = Math.max(1, Math.floor(width / factor));
  const h = Math.max(1, Math.floor(height / factor));
  const data = new Float32Array(w * h);
  const norm = 1 / (factor * factor * 255);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let yy = y * factor; yy < (y + 1) * factor; yy++) {
        for (let xx = x * factor; xx < (x + 1) * factor; xx++) {
          const i = (yy * width + xx) * 3;
          s += 0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!;
        }
      }
      data[y * w + x] = s * norm;
    }
  }
  return { data, width: w, height: h };
}

function halve(im: GreyImage): GreyImage {
  const w = Math.max(1, im.width >> 1);
  const h = Math.max(1, im.height >> 1);
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const x0 = Math.min(im.width - 1, 2 * x);
      const x1 = Math.min(im.width - 1, 2 * x + 1);
      const y0 = Math.min(im.height - 1, 2 * y);
      const y1 = Math.min(im.height - 1, 2 * y + 1);
      const d = im.data;
      data[y * w + x] = 0.25 * (d[y0 * im.width + x0]! + d[y0 * im.width + x1]! + d[y1 * im.width + x0]! + d[y1 * im.width + x1]!);
    }
  }
  return { data, width: w, height: h };
}

/** Bilinear sample with clamped edges. */
export function sample(d: Float32Array, w: number, h: number, x: number, y: number): number {
  const xc = Math.max(0, Math.min(w - 1, x));
  const yc = Math.max(0, Math.min(h - 1, y));
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const x1 = Math.min(w - 1, x0 + 1);
  const y1 = Math.min(h - 1, y0 + 1);
  const fx = xc - x0;
  const fy = yc - y0;
  const a = d[y0 * w + x0]! + (d[y0 * w + x1]! - d[y0 * w + x0]!) * fx;
  const b = d[y1 * w + x0]! + (d[y1 * w + x1]! - d[y1 * w + x0]!) * fx;
  return a + (b - a) * fy;
}

/** Sums over a (2r+1)² window of every pixel, by an integral image (edges clamp the window). */
function boxSum(src: Float32Array, w: number, h: number, r: number, out: Float32Array, integral: Float64Array): void {
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

export interface FlowOptions {
  readonly levels?: number;
  readonly iterations?: number;
  /** Window radius in pixels (window = (2r+1)²). */
  readonly radius?: number;
  /** Luma residual (0..1) at which confidence falls to e^−1. */
  readonly sigma?: number;
  /** Radius of the texture-weighted averaging of each level's flow (0 = none). */
  readonly smoothing?: number;
}

/** Flow from `cur` (frame t) back to `prev` (frame t−1): prev(p + (u, v)) ≈ cur(p). Same sizes required. */
export function lucasKanadeFlow(prev: GreyImage, cur: GreyImage, options: FlowOptions = {}): FlowField {
  if (prev.width !== cur.width || prev.height !== cur.height) throw new Error(`flow needs equal sizes (${prev.width}×${prev.height} vs ${cur.width}×${cur.height})`);
  const levels = options.levels ?? 4;
  const iterations = options.iterations ?? 3;
  const r = options.radius ?? 3;
  const sigma = options.sigma ?? 0.04;
  const pp: GreyImage[] = [prev];
  const cp: GreyImage[] = [cur];
  for (let l = 1; l < levels && pp[l - 1]!.width >= 16 && pp[l - 1]!.height >= 16; l++) {
    pp.push(halve(pp[l - 1]!));
    cp.push(halve(cp[l - 1]!));
  }
  let u = new Float32Array(0);
  let v = new Float32Array(0);
  let uw = 0;
  for (let l = pp.length - 1; l >= 0; l--) {
    const P = pp[l]!;
    const C = cp[l]!;
    const { width: w, height: h } = C;
    const n = w * h;
    const nu = new Float32Array(n);
    const nv = new Float32Array(n);
    if (uw > 0) {
      // the coarser level's flow, doubled, at this level's pixels
      const uh = u.length / uw;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          nu[y * w + x] = 2 * sample(u, uw, uh, (x + 0.5) / 2 - 0.5, (y + 0.5) / 2 - 0.5);
          nv[y * w + x] = 2 * sample(v, uw, uh, (x + 0.5) / 2 - 0.5, (y + 0.5) / 2 - 0.5);
        }
      }
    }
    u = nu;
    v = nv;
    uw = w;
    // structure tensor of the template (frame t), fixed over the iterations
    const ix = new Float32Array(n);
    const iy = new Float32Array(n);
    const c = C.data;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const xl = Math.max(0, x - 1);
        const xr = Math.min(w - 1, x + 1);
        const yu = Math.max(0, y - 1);
        const yd = Math.min(h - 1, y + 1);
        ix[y * w + x] = (c[y * w + xr]! - c[y * w + xl]!) / Math.max(1, xr - xl);
        iy[y * w + x] = (c[yd * w + x]! - c[yu * w + x]!) / Math.max(1, yd - yu);
      }
    }
    const integral = new Float64Array((w + 1) * (h + 1));
    const tmp = new Float32Array(n);
    const gxx = new Float32Array(n);
    const gxy = new Float32Array(n);
    const gyy = new Float32Array(n);
    for (let i = 0; i < n; i++) tmp[i] = ix[i]! * ix[i]!;
    boxSum(tmp, w, h, r, gxx, integral);
    for (let i = 0; i < n; i++) tmp[i] = ix[i]! * iy[i]!;
    boxSum(tmp, w, h, r, gxy, integral);
    for (let i = 0; i < n; i++) tmp[i] = iy[i]! * iy[i]!;
    boxSum(tmp, w, h, r, gyy, integral);
    const bx = new Float32Array(n);
    const by = new Float32Array(n);
    const et = new Float32Array(n);
    for (let it = 0; it < iterations; it++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          et[i] = c[i]! - sample(P.data, w, h, x + u[i]!, y + v[i]!);
        }
      }
      for (let i = 0; i < n; i++) tmp[i] = ix[i]! * et[i]!;
      boxSum(tmp, w, h, r, bx, integral);
      for (let i = 0; i < n; i++) tmp[i] = iy[i]! * et[i]!;
      boxSum(tmp, w, h, r, by, integral);
      for (let i = 0; i < n; i++) {
        const a = gxx[i]!;
        const b = gxy[i]!;
        const d = gyy[i]!;
        const det = a * d - b * b;
        // untextured windows (sky, smooth asphalt) keep the coarser estimate
        if (det < 1e-9 || a + d < 1e-6) continue;
        const du = (d * bx[i]! - b * by[i]!) / det;
        const dv = (a * by[i]! - b * bx[i]!) / det;
        u[i] = u[i]! + Math.max(-2, Math.min(2, du));
        v[i] = v[i]! + Math.max(-2, Math.min(2, dv));
      }
    }
    // Flat windows (sky, smooth asphalt) cannot see their own motion (the aperture problem): every level's
    // flow becomes its texture-weighted local mean, so textured neighbours lend them theirs.
    const weight = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const a = gxx[i]!;
      const d = gyy[i]!;
      const b = gxy[i]!;
      weight[i] = Math.max(0, (a + d) / 2 - Math.sqrt(((a - d) / 2) ** 2 + b * b)); // smaller eigenvalue
    }
    const wsum = new Float32Array(n);
    const su = new Float32Array(n);
    const sv = new Float32Array(n);
    const spread = options.smoothing ?? 4;
    boxSum(weight, w, h, spread, wsum, integral);
    for (let i = 0; i < n; i++) tmp[i] = weight[i]! * u[i]!;
    boxSum(tmp, w, h, spread, su, integral);
    for (let i = 0; i < n; i++) tmp[i] = weight[i]! * v[i]!;
    boxSum(tmp, w, h, spread, sv, integral);
    for (let i = 0; i < n; i++) {
      if (wsum[i]! > 1e-9) {
        u[i] = su[i]! / wsum[i]!;
        v[i] = sv[i]! / wsum[i]!;
      }
    }
  }
  const w = cur.width;
  const h = cur.height;
  const confidence = new Float32Array(w * h);
  const integral = new Float64Array((w + 1) * (h + 1));
  const res = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      res[i] = Math.abs(cur.data[i]! - sample(prev.data, w, h, x + u[i]!, y + v[i]!));
    }
  }
  // the residual averaged over a small window: one noisy pixel does not veto a good match
  const avg = new Float32Array(w * h);
  boxSum(res, w, h, 1, avg, integral);
  for (let i = 0; i < w * h; i++) confidence[i] = Math.exp(-avg[i]! / 9 / sigma);
  return { width: w, height: h, u, v, confidence };
}

/**
 * Forward–backward check: `back` maps frame t to t−1, `fwd` maps t−1 to t; where following one and then
 * the other does not return within ~`tolerance` pixels (occlusions, flat regions whose flow is a guess)
 * the confidence of `back` falls, so the carry trusts only flow that agrees with itself.
 */
export function checkForwardBackward(back: FlowField, fwd: FlowField, tolerance = 1): FlowField {
  const { width: w, height: h } = back;
  const confidence = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const qx = x + back.u[i]!;
      const qy = y + back.v[i]!;
      const eu = back.u[i]! + sample(fwd.u, w, h, qx, qy);
      const ev = back.v[i]! + sample(fwd.v, w, h, qx, qy);
      confidence[i] = back.confidence[i]! * Math.exp(-(eu * eu + ev * ev) / (2 * tolerance * tolerance));
    }
  }
  return { ...back, confidence };
}
