// Buildings along the main street and the cross streets. Facade detail (floors, windows, shop fronts)
// is drawn by the facade material from the parameters chosen here, so a building stays one box.
import { MAT } from '../../materials.js';
import type { Rng } from '../../noise.js';
import type { Rasterizer } from '../../raster.js';
import type { District } from '../districts.js';
import { ID } from '../label-ids.js';
import { jitter, type RGB } from '../palette.js';
import type { Scene } from '../scene.js';
import { boxShadow, setBrush } from './shapes.js';

export function addBuilding(
  scene: Scene,
  rng: Rng,
  s: number,
  width: number,
  sg: number,
  dFront: number,
  district: District,
): void {
  const urban = district === 'urban';
  const depth = urban ? rng.range(12, 22) : rng.range(8, 12);
  const height = urban
    ? rng.weighted<number>([
        [rng.range(8, 14), 3],
        [rng.range(14, 24), 3],
        [rng.range(24, 40), 1],
      ])
    : rng.range(5, 9);
  const style = rng.weighted<number>([
    [0, 3.5],
    [1, 2],
    [2, 3],
    [3, urban ? 1.2 : 0],
  ]);
  const wall = facadeColour(rng, style);
  const frame = rng.pick<RGB>([
    [0.9, 0.9, 0.88],
    [0.2, 0.2, 0.2],
    [0.45, 0.45, 0.45],
    [0.35, 0.25, 0.18],
  ]);
  const floorH = rng.range(2.9, 3.6);
  const spacing = style === 3 ? rng.range(1.2, 2) : rng.range(2.2, 3.6);
  const winW = rng.range(0.35, 0.65);
  const shop = urban && rng.chance(0.5) ? 1 : 0;
  const seed = rng.int(0, 1e9);
  const sMid = s + width / 2;
  const dMid = dFront + (sg * depth) / 2;
  const p = scene.road.at(sMid, dMid);
  scene.entities.push({
    s: sMid,
    v: 0,
    reach: width,
    draw: (r) =>
      drawBuilding(
        r,
        p.x,
        p.z,
        p.th,
        depth,
        width,
        height,
        wall,
        frame,
        style,
        floorH,
        spacing,
        winW,
        shop,
        seed,
      ),
  });
}

export function addCrossBuilding(
  scene: Scene,
  rng: Rng,
  s: number,
  d: number,
  width: number,
  depth: number,
  height: number,
): void {
  const style = rng.weighted<number>([
    [0, 3],
    [1, 2],
    [2, 3],
    [3, 0.6],
  ]);
  const wall = facadeColour(rng, style);
  const seed = rng.int(0, 1e9);
  const p = scene.road.at(s, d);
  const floorH = rng.range(2.9, 3.5);
  const spacing = rng.range(2.2, 3.4);
  scene.entities.push({
    s,
    v: 0,
    reach: 10,
    draw: (r) =>
      drawBuilding(
        r,
        p.x,
        p.z,
        p.th,
        width,
        depth,
        height,
        wall,
        [0.85, 0.85, 0.85],
        style,
        floorH,
        spacing,
        0.5,
        0,
        seed,
      ),
  });
}

export function facadeColour(rng: Rng, style: number): RGB {
  if (style === 1)
    return jitter(
      rng,
      rng.pick<RGB>([
        [0.5, 0.28, 0.2],
        [0.42, 0.25, 0.2],
        [0.6, 0.4, 0.3],
        [0.35, 0.3, 0.28],
      ]),
      0.08,
    );
  if (style === 2) {
    const g = rng.range(0.38, 0.6);
    return [g, g * rng.range(0.98, 1.02), g * rng.range(0.97, 1.03)];
  }
  if (style === 3) return jitter(rng, [0.25, 0.3, 0.35], 0.15);
  return jitter(
    rng,
    rng.pick<RGB>([
      [0.85, 0.82, 0.74],
      [0.78, 0.72, 0.6],
      [0.82, 0.8, 0.78],
      [0.7, 0.7, 0.68],
      [0.8, 0.68, 0.6],
      [0.66, 0.72, 0.62],
      [0.55, 0.55, 0.52],
      [0.75, 0.7, 0.5],
    ]),
    0.06,
  );
}

function drawBuilding(
  r: Rasterizer,
  x: number,
  z: number,
  yaw: number,
  across: number,
  along: number,
  height: number,
  wall: RGB,
  frame: RGB,
  style: number,
  floorH: number,
  spacing: number,
  winW: number,
  shop: number,
  seed: number,
): void {
  setBrush(r, ID.building, ID.building, MAT.facade, seed, wall, frame);
  r.uprightBox(x, z, yaw, across, along, 0, height, (face, uLen) => {
    const p = r.brush.params;
    if (face === 2) {
      r.brush.mat = MAT.roof;
      p[0] = 0.3;
      p[1] = 0.3;
      p[2] = 0.31;
      return;
    }
    r.brush.mat = MAT.facade;
    p[0] = wall[0];
    p[1] = wall[1];
    p[2] = wall[2];
    p[6] = style;
    p[7] = floorH;
    p[8] = spacing;
    p[9] = winW;
    p[10] = uLen;
    p[11] = shop;
  });
  boxShadow(r, x, z, yaw, across, along, height);
}
