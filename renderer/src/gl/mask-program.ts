// Pure parts of the mask layer (no WebGL; unit-tested): which compiled shader variant a layer set needs,
// and palettes composed through lookup tables on the CPU (256 entries), so the shader does one dependent
// texture fetch per layer instead of two.
import { LAYER_BITS } from './layers.js';

/** Which program a draw needs: the layers that can show something, plus the highlight. 0 = draw nothing. */
export function programKey(
  state: { readonly layers: number; readonly highlightCluster: number | null },
  hasGt: boolean,
  hasClusters: boolean,
): number {
  let key = 0;
  if (hasGt && (state.layers & LAYER_BITS.gt) !== 0) key |= LAYER_BITS.gt;
  if (hasClusters && (state.layers & LAYER_BITS.clusters) !== 0) key |= LAYER_BITS.clusters;
  if (hasClusters && (state.layers & LAYER_BITS.classes) !== 0) key |= LAYER_BITS.classes;
  if (hasGt && hasClusters && (state.layers & LAYER_BITS.errors) !== 0) key |= LAYER_BITS.errors;
  if (hasClusters && state.highlightCluster !== null && state.highlightCluster >= 0) key |= 32;
  return key;
}

/** lut (256 ids → class index, 255 = none) then palette (256 RGBA) → 256 RGBA; none is transparent. */
export function composePalette(lut: Uint8Array, palette: Uint8Array): Uint8Array {
  const out = new Uint8Array(1024);
  for (let i = 0; i < 256; i++) {
    const c = lut[i]!;
    if (c === 255) continue;
    out.set(palette.subarray(c * 4, c * 4 + 4), i * 4);
  }
  return out;
}
