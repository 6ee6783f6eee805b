// Edge anti-aliasing of the RGB image. The labels keep the class at the pixel centre (exact, from the
// id buffer); only the colour gets a partial-coverage estimate where the visible primitive changes.
import type { PixelBuffers } from './pixel-buffers.js';

/** Writes `px.rgb` from `px.shaded`, blending the `edgeCount` pixels listed in `px.edges`. */
export function antialiasEdges(px: PixelBuffers, edgeCount: number): void {
  const { width: W, height: H, prim, shaded, edges } = px;
  const rgb = px.rgb;
  rgb.set(shaded);
  for (let e = 0; e < edgeCount; e++) {
    const i = edges[e]!;
    const x = i % W;
    const y = (i - x) / W;
    const p = prim[i]!;
    let n = 0;
    let sr = 0;
    let sg = 0;
    let sb = 0;
    if (x + 1 < W && prim[i + 1] !== p) {
      const o = (i + 1) * 3;
      sr += shaded[o]!;
      sg += shaded[o + 1]!;
      sb += shaded[o + 2]!;
      n++;
    }
    if (x > 0 && prim[i - 1] !== p) {
      const o = (i - 1) * 3;
      sr += shaded[o]!;
      sg += shaded[o + 1]!;
      sb += shaded[o + 2]!;
      n++;
    }
    if (y + 1 < H && prim[i + W] !== p) {
      const o = (i + W) * 3;
      sr += shaded[o]!;
      sg += shaded[o + 1]!;
      sb += shaded[o + 2]!;
      n++;
    }
    if (y > 0 && prim[i - W] !== p) {
      const o = (i - W) * 3;
      sr += shaded[o]!;
      sg += shaded[o + 1]!;
      sb += shaded[o + 2]!;
      n++;
    }
    const o = i * 3;
    const wSelf = 2;
    const inv = 1 / (wSelf + n * 0.5);
    rgb[o] = ((shaded[o]! * wSelf + sr * 0.5) * inv + 0.5) | 0;
    rgb[o + 1] = ((shaded[o + 1]! * wSelf + sg * 0.5) * inv + 0.5) | 0;
    rgb[o + 2] = ((shaded[o + 2]! * wSelf + sb * 0.5) * inv + 0.5) | 0;
  }
}
