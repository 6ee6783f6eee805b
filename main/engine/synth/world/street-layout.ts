// The cross-section of the main street, fixed per sequence: lane width and count, and the building
// line on each side. Lateral offsets d are measured from the centreline, positive to the right.
import type { Rng } from '../noise.js';

/** Width of a parking lane, metres. */
export const PARK_W = 2.2;

export interface StreetLayout {
  readonly laneW: number;
  readonly lanesPerDir: number;
  /** Half the carriageway: lanes of one direction × lane width. */
  readonly lanesHalf: number;
  /** Building line [right, left], as a positive distance from the centreline. */
  readonly bLine: readonly [number, number];
}

export function drawStreetLayout(rng: Rng): StreetLayout {
  const laneW = rng.range(3.0, 3.6);
  const lanesPerDir = rng.chance(0.25) ? 2 : 1;
  const lanesHalf = laneW * lanesPerDir;
  const bLine: [number, number] = [
    lanesHalf + PARK_W + rng.range(2.5, 4.5),
    lanesHalf + PARK_W + rng.range(2.5, 4.5),
  ];
  return { laneW, lanesPerDir, lanesHalf, bLine };
}
