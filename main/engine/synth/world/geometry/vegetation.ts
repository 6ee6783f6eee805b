// Trees and hedges. A tree's crown is a ragged disc turned to face the camera each frame, so it reads as
// a round crown from any side at the cost of one polygon.
import { MAT } from '../../materials.js';
import type { Rng } from '../../noise.js';
import { ID } from '../label-ids.js';
import { GREENS, jitter, type RGB } from '../palette.js';
import type { Scene } from '../scene.js';
import { boxShadow, setBrush } from './shapes.js';

/** Scratch for crown outlines and shadow points; filled and handed to the rasteriser (which copies it). */
const pts = new Float64Array(96);

export function addTree(scene: Scene, rng: Rng, s: number, d: number): void {
  const trunkH = rng.range(1.8, 3.5);
  const radius = rng.range(1.5, 3.6);
  const canopyY = trunkH + radius * 0.8;
  const green = jitter(rng, rng.pick(GREENS), 0.12);
  const radii: number[] = [];
  for (let i = 0; i < 14; i++) radii.push(rng.range(0.8, 1.1));
  const seed = rng.int(0, 1e9);
  const p = scene.road.at(s, d);
  const bark: RGB = jitter(rng, [0.3, 0.25, 0.2], 0.15);
  scene.entities.push({
    s,
    v: 0,
    reach: 4,
    draw: (r, _t, cam) => {
      setBrush(r, ID.vegetation, ID.vegetation, MAT.bark, seed, bark);
      r.uprightBox(p.x, p.z, 0, 0.28, 0.28, 0, trunkH + radius * 0.5);
      // the crown is a camera-facing disc with a ragged outline
      let sx = cam.z - p.z;
      let sz = p.x - cam.x;
      const l = Math.hypot(sx, sz) || 1;
      sx /= l;
      sz /= l;
      for (let i = 0; i < 14; i++) {
        const a = (i / 14) * Math.PI * 2;
        const rr = radius * radii[i]!;
        pts[i * 3] = p.x + sx * Math.cos(a) * rr;
        pts[i * 3 + 1] = canopyY + Math.sin(a) * rr * 0.9;
        pts[i * 3 + 2] = p.z + sz * Math.cos(a) * rr;
      }
      setBrush(r, ID.vegetation, ID.vegetation, MAT.foliage, seed + 1, green);
      r.brush.params[7] = radius;
      r.setFrame(p.x, canopyY, p.z, sx, 0, sz, 0, 1, 0);
      r.polygon(pts, 14);
      let n = 0;
      for (let i = 0; i < 8; i++) {
        const a = (i / 8) * Math.PI * 2;
        pts[n++] = p.x + Math.cos(a) * radius * 0.9;
        pts[n++] = canopyY;
        pts[n++] = p.z + Math.sin(a) * radius * 0.9;
      }
      pts[n++] = p.x;
      pts[n++] = 0;
      pts[n++] = p.z;
      r.shadowCaster(pts, 9);
    },
  });
}

export function addHedge(scene: Scene, rng: Rng, s: number, d: number, len: number): void {
  const h = rng.range(0.8, 1.7);
  const w = rng.range(0.6, 1.1);
  const green = jitter(rng, rng.pick(GREENS), 0.12);
  const seed = rng.int(0, 1e9);
  const p = scene.road.at(s + len / 2, d);
  scene.entities.push({
    s,
    v: 0,
    reach: len,
    draw: (r) => {
      setBrush(r, ID.vegetation, ID.vegetation, MAT.foliage, seed, green);
      r.uprightBox(p.x, p.z, p.th, w, len, 0, h);
      boxShadow(r, p.x, p.z, p.th, w, len, h);
    },
  });
}
