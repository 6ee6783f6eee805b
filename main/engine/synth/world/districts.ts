// Districts: what kind of street each side of a block is. The district decides the curb line (parking
// lane or not), the ground behind the sidewalk and, in placement, what stands there.
import type { Rng } from '../noise.js';
import { PARK_W } from './street-layout.js';

export type District = 'urban' | 'suburban' | 'park';

export interface Side {
  district: District;
  parking: boolean;
  /** Lateral distance of the curb (the road's edge) from the centreline. */
  curb: number;
}

/** The sequence's character: the district most straight blocks lean towards. */
export function drawCharacter(rng: Rng): District {
  return rng.weighted<District>([
    ['urban', 3],
    ['suburban', 2],
    ['park', 1],
  ]);
}

/** One side of a new block; curves lean to parks, as roads bend more outside the built-up grid. */
export function drawSide(rng: Rng, curve: boolean, character: District, lanesHalf: number): Side {
  const district: District = curve
    ? rng.weighted<District>([
        ['park', 3],
        ['suburban', 2],
        ['urban', 1],
      ])
    : rng.weighted<District>([
        [character, 3],
        ['urban', 2],
        ['suburban', 1.5],
        ['park', 0.7],
      ]);
  const parking = district !== 'park' && rng.chance(district === 'urban' ? 0.7 : 0.4);
  const curb = district === 'park' ? lanesHalf + 0.5 : parking ? lanesHalf + PARK_W : lanesHalf;
  return { district, parking, curb };
}

/** Sidewalks continue through the crossing bands; no parking inside an intersection. */
export function asCrossingSide(sd: Side, lanesHalf: number): void {
  sd.parking = false;
  sd.curb = lanesHalf;
  if (sd.district === 'park') sd.district = 'urban';
}
