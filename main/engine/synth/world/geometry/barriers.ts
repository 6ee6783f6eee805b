// Linear barriers between the sidewalk and the lots: walls, fences and the guard rail on park curves.
import { MAT } from '../../materials.js';
import type { Rng } from '../../noise.js';
import type { Block } from '../road-network.js';
import { ID } from '../label-ids.js';
import { jitter, type RGB } from '../palette.js';
import type { Scene } from '../scene.js';
import { facadeColour } from './buildings.js';
import { boxShadow, setBrush } from './shapes.js';

export function addWall(scene: Scene, rng: Rng, s0: number, s1: number, d: number, h: number): void {
  const style = rng.pick([0, 1, 2]);
  const colour = facadeColour(rng, style);
  const seed = rng.int(0, 1e9);
  const p = scene.road.at((s0 + s1) / 2, d);
  const len = s1 - s0;
  scene.entities.push({
    s: s0,
    v: 0,
    reach: len,
    draw: (r) => {
      setBrush(r, ID.wall, ID.wall, MAT.facade, seed, colour);
      const pp = r.brush.params;
      pp[6] = style;
      pp[7] = 3;
      pp[8] = 100;
      pp[9] = 0;
      pp[10] = -100;
      r.uprightBox(p.x, p.z, p.th, 0.3, len, 0, h);
      boxShadow(r, p.x, p.z, p.th, 0.3, len, h);
    },
  });
}

export function addFence(scene: Scene, rng: Rng, s0: number, s1: number, d: number): void {
  const style = rng.pick([0, 1, 2]);
  const colour: RGB =
    style === 0
      ? jitter(rng, [0.45, 0.35, 0.25], 0.15)
      : jitter(
          rng,
          rng.pick<RGB>([
            [0.5, 0.5, 0.52],
            [0.2, 0.28, 0.2],
            [0.15, 0.15, 0.15],
          ]),
          0.1,
        );
  const h = rng.range(1.0, 1.9);
  const seed = rng.int(0, 1e9);
  const p = scene.road.at((s0 + s1) / 2, d);
  const len = s1 - s0;
  scene.entities.push({
    s: s0,
    v: 0,
    reach: len,
    draw: (r) => {
      setBrush(r, ID.fence, ID.fence, MAT.fence, seed, colour, scene.look.lotColour[0]);
      r.brush.params[6] = style;
      r.brush.params[7] = h;
      r.uprightBox(p.x, p.z, p.th, 0.05, len, 0, h);
    },
  });
}

export function addGuardRail(scene: Scene, block: Block, d: number, rng: Rng): void {
  const seed = rng.int(0, 1e9);
  const colour: RGB = jitter(rng, [0.62, 0.63, 0.64], 0.08);
  const s0 = block.s0;
  const s1 = block.s1;
  scene.entities.push({
    s: (s0 + s1) / 2,
    v: 0,
    reach: (s1 - s0) / 2,
    draw: (r) => {
      setBrush(r, ID.guardRail, ID.guardRail, MAT.rail, seed, colour);
      for (let s = s0; s < s1; s += 4) {
        const e = Math.min(s1, s + 4);
        const a = scene.road.atIn(block, s, d);
        const c = scene.road.atIn(block, e, d);
        const mx = (a.x + c.x) / 2;
        const mz = (a.z + c.z) / 2;
        const yaw = Math.atan2(c.x - a.x, c.z - a.z);
        r.uprightBox(mx, mz, yaw, 0.08, Math.hypot(c.x - a.x, c.z - a.z) + 0.02, 0.45, 0.78);
      }
      for (let s = s0; s < s1; s += 2) {
        const a = scene.road.atIn(block, s, d + Math.sign(d) * 0.1);
        r.uprightBox(a.x, a.z, a.th, 0.1, 0.1, 0, 0.72);
      }
    },
  });
}
