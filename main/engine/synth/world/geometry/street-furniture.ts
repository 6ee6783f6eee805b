// Poles, street lights, traffic lights and signs: the thin classes that make up a small share of the
// pixels but most of the hard boundaries.
import { MAT } from '../../materials.js';
import type { Rng } from '../../noise.js';
import { ID } from '../label-ids.js';
import { jitter, type RGB } from '../palette.js';
import type { Scene } from '../scene.js';
import { boxShadow, rod, setBrush } from './shapes.js';

/** Scratch for sign plates: the 2D outline, then its world points. */
const outline = new Float64Array(64);
const pts = new Float64Array(96);

export function addPole(
  scene: Scene,
  rng: Rng,
  s: number,
  d: number,
  h: number,
  w: number,
  colour: RGB,
): void {
  const p = scene.road.at(s, d);
  const c = jitter(rng, colour, 0.1);
  const seed = rng.int(0, 1e9);
  scene.entities.push({
    s,
    v: 0,
    reach: 1,
    draw: (r) => {
      setBrush(r, ID.pole, ID.pole, MAT.metal, seed, c);
      r.uprightBox(p.x, p.z, p.th, w, w, 0, h);
      boxShadow(r, p.x, p.z, p.th, w, w, h);
    },
  });
}

export function addStreetLight(scene: Scene, rng: Rng, s: number, sg: number, dAbs: number): void {
  const h = rng.range(6, 9);
  const p = scene.road.at(s, sg * dAbs);
  const arm = scene.road.at(s, sg * (dAbs - 1.6));
  const colour = jitter(
    rng,
    rng.pick<RGB>([
      [0.45, 0.46, 0.47],
      [0.25, 0.27, 0.28],
      [0.55, 0.55, 0.52],
    ]),
    0.05,
  );
  const seed = rng.int(0, 1e9);
  scene.entities.push({
    s,
    v: 0,
    reach: 2,
    draw: (r) => {
      setBrush(r, ID.pole, ID.pole, MAT.metal, seed, colour);
      r.uprightBox(p.x, p.z, p.th, 0.17, 0.17, 0, h);
      rod(r, p.x, h - 0.1, p.z, arm.x, h - 0.1, arm.z, 0.05);
      setBrush(r, ID.pole, ID.pole, MAT.lamp, seed + 1, [0.75, 0.75, 0.72]);
      r.uprightBox(arm.x, arm.z, p.th + Math.PI / 2, 0.5, 0.22, h - 0.3, h - 0.08);
      boxShadow(r, p.x, p.z, p.th, 0.17, 0.17, h);
      if (scene.lighting.night > 0) r.addLight(arm.x, h - 0.4, arm.z, 1.0, 0.8, 0.55, 6.5);
    },
  });
}

export function addTrafficLight(
  scene: Scene,
  rng: Rng,
  s: number,
  sg: number,
  dAbs: number,
  overhead: boolean,
): void {
  const inst = ID.trafficLight;
  const h = overhead ? rng.range(5.2, 6) : rng.range(2.3, 3.2);
  const p = scene.road.at(s, sg * dAbs);
  const head = overhead ? scene.road.at(s, sg * (dAbs - scene.layout.laneW * 0.9)) : p;
  const offset = rng.range(0, 20);
  const seed = rng.int(0, 1e9);
  const yellowBody = rng.chance(0.3);
  scene.entities.push({
    s,
    v: 0,
    reach: 2,
    draw: (r, t) => {
      setBrush(r, ID.pole, ID.pole, MAT.metal, seed, [0.35, 0.36, 0.36]);
      r.uprightBox(p.x, p.z, p.th, 0.14, 0.14, 0, h + (overhead ? 0.3 : 0));
      if (overhead) rod(r, p.x, h + 0.2, p.z, head.x, h + 0.2, head.z, 0.06);
      const phase = (t + offset) % 20;
      const lit = phase < 9 ? 2 : phase < 11 ? 1 : 0;
      setBrush(
        r,
        ID.trafficLight,
        inst,
        MAT.metal,
        seed + 1,
        yellowBody ? [0.7, 0.55, 0.1] : [0.12, 0.12, 0.13],
      );
      r.uprightBox(
        head.x,
        head.z,
        head.th,
        0.32,
        0.26,
        h - (overhead ? 0.8 : 0),
        h + (overhead ? 0.15 : 0.95),
        (face, uLen, vLen) => {
          const pp = r.brush.params;
          if (face === 5) {
            r.brush.mat = MAT.trafficLight;
            pp[6] = lit;
            pp[7] = vLen;
            pp[8] = uLen / 2;
            pp[9] = vLen / 2;
          } else r.brush.mat = MAT.metal;
        },
      );
    },
  });
}

