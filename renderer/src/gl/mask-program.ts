// Pure parts of the mask layer (no WebGL; unit-tested): which compiled shader variant a layer set needs,
// and palettes composed through lookup tables on the CPU (256 entries), so the shader does one dependent
// texture fetch per layer instead of two.
import { LAYER_BITS } from './layers.js';

/**
 * Cluster ids the lookup textures cover: K up to 1024 (16-bit maps). The cluster LUTs are 256 wide and
 * this / 256 rows high; a texel's low byte picks the column, its high byte the row.
 */
export const MAX_CLUSTER_IDS = 1024;
export const CLUSTER_LUT_ROWS = MAX_CLUSTER_IDS / 256;

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

/** lut (ids → class index, 255 = none) then palette (256 RGBA) → one RGBA per id; none is transparent. */
export function composePalette(lut: Uint8Array, palette: Uint8Array): Uint8Array {
  const out = new Uint8Array(lut.length * 4);
  for (let i = 0; i < lut.length; i++) {
    const c = lut[i]!;
    if (c === 255) continue;
    out.set(palette.subarray(c * 4, c * 4 + 4), i * 4);
  }
  return out;
}

/** Pads (or checks) a table of `per`-byte entries for up to `entries` ids; shorter tables fill with `fill`. */
export function padTable(values: Uint8Array, per: number, entries: number, fill: number, what: string): Uint8Array<ArrayBuffer> {
  if (values.length % per !== 0 || values.length / per < 256 || values.length / per > entries) {
    throw new Error(`${what} must have 256 to ${entries} entries, got ${values.length / per}`);
  }
  const out = new Uint8Array(entries * per).fill(fill);
  out.set(values);
  return out;
}
