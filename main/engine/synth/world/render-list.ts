// One frame's draw list: the far ground, the ground of the blocks near the camera, then the entities
// inside the culling window, in placement order. Nothing here is kept between frames.
import { MAT } from '../materials.js';
import type { CameraPose, Rasterizer } from '../raster.js';
import type { EgoDrive } from './camera-path.js';
import { drawGround } from './geometry/ground.js';
import { setBrush } from './geometry/shapes.js';
import { ID } from './label-ids.js';
import type { Scene } from './scene.js';

/** Culling window along the street, metres ahead of and behind the camera. */
export const DRAW_AHEAD = 170;
export const DRAW_BEHIND = 25;

/**
 * `onMoving(first, end)` hears the primitive ids [first, end) each moving entity drew (the motion
 * channel marks them; drawing is unchanged whether it is given or not).
 */
export function renderFrame(
  r: Rasterizer,
  scene: Scene,
  ego: EgoDrive,
  cam: CameraPose,
  t: number,
  onMoving?: (first: number, end: number) => void,
): void {
  r.beginFrame(cam, scene.lighting, t);
  const camS = ego.s0 + ego.v * t;
  // far ground to the horizon, a little below the modelled ground so the modelled strips win
  const b = r.brush;
  setBrush(r, ID.terrain, ID.terrain, MAT.grass, 11, scene.look.lotColour[0], [0.36, 0.4, 0.2]);
  b.ground = true;
  r.setFrame(0, 0, 0, 1, 0, 0, 0, 0, 1);
  const E = 3000;
  r.quad(
    cam.x - E,
    -0.03,
    cam.z - E,
    cam.x + E,
    -0.03,
    cam.z - E,
    cam.x + E,
    -0.03,
    cam.z + E,
    cam.x - E,
    -0.03,
    cam.z + E,
  );
  for (const block of scene.road.blocks) {
    if (block.s1 < camS - DRAW_BEHIND || block.s0 > camS + DRAW_AHEAD + 40) continue;
    drawGround(scene, r, block);
  }
  b.ground = false;
  for (const e of scene.entities) {
    const s = e.s + e.v * t;
    if (s + e.reach < camS - DRAW_BEHIND || s - e.reach > camS + DRAW_AHEAD) continue;
    const first = r.primitiveCount;
    e.draw(r, t, cam);
    if (onMoving && e.v !== 0) onMoving(first, r.primitiveCount);
  }
  r.finish();
}