export function addSign(scene: Scene, rng: Rng, s: number, sg: number, dAbs: number): void {
  const design = rng.int(0, 4);
  const shape =
    design === 2
      ? 'diamond'
      : design === 3
        ? 'rect'
        : design === 4
          ? 'triangle'
          : rng.chance(0.15)
            ? 'octagon'
            : 'circle';
  const rad = rng.range(0.3, 0.42);
  const h = rng.range(2.0, 2.6);
  const p = scene.road.at(s, sg * dAbs);
  const seed = rng.int(0, 1e9);
  const infoColour = rng.pick<RGB>([
    [0.1, 0.25, 0.6],
    [0.1, 0.4, 0.2],
    [0.9, 0.9, 0.88],
  ]);
  scene.entities.push({
    s,
    v: 0,
    reach: 1,
    draw: (r) => {
      setBrush(r, ID.pole, ID.pole, MAT.metal, seed, [0.55, 0.56, 0.57]);
      r.uprightBox(p.x, p.z, p.th, 0.07, 0.07, 0, h);
      // plate faces approaching traffic on the right side; on the left the camera sees its back
      const fx = Math.sin(p.th) * sg;
      const fz = Math.cos(p.th) * sg;
      const rx = Math.cos(p.th);
      const rz = -Math.sin(p.th);
      const cy = h + rad;
      const n = plateOutline(shape, rad);
      for (const [offset, front] of [
        [-0.012, true],
        [0.012, false],
      ] as const) {
        const cx = p.x + fx * offset;
        const cz = p.z + fz * offset;
        for (let i = 0; i < n; i++) {
          const u = outline[i * 2]!;
          const v = outline[i * 2 + 1]!;
          pts[i * 3] = cx + rx * u;
          pts[i * 3 + 1] = cy + v;
          pts[i * 3 + 2] = cz + rz * u;
        }
        if (front) {
          setBrush(r, ID.trafficSign, ID.trafficSign, MAT.sign, seed + 1, infoColour);
          r.brush.params[6] = design;
          r.brush.params[7] = rad;
        } else setBrush(r, ID.trafficSign, ID.trafficSign, MAT.metal, seed + 2, [0.5, 0.5, 0.5]);
        r.setFrame(cx, cy, cz, rx, 0, rz, 0, 1, 0);
        r.polygon(pts, n);
      }
    },
  });
}

function plateOutline(shape: string, rad: number): number {
  const o = outline;
  let n: number;
  let start = 0;
  let sy = 1;
  let sx = 1;
  if (shape === 'circle') n = 16;
  else if (shape === 'octagon') {
    n = 8;
    start = Math.PI / 8;
  } else if (shape === 'triangle') {
    n = 3;
    start = Math.PI / 2;
  } else if (shape === 'diamond') n = 4;
  else {
    n = 4;
    start = Math.PI / 4;
    sx = 1.5;
    sy = 0.8;
  }
  for (let i = 0; i < n; i++) {
    const a = start + (i / n) * Math.PI * 2;
    o[i * 2] = Math.cos(a) * rad * sx;
    o[i * 2 + 1] = Math.sin(a) * rad * sy;
  }
  return n;
}
