// Cars, trucks and buses, parked or moving. Each vehicle gets one Cityscapes instance id for all its
// parts, so body, cabin and tyres label as one object.
import { MAT } from '../../materials.js';
import type { Rng } from '../../noise.js';
import type { Rasterizer } from '../../raster.js';
import { ID } from '../label-ids.js';
import { CAR_COLOURS, jitter, type RGB } from '../palette.js';
import type { Scene } from '../scene.js';
import { boxShadow, setBrush } from './shapes.js';

export function addCar(
  scene: Scene,
  rng: Rng,
  s: number,
  d: number,
  v: number,
  yawOffset: number,
  len: number,
): void {
  const inst = scene.nextInstance(ID.car);
  const colour = jitter(rng, rng.weighted(CAR_COLOURS), 0.06);
  const kind = rng.weighted<number>([
    [0, 4],
    [1, 3],
    [2, 2],
    [3, 1],
  ]);
  const wid = rng.range(1.7, 1.92);
  const seed = rng.int(0, 1e9);
  const lit = scene.lighting.night > 0 && v !== 0;
  scene.entities.push({
    s,
    v,
    reach: 3,
    draw: (r, t) => {
      const p = scene.road.movingPose(s, d, v, yawOffset, t);
      drawCar(r, p.x, p.z, p.yaw, len, wid, kind, colour, seed, inst);
      if (lit)
        r.addLight(
          p.x + Math.sin(p.yaw) * (len / 2 + 4),
          0.6,
          p.z + Math.cos(p.yaw) * (len / 2 + 4),
          1.2,
          1.1,
          0.9,
          3.5,
        );
    },
  });
}

function drawCar(
  r: Rasterizer,
  x: number,
  z: number,
  yaw: number,
  len: number,
  wid: number,
  kind: number,
  colour: RGB,
  seed: number,
  inst: number,
): void {
  const fx = Math.sin(yaw);
  const fz = Math.cos(yaw);
  const rx = Math.cos(yaw);
  const rz = -Math.sin(yaw);
  const bodyTop = kind === 2 ? 1.05 : kind === 3 ? 1.1 : 0.92;
  const cabinTop = kind === 0 ? 1.42 : kind === 1 ? 1.48 : kind === 2 ? 1.72 : 1.95;
  const cabinLen = len * (kind === 0 ? 0.48 : kind === 1 ? 0.55 : kind === 2 ? 0.62 : 0.78);
  const cabinOff = -len * (kind === 0 ? 0.04 : kind === 1 ? 0.12 : kind === 2 ? 0.1 : 0.08);
  setBrush(r, ID.car, inst, MAT.paint, seed, colour);
  const paintFace = (face: number, uLen: number, vLen: number) => {
    const p = r.brush.params;
    p[6] = face < 2 ? 0 : face === 4 ? 1 : face === 5 ? 2 : 3;
    p[7] = uLen;
    p[8] = vLen;
  };
  r.uprightBox(x, z, yaw, wid, len, 0.28, bodyTop, paintFace);
  r.brush.mat = MAT.cabin;
  r.brush.seed = seed + 1;
  // cabin with a raked windscreen and rear window (vans are nearly upright)
  const h = cabinTop - bodyTop;
  const rake = kind === 3 ? 0.25 : 0.75;
  cabin(
    r,
    x + fx * cabinOff,
    z + fz * cabinOff,
    yaw,
    wid - 0.14,
    cabinLen,
    bodyTop,
    cabinTop,
    h * rake,
    h * rake * 0.6,
  );
  setBrush(r, ID.car, inst, MAT.tyre, seed + 2, [0.08, 0.08, 0.09]);
  for (const a of [-1, 1]) {
    for (const b of [-1, 1]) {
      const lx = a * (wid / 2 - 0.1);
      const lz = b * (len / 2 - 0.78);
      r.uprightBox(x + rx * lx + fx * lz, z + rz * lx + fz * lz, yaw, 0.22, 0.64, 0, 0.64);
    }
  }
  boxShadow(r, x, z, yaw, wid, len, cabinTop);
}

