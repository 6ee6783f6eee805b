// Class colours are the protocol's official palette; clusters get a fixed, distinguishable palette that is
// deliberately not the class palette, so the two layers are never confused (ui.md).
import type { RGB } from '../../../shared/protocols/cityscapes-labels.js';

// One cluster palette for the UI and the exported videos.
export { clusterColor } from '../../../shared/palettes/cluster-palette.js';

/** `entries` RGBA entries (256; up to 1024 for clusters of K > 256); `visible(i)` false → alpha 0 (hidden in the shader). */
export function paletteTexture(colorOf: (i: number) => RGB | undefined, visible: (i: number) => boolean, entries = 256): Uint8Array {
  const out = new Uint8Array(entries * 4);
  for (let i = 0; i < entries; i++) {
    const c = colorOf(i);
    if (c === undefined) continue;
    out[i * 4] = c[0];
    out[i * 4 + 1] = c[1];
    out[i * 4 + 2] = c[2];
    out[i * 4 + 3] = visible(i) ? 255 : 0;
  }
  return out;
}

export function cssColor(c: RGB): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}
