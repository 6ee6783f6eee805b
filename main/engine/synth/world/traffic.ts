// Moving traffic on the main street, in both directions, placed once per sequence: a frame puts each
// vehicle at s0 + v·t, so traffic needs no state between frames and any frame renders alone.
import type { Rng } from '../noise.js';
import type { EgoDrive } from './camera-path.js';
import { addCyclist } from './geometry/cyclists.js';
import { addBus, addCar, addTruck } from './geometry/vehicles.js';
import { DRAW_AHEAD } from './render-list.js';
import type { Scene } from './scene.js';

export function populateTraffic(
  scene: Scene,
  drive: EgoDrive,
  rng: Rng,
  camEnd: number,
  travel: number,
): void {
  const T = travel / drive.v;
  const lw = scene.layout.laneW;
  // Each lane moves as a platoon at one speed, so vehicles in a lane never drive through each other; a
  // lane with cyclists is a slow lane (the traffic stays behind them).
  for (let lane = 0; lane < scene.layout.lanesPerDir; lane++) {
    const d = -(lane + 0.5) * lw;
    const cyclists = lane === scene.layout.lanesPerDir - 1 && rng.chance(0.5);
    const v = cyclists ? rng.range(5, 7) : rng.range(8, 12.5);
    // oncoming: spread so that vehicles pass the camera during the sequence
    for (let s = drive.s0 + rng.range(5, 30); s < camEnd + DRAW_AHEAD + v * T; s += rng.range(18, 70)) {
      addVehicle(scene, rng, s, d, -v, Math.PI, cyclists);
    }
  }
  // our direction: the camera drives in lane 0; vehicles ahead in it never come closer than 10 m
  for (let lane = 0; lane < scene.layout.lanesPerDir; lane++) {
    const d = (lane + 0.5) * lw;
    const ego = lane === 0;
    const cyclists = !ego && lane === scene.layout.lanesPerDir - 1 && rng.chance(0.5);
    const v = ego
      ? rng.range(Math.max(3, drive.v - 0.5), drive.v + 2.5)
      : cyclists
        ? rng.range(5, 7)
        : rng.range(7, 12);
    const minAhead = 16 + Math.max(0, (drive.v - v) * T);
    let s = drive.s0 + (ego ? minAhead + rng.range(0, 15) : rng.range(-30, 10));
    while (s < camEnd + DRAW_AHEAD) {
      addVehicle(scene, rng, s, d, v, 0, cyclists);
      s += rng.range(20, 60);
    }
  }
}

function addVehicle(
  scene: Scene,
  rng: Rng,
  s: number,
  d: number,
  v: number,
  yawOffset: number,
  allowCyclist: boolean,
): void {
  const kind = rng.weighted<'car' | 'truck' | 'bus' | 'cyclist' | 'moto'>([
    ['car', 80],
    ['truck', 8],
    ['bus', 6],
    ['cyclist', allowCyclist ? 25 : 0],
    ['moto', 3],
  ]);
  if (kind === 'car') addCar(scene, rng, s, d, v, yawOffset, rng.range(3.8, 4.9));
  else if (kind === 'truck') addTruck(scene, rng, s, d, v, yawOffset, rng.range(7, 10));
  else if (kind === 'bus') addBus(scene, rng, s, d, v, yawOffset);
  else {
    // two-wheelers keep to the outer edge of their lane
    const edge = d + Math.sign(d || 1) * scene.layout.laneW * 0.3;
    addCyclist(scene, rng, s, edge, v, yawOffset, kind === 'moto');
  }
}
