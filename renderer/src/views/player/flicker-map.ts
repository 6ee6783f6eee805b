// The flicker map: pixels whose cluster changed since the previous frame of the sequence. Pure, so it
// is unit-tested without a browser. Nothing is aligned: with ego-motion, edges move and count too —
// exactly what a viewer of the exported video sees flicker.

/** Colour of a changed pixel (RGBA); unchanged pixels stay transparent. */
export const FLICKER_RGBA = [255, 48, 160, 220] as const;

export interface FlickerMap {
  readonly width: number;
  readonly height: number;
  /** RGBA, width·height·4, ready for ImageData. */
  readonly rgba: Uint8ClampedArray;
  readonly changed: number;
}

/** Null when the two maps differ in size (nothing comparable). */
export function flickerMap(prev: ArrayLike<number>, cur: ArrayLike<number>, width: number, height: number): FlickerMap | null {
  const n = width * height;
  if (prev.length !== n || cur.length !== n) return null;
  const rgba = new Uint8ClampedArray(n * 4);
  let changed = 0;
  for (let i = 0; i < n; i++) {
    if (prev[i] === cur[i]) continue;
    changed++;
    rgba.set(FLICKER_RGBA, i * 4);
  }
  return { width, height, rgba, changed };
}

/** "12.3 % of pixels changed cluster since the previous frame", or why there is no map. */
export function flickerCaption(map: FlickerMap | null, index: number): string {
  if (index === 0) return 'First frame of the sequence: no previous frame to compare.';
  if (map === null) return 'The previous frame has a different size: no flicker map.';
  const share = map.changed / Math.max(1, map.width * map.height);
  return `${(share * 100).toFixed(1)} % of pixels changed cluster since the previous frame`;
}
