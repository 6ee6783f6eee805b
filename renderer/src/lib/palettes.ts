// Class colours are the protocol's official palette; clusters get a fixed, distinguishable palette that is
// deliberately not the class palette, so the two layers are never confused (ui.md).
import type { RGB } from '../../../shared/protocols/cityscapes-labels.js';

function hslToRgb(h: number, s: number, l: number): RGB {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => {
    const k = (n + h * 12) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** Golden-angle hues with alternating lightness: neighbouring ids stay far apart. */
export function clusterColor(id: number): RGB {
  const hue = (id * 0.618033988749895 + 0.13) % 1;
  const light = [0.62, 0.45, 0.75][id % 3]!;
  const sat = [0.85, 0.7, 0.6][Math.floor(id / 3) % 3]!;
  return hslToRgb(hue, sat, light);
}

/** 256 RGBA entries; `visible(i)` false → alpha 0 (hidden in the shader). */
export function paletteTexture(colorOf: (i: number) => RGB | undefined, visible: (i: number) => boolean): Uint8Array {
  const out = new Uint8Array(1024);
  for (let i = 0; i < 256; i++) {
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
