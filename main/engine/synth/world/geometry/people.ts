// Pedestrians: box figures whose legs and arms swing with their walking speed.
import { MAT } from '../../materials.js';
import type { Rng } from '../../noise.js';
import type { Rasterizer } from '../../raster.js';
import { ID } from '../label-ids.js';
import { CLOTH_COLOURS, jitter, SKIN, type RGB } from '../palette.js';
import type { Scene } from '../scene.js';
import { setBrush } from './shapes.js';

/** Scratch for the shadow points of a figure. */
const pts = new Float64Array(96);

/** How one person looks; riders use it too. */
export interface PersonLook {
  h: number;
  shirt: RGB;
  pants: RGB;
  skin: RGB;
  seed: number;
  phase: number;
}

export function personLook(rng: Rng): PersonLook {
  return {
    h: rng.range(1.55, 1.95),
    shirt: jitter(rng, rng.pick(CLOTH_COLOURS), 0.1),
    pants: jitter(rng, rng.pick(CLOTH_COLOURS), 0.1),
    skin: jitter(rng, rng.pick(SKIN), 0.08),
    seed: rng.int(0, 1e9),
    phase: rng.range(0, Math.PI * 2),
  };
}

export function addPerson(scene: Scene, rng: Rng, s: number, d: number, v: number): void {
  const inst = scene.nextInstance(ID.person);
  const look = personLook(rng);
  const facing = v < 0 ? Math.PI : v > 0 ? 0 : rng.range(0, Math.PI * 2);
  scene.entities.push({
    s,
    v,
    reach: 1,
    draw: (r, t) => {
      const p = scene.road.movingPose(s, d, v, facing, t);
      const swing = v !== 0 ? Math.sin(look.phase + t * Math.abs(v) * 5.2) * 0.42 : 0;
      drawWalker(r, p.x, p.z, p.yaw, look, swing, ID.person, inst);
    },
  });
}

/** A standing or walking person built from boxes; legs and arms swing with `swing` (radians). */
function drawWalker(
  r: Rasterizer,
  x: number,
  z: number,
  yaw: number,
  look: PersonLook,
  swing: number,
  cls: number,
  inst: number,
): void {
  const k = look.h / 1.75;
  const leg = 0.86 * k;
  const torso = 0.6 * k;
  const fx = Math.sin(yaw);
  const fz = Math.cos(yaw);
  const rx = Math.cos(yaw);
  const rz = -Math.sin(yaw);
  setBrush(r, cls, inst, MAT.cloth, look.seed, look.pants);
  for (const side of [-1, 1]) {
    const a = swing * side;
    limb(r, x + rx * side * 0.1 * k, z + rz * side * 0.1 * k, leg, a, leg, 0.075 * k, fx, fz, rx, rz);
  }
  setBrush(r, cls, inst, MAT.cloth, look.seed + 1, look.shirt);
  r.uprightBox(x, z, yaw, 0.42 * k, 0.24 * k, leg, leg + torso);
  for (const side of [-1, 1]) {
    const a = -swing * side * 0.8;
    limb(
      r,
      x + rx * side * 0.26 * k,
      z + rz * side * 0.26 * k,
      leg + torso - 0.03,
      a,
      0.62 * k,
      0.055 * k,
      fx,
      fz,
      rx,
      rz,
    );
  }
  setBrush(r, cls, inst, MAT.cloth, look.seed + 2, look.skin);
  r.uprightBox(x, z, yaw, 0.19 * k, 0.22 * k, leg + torso + 0.02, leg + torso + 0.25 * k);
  pts.set([
    x - 0.25,
    0,
    z - 0.25,
    x + 0.25,
    0,
    z - 0.25,
    x + 0.25,
    0,
    z + 0.25,
    x - 0.25,
    0,
    z + 0.25,
    x,
    look.h,
    z,
  ]);
  r.shadowCaster(pts, 5);
}

/** A limb hanging from (x, top, z), rotated by `a` about the lateral axis. */
function limb(
  r: Rasterizer,
  x: number,
  z: number,
  top: number,
  a: number,
  len: number,
  half: number,
  fx: number,
  fz: number,
  rx: number,
  rz: number,
): void {
  const ca = Math.cos(a);
  const sa = Math.sin(a);
  // axis pointing down the limb: -up*cos a + forward*sin a
  const bx = fx * sa * (len / 2);
  const by = -ca * (len / 2);
  const bz = fz * sa * (len / 2);
  const dx = fx * ca * half;
  const dy = sa * half;
  const dz = fz * ca * half;
  r.box(x + bx, top + by, z + bz, rx * half, 0, rz * half, bx, by, bz, dx, dy, dz);
}