/**
 * A car cabin: a prism whose top is shorter than its base by `frontInset` and `rearInset`, so the
 * windscreen and the rear window slope. Faces are two-sided and the z-buffer hides the far ones.
 */
function cabin(
  r: Rasterizer,
  x: number,
  z: number,
  yaw: number,
  wid: number,
  len: number,
  y0: number,
  y1: number,
  frontInset: number,
  rearInset: number,
): void {
  const fx = Math.sin(yaw);
  const fz = Math.cos(yaw);
  const rx = Math.cos(yaw);
  const rz = -Math.sin(yaw);
  const hw = wid / 2;
  const hl = len / 2;
  const P = (lat: number, along: number): [number, number] => [
    x + rx * lat + fx * along,
    z + rz * lat + fz * along,
  ];
  const bfL = P(-hw, hl);
  const bfR = P(hw, hl);
  const brL = P(-hw, -hl);
  const brR = P(hw, -hl);
  const tfL = P(-hw, hl - frontInset);
  const tfR = P(hw, hl - frontInset);
  const trL = P(-hw, -hl + rearInset);
  const trR = P(hw, -hl + rearInset);
  const h = y1 - y0;
  const p = r.brush.params;
  const face = (kind: number, uLen: number, vLen: number) => {
    p[6] = kind;
    p[7] = uLen;
    p[8] = vLen;
  };
  // sides: u along the car from the rear, v up
  for (const [b0, b1, t1, t0] of [
    [brL, bfL, tfL, trL],
    [brR, bfR, tfR, trR],
  ] as const) {
    face(0, len, h);
    r.setFrame(b0[0], y0, b0[1], fx, 0, fz, 0, 1, 0);
    r.polygon([b0[0], y0, b0[1], b1[0], y0, b1[1], t1[0], y1, t1[1], t0[0], y1, t0[1]], 4);
  }
  // windscreen and rear window: u across, v up the slope
  const frontSlope = Math.hypot(frontInset, h);
  face(1, wid, frontSlope);
  r.setFrame(
    bfL[0],
    y0,
    bfL[1],
    rx,
    0,
    rz,
    (-fx * frontInset) / frontSlope,
    h / frontSlope,
    (-fz * frontInset) / frontSlope,
  );
  r.polygon([bfL[0], y0, bfL[1], bfR[0], y0, bfR[1], tfR[0], y1, tfR[1], tfL[0], y1, tfL[1]], 4);
  const rearSlope = Math.hypot(rearInset, h);
  face(2, wid, rearSlope);
  r.setFrame(
    brL[0],
    y0,
    brL[1],
    rx,
    0,
    rz,
    (fx * rearInset) / rearSlope,
    h / rearSlope,
    (fz * rearInset) / rearSlope,
  );
  r.polygon([brL[0], y0, brL[1], brR[0], y0, brR[1], trR[0], y1, trR[1], trL[0], y1, trL[1]], 4);
  face(3, wid, len - frontInset - rearInset);
  r.setFrame(trL[0], y1, trL[1], rx, 0, rz, fx, 0, fz);
  r.polygon([trL[0], y1, trL[1], trR[0], y1, trR[1], tfR[0], y1, tfR[1], tfL[0], y1, tfL[1]], 4);
}

