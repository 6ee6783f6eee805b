// The one fill rule of the rasteriser, shared by polygons and cast shadows.
import type { PixelBuffers } from './pixel-buffers.js';

/**
 * Scanline walk over the projected polygon in sx/sy, with one fill rule for every polygon (pixel
 * centres, half-open spans, shared edges computed from canonically ordered endpoints, so adjacent
 * polygons neither overlap nor leave cracks). Fills px.spanX0/spanX1 per row and returns the row range
 * packed as (first << 16) | last; first > last when nothing is covered.
 */
export function scanSpans(
  px: PixelBuffers,
  sx: Float64Array,
  sy: Float64Array,
  m: number,
  minY: number,
  maxY: number,
): number {
  const { width: W, height: H, spanX0, spanX1 } = px;
  const yStart = Math.max(0, Math.ceil(minY - 0.5));
  const yEnd = Math.min(H - 1, Math.ceil(maxY - 0.5) - 1);
  if (yEnd < yStart) return 1 << 16;
  for (let y = yStart; y <= yEnd; y++) {
    const yc = y + 0.5;
    let xl = Infinity;
    let xr = -Infinity;
    for (let i = 0; i < m; i++) {
      const j = i + 1 === m ? 0 : i + 1;
      let a = i;
      let b = j;
      if (sy[a]! > sy[b]! || (sy[a] === sy[b] && sx[a]! > sx[b]!)) {
        a = j;
        b = i;
      }
      const ya = sy[a]!;
      const yb = sy[b]!;
      if (yc < ya || yc >= yb) continue;
      const x = sx[a]! + ((yc - ya) * (sx[b]! - sx[a]!)) / (yb - ya);
      if (x < xl) xl = x;
      if (x > xr) xr = x;
    }
    if (xl > xr) {
      spanX0[y] = 0;
      spanX1[y] = 0;
      continue;
    }
    spanX0[y] = Math.max(0, Math.ceil(xl - 0.5));
    spanX1[y] = Math.min(W, Math.ceil(xr - 0.5));
  }
  return (yStart << 16) | yEnd;
}
