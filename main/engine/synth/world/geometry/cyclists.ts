// Cyclists and motorcyclists (a rider and a bike, two instances of two classes) and parked bicycles.
import { MAT } from '../../materials.js';
import type { Rng } from '../../noise.js';
import type { Rasterizer } from '../../raster.js';
import { ID } from '../label-ids.js';
import { jitter, type RGB } from '../palette.js';
import type { Scene } from '../scene.js';
import { personLook, type PersonLook } from './people.js';
import { rod, setBrush, wheel } from './shapes.js';

/** Scratch for the rider's shadow points. */
const pts = new Float64Array(96);

export function addCyclist(
  scene: Scene,
  rng: Rng,
  s: number,
  d: number,
  v: number,
  yawOffset: number,
  motor: boolean,
): void {
  const riderInst = scene.nextInstance(ID.rider);
  const bikeCls = motor ? ID.motorcycle : ID.bicycle;
  const bikeInst = scene.nextInstance(bikeCls);
  const look = personLook(rng);
  const frame = jitter(
    rng,
    rng.pick<RGB>([
      [0.1, 0.1, 0.1],
      [0.6, 0.6, 0.62],
      [0.6, 0.1, 0.1],
      [0.15, 0.25, 0.5],
      [0.85, 0.85, 0.85],
      [0.2, 0.35, 0.2],
    ]),
    0.08,
  );
  scene.entities.push({
    s,
    v,
    reach: 2,
    draw: (r, t) => {
      const p = scene.road.movingPose(s, d, v, yawOffset, t);
      const pedal = t * Math.abs(v) * 1.7 + look.phase;
      drawBike(r, p.x, p.z, p.yaw, frame, look.seed, bikeCls, bikeInst, motor);
      drawRider(r, p.x, p.z, p.yaw, look, pedal, riderInst, motor);
    },
  });
}

export function addParkedBicycle(scene: Scene, rng: Rng, s: number, d: number): void {
  const inst = scene.nextInstance(ID.bicycle);
  const frame = jitter(
    rng,
    rng.pick<RGB>([
      [0.1, 0.1, 0.1],
      [0.6, 0.6, 0.62],
      [0.6, 0.1, 0.1],
      [0.15, 0.25, 0.5],
    ]),
    0.08,
  );
  const seed = rng.int(0, 1e9);
  scene.entities.push({
    s,
    v: 0,
    reach: 1,
    draw: (r) => {
      const p = scene.road.at(s, d);
      drawBike(r, p.x, p.z, p.th + Math.PI / 2, frame, seed, ID.bicycle, inst, false);
    },
  });
}

function drawBike(
  r: Rasterizer,
  x: number,
  z: number,
  yaw: number,
  frame: RGB,
  seed: number,
  cls: number,
  inst: number,
  motor: boolean,
): void {
  const fx = Math.sin(yaw);
  const fz = Math.cos(yaw);
  const rx = Math.cos(yaw);
  const rz = -Math.sin(yaw);
  const wb = motor ? 0.72 : 0.53;
  const wr = motor ? 0.32 : 0.34;
  setBrush(r, cls, inst, MAT.tyre, seed, [0.07, 0.07, 0.08]);
  wheel(r, x + fx * wb, wr, z + fz * wb, fx, fz, wr);
  wheel(r, x - fx * wb, wr, z - fz * wb, fx, fz, wr);
  setBrush(r, cls, inst, MAT.metal, seed + 1, frame);
  const P = (along: number, y: number): [number, number, number] => [x + fx * along, y, z + fz * along];
  if (motor) {
    r.uprightBox(x, z, yaw, 0.35, 1.1, 0.35, 0.85);
    const [hx, hy, hz] = P(0.55, 1.05);
    rod(r, hx - rx * 0.35, hy, hz - rz * 0.35, hx + rx * 0.35, hy, hz + rz * 0.35, 0.025);
  } else {
    const seat = P(-0.15, 0.88);
    const head = P(0.4, 0.9);
    const crank = P(0, 0.32);
    rod(r, ...seat, ...head, 0.022);
    rod(r, ...head, ...crank, 0.025);
    rod(r, ...seat, ...crank, 0.022);
    rod(r, ...crank, ...P(-wb, wr), 0.015);
    rod(r, ...seat, ...P(-wb, wr), 0.015);
    rod(r, ...head, ...P(wb, wr), 0.018);
    const [hx, hy, hz] = P(0.42, 1.02);
    rod(r, hx - rx * 0.28, hy, hz - rz * 0.28, hx + rx * 0.28, hy, hz + rz * 0.28, 0.018);
  }
}

function drawRider(
  r: Rasterizer,
  x: number,
  z: number,
  yaw: number,
  look: PersonLook,
  pedal: number,
  inst: number,
  motor: boolean,
): void {
  const k = look.h / 1.75;
  const fx = Math.sin(yaw);
  const fz = Math.cos(yaw);
  const rx = Math.cos(yaw);
  const rz = -Math.sin(yaw);
  const P = (along: number, y: number, lat = 0): [number, number, number] => [
    x + fx * along + rx * lat,
    y,
    z + fz * along + rz * lat,
  ];
  const hipY = motor ? 0.95 : 0.98;
  const hip = P(-0.15, hipY);
  const shoulder = P(motor ? 0.05 : 0.18, hipY + 0.55 * k);
  setBrush(r, ID.rider, inst, MAT.cloth, look.seed, look.pants);
  for (const side of [-1, 1]) {
    const ph = pedal + (side > 0 ? 0 : Math.PI);
    const pedalAlong = motor ? 0.1 : Math.cos(ph) * 0.17;
    const pedalY = motor ? 0.45 : 0.32 + Math.sin(ph) * 0.17;
    const knee = P(0.12 + pedalAlong * 0.3, (hipY + pedalY) / 2 + 0.22, side * 0.12);
    rod(r, hip[0] + rx * side * 0.1, hip[1], hip[2] + rz * side * 0.1, ...knee, 0.07 * k);
    rod(r, ...knee, ...P(pedalAlong, pedalY, side * 0.12), 0.055 * k);
  }
  setBrush(r, ID.rider, inst, MAT.cloth, look.seed + 1, look.shirt);
  rod(r, ...hip, ...shoulder, 0.17 * k);
  for (const side of [-1, 1]) {
    const sh = P(motor ? 0.05 : 0.18, hipY + 0.5 * k, side * 0.22);
    rod(r, ...sh, ...P(0.42, 1.02, side * 0.25), 0.045 * k);
  }
  setBrush(r, ID.rider, inst, MAT.cloth, look.seed + 2, motor ? [0.1, 0.1, 0.12] : look.skin);
  const head = P(motor ? 0.1 : 0.25, shoulder[1] + 0.17 * k);
  r.uprightBox(head[0], head[2], yaw, 0.2 * k, 0.23 * k, head[1] - 0.11 * k, head[1] + 0.12 * k);
  pts.set([x - 0.3, 0, z - 0.3, x + 0.3, 0, z - 0.3, x + 0.3, 0, z + 0.3, x - 0.3, 0, z + 0.3, ...shoulder]);
  r.shadowCaster(pts, 5);
}