export function addTruck(
  scene: Scene,
  rng: Rng,
  s: number,
  d: number,
  v: number,
  yawOffset: number,
  len: number,
): void {
  const inst = scene.nextInstance(ID.truck);
  const cab = jitter(
    rng,
    rng.pick<RGB>([
      [0.85, 0.85, 0.84],
      [0.55, 0.08, 0.07],
      [0.15, 0.2, 0.45],
      [0.5, 0.5, 0.52],
      [0.9, 0.9, 0.9],
    ]),
    0.05,
  );
  const cargo = jitter(
    rng,
    rng.pick<RGB>([
      [0.88, 0.88, 0.86],
      [0.6, 0.6, 0.62],
      [0.3, 0.32, 0.35],
      [0.7, 0.6, 0.3],
      [0.25, 0.35, 0.28],
    ]),
    0.05,
  );
  const seed = rng.int(0, 1e9);
  const height = rng.range(3.0, 3.8);
  scene.entities.push({
    s,
    v,
    reach: len,
    draw: (r, t) => {
      const p = scene.road.movingPose(s, d, v, yawOffset, t);
      const fx = Math.sin(p.yaw);
      const fz = Math.cos(p.yaw);
      const rx = Math.cos(p.yaw);
      const rz = -Math.sin(p.yaw);
      const cabLen = 2.2;
      const cabC = len / 2 - cabLen / 2;
      setBrush(r, ID.truck, inst, MAT.paint, seed, cab);
      const face = (f: number, u: number, vv: number) => {
        r.brush.params[6] = f < 2 ? 0 : f === 4 ? 1 : f === 5 ? 2 : 3;
        r.brush.params[7] = u;
        r.brush.params[8] = vv;
      };
      r.uprightBox(p.x + fx * cabC, p.z + fz * cabC, p.yaw, 2.4, cabLen, 0.5, 1.8, face);
      r.brush.mat = MAT.cabin;
      r.uprightBox(p.x + fx * cabC, p.z + fz * cabC, p.yaw, 2.35, cabLen - 0.1, 1.8, 2.9, face);
      setBrush(r, ID.truck, inst, MAT.plain, seed + 3, cargo);
      const cl = len - cabLen - 0.3;
      const cc = -len / 2 + cl / 2;
      r.uprightBox(p.x + fx * cc, p.z + fz * cc, p.yaw, 2.5, cl, 0.9, height);
      setBrush(r, ID.truck, inst, MAT.tyre, seed + 4, [0.08, 0.08, 0.09]);
      for (const a of [-1, 1]) {
        for (const b of [len / 2 - 1.2, -len / 2 + 1.3, -len / 2 + 2.5]) {
          const lx = a * 1.1;
          r.uprightBox(p.x + rx * lx + fx * b, p.z + rz * lx + fz * b, p.yaw, 0.3, 1.0, 0, 1.0);
        }
      }
      boxShadow(r, p.x, p.z, p.yaw, 2.5, len, height);
    },
  });
}

export function addBus(scene: Scene, rng: Rng, s: number, d: number, v: number, yawOffset: number): void {
  const inst = scene.nextInstance(ID.bus);
  const colour = jitter(
    rng,
    rng.pick<RGB>([
      [0.85, 0.85, 0.82],
      [0.75, 0.15, 0.1],
      [0.9, 0.75, 0.1],
      [0.2, 0.4, 0.6],
      [0.5, 0.5, 0.52],
    ]),
    0.05,
  );
  const len = rng.range(11, 12.5);
  const seed = rng.int(0, 1e9);
  scene.entities.push({
    s,
    v,
    reach: len,
    draw: (r, t) => {
      const p = scene.road.movingPose(s, d, v, yawOffset, t);
      setBrush(r, ID.bus, inst, MAT.bus, seed, colour);
      r.uprightBox(p.x, p.z, p.yaw, 2.55, len, 0.3, 3.15, (f, u, vv) => {
        r.brush.params[6] = f < 2 ? 0 : f === 4 ? 1 : f === 5 ? 2 : 3;
        r.brush.params[7] = u;
        r.brush.params[8] = vv;
      });
      const fx = Math.sin(p.yaw);
      const fz = Math.cos(p.yaw);
      const rx = Math.cos(p.yaw);
      const rz = -Math.sin(p.yaw);
      setBrush(r, ID.bus, inst, MAT.tyre, seed + 4, [0.08, 0.08, 0.09]);
      for (const a of [-1, 1]) {
        for (const b of [len / 2 - 2.5, -len / 2 + 3]) {
          const lx = a * 1.2;
          r.uprightBox(p.x + rx * lx + fx * b, p.z + rz * lx + fz * b, p.yaw, 0.3, 1.0, 0, 1.0);
        }
      }
      boxShadow(r, p.x, p.z, p.yaw, 2.55, len, 3.15);
    },
  });
}
