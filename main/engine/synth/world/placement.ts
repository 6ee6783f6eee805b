// Placement: what stands along each block, chosen once per sequence from the block's districts. The
// order of the random draws is part of the output (it fixes every object and its instance id): a draw
// added in the middle of a block changes every object placed after it, and the generated datasets with it.
import type { Rng } from '../noise.js';
import type { EgoDrive } from './camera-path.js';
import { addGuardRail, addFence, addWall } from './geometry/barriers.js';
import { addBuilding, addCrossBuilding } from './geometry/buildings.js';
import { addParkedBicycle } from './geometry/cyclists.js';
import { addPerson } from './geometry/people.js';
import { addPole, addSign, addStreetLight, addTrafficLight } from './geometry/street-furniture.js';
import { addHedge, addTree } from './geometry/vegetation.js';
import { addCar, addTruck } from './geometry/vehicles.js';
import type { Block } from './road-network.js';
import type { Scene } from './scene.js';
import { PARK_W } from './street-layout.js';
import { populateTraffic } from './traffic.js';

export function populate(scene: Scene, ego: EgoDrive, rng: Rng, travel: number): void {
  const camEnd = ego.s0 + travel;
  for (let bi = 0; bi < scene.road.blocks.length; bi++) {
    const block = scene.road.blocks[bi]!;
    const brng = rng.fork(100 + bi);
    if (block.kind === 'intersection') populateIntersection(scene, brng, block);
    else
      for (let k = 0; k < 2; k++) {
        populateSide(scene, brng.fork(k), block, k, bi);
      }
  }
  populateTraffic(scene, ego, rng.fork(7), camEnd, travel);
}

function populateSide(scene: Scene, rng: Rng, block: Block, k: number, blockIndex: number): void {
  const sg = k === 0 ? 1 : -1;
  const side = block.sides[k]!;
  const bl = scene.layout.bLine[k]!;
  const len = block.s1 - block.s0;
  const next = scene.road.blocks[blockIndex + 1];
  if (side.district === 'park') {
    // trees, bushes, a guard rail on curves, a few far buildings
    for (let s = block.s0 + rng.range(0, 8); s < block.s1; s += rng.range(5, 14)) {
      addTree(scene, rng, s, sg * (side.curb + rng.range(3, 28)));
    }
    if (block.kind === 'curve' || rng.chance(0.5)) addGuardRail(scene, block, sg * (side.curb + 0.35), rng);
    if (rng.chance(0.6)) {
      for (let s = block.s0 + rng.range(0, 10); s < block.s1 - 5; s += rng.range(15, 40)) {
        addHedge(scene, rng, s, sg * (side.curb + rng.range(2, 12)), rng.range(3, 10));
      }
    }
    if (rng.chance(0.6)) {
      for (let s = block.s0 + rng.range(0, 20); s < block.s1 - 10; s += rng.range(25, 60)) {
        addBuilding(scene, rng, s, rng.range(14, 30), sg, sg * (side.curb + rng.range(35, 55)), 'suburban');
      }
    }
    for (let s = block.s0 + rng.range(0, 30); s < block.s1; s += rng.range(30, 45)) {
      addPole(scene, rng, s, sg * (side.curb + 1.2), rng.range(7, 9), 0.22, [0.35, 0.3, 0.25]);
    }
    if (rng.chance(0.5))
      addSign(scene, rng, block.s0 + rng.range(5, Math.max(6, len - 5)), sg, side.curb + 0.8);
    return;
  }
  // buildings along the building line
  const urban = side.district === 'urban';
  let s = block.s0 + rng.range(0, 3);
  while (s < block.s1 - 4) {
    const width = Math.min(block.s1 - 1 - s, urban ? rng.range(8, 26) : rng.range(8, 14));
    if (width < 5) break;
    const setback = urban ? rng.range(0, 0.6) : rng.range(4, 9);
    addBuilding(scene, rng, s, width, sg, sg * (bl + setback), side.district);
    if (!urban) {
      // front yard boundary: hedge, fence or low wall with a gap for the path
      const kind = rng.weighted<'hedge' | 'fence' | 'wall' | 'none'>([
        ['hedge', 3],
        ['fence', 3],
        ['wall', 2],
        ['none', 1],
      ]);
      if (kind === 'hedge') addHedge(scene, rng, s + width * 0.3, sg * (bl + 0.5), width * 0.6);
      else if (kind === 'fence') addFence(scene, rng, s + 0.5, s + width * 0.7, sg * (bl + 0.3));
      else if (kind === 'wall')
        addWall(scene, rng, s + 0.5, s + width * 0.7, sg * (bl + 0.3), rng.range(0.6, 1.4));
      if (rng.chance(0.6))
        addTree(scene, rng, s + width * rng.range(0.2, 0.8), sg * (bl + rng.range(2, setback)));
    }
    s += width;
    const gap = urban ? (rng.chance(0.65) ? 0.2 : rng.range(2, 8)) : rng.range(3, 9);
    if (gap > 2 && urban) {
      const filler = rng.next();
      if (filler < 0.5) addWall(scene, rng, s + 0.2, s + gap - 0.2, sg * (bl + 0.2), rng.range(1.5, 3));
      else if (filler < 0.75) addFence(scene, rng, s + 0.2, s + gap - 0.2, sg * (bl + 0.2));
    }
    s += gap;
  }
  // street furniture
  const treePits = rng.chance(urban ? 0.5 : 0.7);
  if (treePits)
    for (let q = block.s0 + rng.range(2, 8); q < block.s1 - 2; q += rng.range(8, 15))
      addTree(scene, rng, q, sg * (side.curb + 1.0));
  for (let q = block.s0 + rng.range(3, 20); q < block.s1 - 2; q += rng.range(24, 36))
    addStreetLight(scene, rng, q, sg, side.curb + 0.5);
  for (let q = block.s0 + rng.range(2, 20); q < block.s1 - 2; q += rng.range(15, 45)) {
    if (rng.chance(0.5)) addSign(scene, rng, q, sg, side.curb + 0.6);
    else
      addPole(
        scene,
        rng,
        q,
        sg * (side.curb + 0.35),
        rng.chance(0.5) ? 1.0 : rng.range(2.5, 4),
        0.1,
        [0.3, 0.3, 0.3],
      );
  }
  if (next && next.kind === 'intersection' && sg === 1)
    addSign(scene, rng, block.s1 - rng.range(4, 12), sg, side.curb + 0.6);
  // a pedestrian signal at a mid-block crossing, facing our direction of travel
  if (sg === 1 && urban && len > 40 && rng.chance(0.35)) {
    addTrafficLight(scene, rng, block.s0 + rng.range(15, len - 15), sg, side.curb + 0.4, false);
  }
  // people on the sidewalk, parked bicycles
  const density = urban ? 1 / 12 : 1 / 28;
  const people = Math.round(len * density * rng.range(0.5, 1.5));
  for (let i = 0; i < people; i++) {
    const moving = rng.chance(0.75);
    const v = moving ? (rng.chance(0.5) ? 1 : -1) * rng.range(1.0, 1.6) : 0;
    addPerson(scene, rng, rng.range(block.s0, block.s1), sg * rng.range(side.curb + 0.6, bl - 0.4), v);
  }
  if (rng.chance(urban ? 0.6 : 0.25)) {
    const q = rng.range(block.s0, block.s1);
    for (let i = 0, n = rng.int(1, 4); i < n; i++)
      addParkedBicycle(scene, rng, q + i * 0.7, sg * (side.curb + 0.8));
  }
  // parked vehicles
  if (side.parking) {
    for (let q = block.s0 + rng.range(1, 4); q < block.s1 - 4;) {
      if (rng.chance(0.65)) {
        const big = rng.chance(0.06);
        const len2 = big ? rng.range(6, 7.5) : rng.range(3.8, 4.9);
        const yaw = (rng.chance(0.85) ? 0 : Math.PI) + rng.range(-0.03, 0.03);
        const d = sg * (scene.layout.lanesHalf + PARK_W / 2 + rng.range(-0.15, 0.15));
        if (big) addTruck(scene, rng, q + len2 / 2, d, 0, yaw, len2);
        else addCar(scene, rng, q + len2 / 2, d, 0, yaw, len2);
        q += len2 + rng.range(0.6, 2);
      } else q += rng.range(4, 7);
    }
  }
}

