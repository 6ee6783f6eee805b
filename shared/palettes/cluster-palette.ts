// Clusters get a fixed, distinguishable palette that is deliberately not any class palette, so the two
// layers are never confused (ui.md). Shared by the renderer and the exporters so both agree.
import type { RGB } from '../protocols/cityscapes-labels.js';

function hslToRgb(h: number, s: number, l: number): RGB {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => {
    const k = (n + h * 12) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** Golden-angle hues with alternating lightness and saturation: neighbouring ids stay far apart. */
export function clusterColor(id: number): RGB {
  const hue = (id * 0.618033988749895 + 0.13) % 1;
  const light = [0.62, 0.45, 0.75][id % 3]!;
  const sat = [0.85, 0.7, 0.6][Math.floor(id / 3) % 3]!;
  return hslToRgb(hue, sat, light);
}
