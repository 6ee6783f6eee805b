// Colour palettes of the world: car paint by how common each colour is on real streets, clothes, skin
// and foliage, and the jitter that keeps two objects of one palette entry from looking identical.
import type { Rng } from '../noise.js';

export type RGB = [number, number, number];

export const CAR_COLOURS: readonly (readonly [RGB, number])[] = [
  [[0.5, 0.5, 0.52], 14], // grey
  [[0.68, 0.69, 0.7], 12], // silver
  [[0.86, 0.86, 0.85], 16], // white
  [[0.07, 0.07, 0.08], 16], // black
  [[0.32, 0.33, 0.35], 8], // dark grey
  [[0.12, 0.2, 0.45], 7], // blue
  [[0.55, 0.08, 0.07], 7], // red
  [[0.18, 0.3, 0.2], 3], // green
  [[0.55, 0.45, 0.3], 3], // beige
  [[0.85, 0.6, 0.1], 1], // yellow
  [[0.35, 0.12, 0.1], 2], // maroon
];

export const CLOTH_COLOURS: readonly RGB[] = [
  [0.08, 0.08, 0.09],
  [0.15, 0.17, 0.25],
  [0.45, 0.45, 0.47],
  [0.75, 0.75, 0.72],
  [0.2, 0.25, 0.4],
  [0.5, 0.12, 0.1],
  [0.25, 0.35, 0.2],
  [0.55, 0.45, 0.3],
  [0.3, 0.2, 0.15],
  [0.85, 0.85, 0.82],
  [0.1, 0.3, 0.45],
];

export const SKIN: readonly RGB[] = [
  [0.85, 0.65, 0.52],
  [0.7, 0.5, 0.38],
  [0.45, 0.3, 0.22],
  [0.3, 0.2, 0.15],
];

export const GREENS: readonly RGB[] = [
  [0.22, 0.32, 0.12],
  [0.28, 0.38, 0.15],
  [0.18, 0.26, 0.12],
  [0.35, 0.4, 0.18],
  [0.3, 0.33, 0.2],
  [0.2, 0.3, 0.18],
];

/** A colour scaled in brightness and, a little, per channel; channels stay ≤ 1. */
export function jitter(rng: Rng, c: readonly number[], amount: number): RGB {
  const k = 1 + rng.range(-amount, amount);
  return [
    Math.min(1, c[0]! * k * (1 + rng.range(-amount, amount) * 0.3)),
    Math.min(1, c[1]! * k * (1 + rng.range(-amount, amount) * 0.3)),
    Math.min(1, c[2]! * k * (1 + rng.range(-amount, amount) * 0.3)),
  ];
}