function populateIntersection(scene: Scene, rng: Rng, block: Block): void {
  const a0 = block.s0 + block.crossSw;
  const a1 = block.s1 - block.crossSw;
  for (let k = 0; k < 2; k++) {
    const sg = k === 0 ? 1 : -1;
    const bl = scene.layout.bLine[k]!;
    // traffic lights at the near right corner and the far left corner face the camera
    if ((k === 0 && rng.chance(0.85)) || (k === 1 && rng.chance(0.7))) {
      const s = k === 0 ? block.s0 - 0.6 : block.s1 + 0.6;
      addTrafficLight(scene, rng, s, sg, scene.layout.lanesHalf + 0.5, k === 0 && rng.chance(0.4));
    }
    if (rng.chance(0.6))
      addTrafficLight(
        scene,
        rng,
        k === 0 ? block.s1 + 0.6 : block.s0 - 0.6,
        sg,
        scene.layout.lanesHalf + 0.5,
        false,
      );
    // buildings along the cross street, both sides of it
    for (const [q0, dir] of [
      [block.s0, -1],
      [block.s1, 1],
    ] as const) {
      let d = bl + rng.range(18, 26);
      while (d < 75) {
        const w = rng.range(8, 20);
        const depth = rng.range(10, 18);
        const h = rng.range(6, 28);
        addCrossBuilding(scene, rng, q0 + dir * (depth / 2 + rng.range(0, 1)), sg * (d + w / 2), w, depth, h);
        d += w + rng.range(0, 4);
      }
      if (rng.chance(0.6))
        addTree(scene, rng, q0 + dir * -0.8 * -1 + dir * 0.5, sg * (bl + rng.range(4, 15)));
    }
    // pedestrians waiting or crossing on the cross street sidewalks
    for (let i = 0, n = rng.int(0, 3); i < n; i++) {
      const onNear = rng.chance(0.5);
      const s = onNear ? rng.range(block.s0 + 0.4, a0 - 0.4) : rng.range(a1 + 0.4, block.s1 - 0.4);
      addPerson(scene, rng, s, sg * rng.range(scene.layout.lanesHalf + 0.5, bl + 20), 0);
    }
    // parked cars on the cross street
    for (let i = 0, n = rng.int(0, 3); i < n; i++) {
      const d = sg * rng.range(bl + 5, 60);
      const q = rng.chance(0.5) ? a0 + 1.1 : a1 - 1.1;
      addCar(scene, rng, q, d, 0, (Math.PI / 2) * sg + (rng.chance(0.5) ? Math.PI : 0), rng.range(3.8, 4.8));
    }
  }
}
