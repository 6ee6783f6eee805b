// The ground of one block: road, parking lanes, curbs, sidewalks and the lots behind them, and at an
// intersection the crossing and the cross street. Drawn as strips that follow the centreline, with
// texture frames that let the materials paint lane markings, crossings and paving in street coordinates.
import { MAT } from '../../materials.js';
import { hash3, Rng } from '../../noise.js';
import type { Rasterizer } from '../../raster.js';
import type { Block } from '../road-network.js';
import { ID } from '../label-ids.js';
import { GREENS, jitter, type RGB } from '../palette.js';
import type { Scene } from '../scene.js';
import { setBrush } from './shapes.js';

/** Scratch for centreline poses. */
const pose = new Float64Array(3);

/** The surfaces of one sequence: asphalt, paving per side, and the lots behind the sidewalks. */
export interface GroundLook {
  readonly asphalt: RGB;
  readonly paving: readonly [RGB, RGB];
  /** Paving tile size per side, metres. */
  readonly tile: readonly [number, number];
  readonly lotColour: readonly [RGB, RGB];
  /** Texture seeds of the asphalt and of the other surfaces, fixed per (seed, sequence). */
  readonly roadSeed: number;
  readonly surfaceSeed: number;
}

export function drawGroundLook(rng: Rng, seed: number, sequence: number): GroundLook {
  const ag = rng.range(0.3, 0.46);
  const asphalt: RGB = [ag, ag * rng.range(0.98, 1.02), ag * rng.range(0.98, 1.06)];
  const pavingChoices: RGB[] = [
    [0.56, 0.56, 0.56],
    [0.5, 0.5, 0.52],
    [0.62, 0.6, 0.56],
    [0.58, 0.45, 0.4],
    [0.45, 0.45, 0.46],
  ];
  const paving: [RGB, RGB] = [
    jitter(rng, rng.pick(pavingChoices), 0.06),
    jitter(rng, rng.pick(pavingChoices), 0.06),
  ];
  const tile: [number, number] = [rng.pick([0.3, 0.4, 0.5, 0.6]), rng.pick([0.3, 0.4, 0.5, 0.6])];
  const lotColour: [RGB, RGB] = [jitter(rng, [0.42, 0.38, 0.3], 0.1), jitter(rng, [0.4, 0.37, 0.32], 0.1)];
  return {
    asphalt,
    paving,
    tile,
    lotColour,
    roadSeed: hash3(seed, sequence, 91),
    surfaceSeed: hash3(seed, sequence, 5),
  };
}

/**
 * Flat band between s0..s1 and lateral d0..d1 at height y, tessellated along curves. The texture frame
 * maps u to s and v to d; on a cross street (`crossMid`, `crossSign` given) u is the distance from the
 * main centreline and v the offset from the cross street's axis, so its markings run along it.
 */
function strip(
  scene: Scene,
  r: Rasterizer,
  block: Block,
  s0: number,
  s1: number,
  d0: number,
  d1: number,
  y: number,
  crossMid?: number,
  crossSign?: number,
): void {
  const steps = block.kappa === 0 ? 1 : Math.max(1, Math.ceil((s1 - s0) / 3));
  for (let k = 0; k < steps; k++) {
    const a = s0 + ((s1 - s0) * k) / steps;
    const c = s0 + ((s1 - s0) * (k + 1)) / steps;
    scene.road.poseAt(a, pose, block);
    const ax = pose[0]!;
    const az = pose[1]!;
    const ath = pose[2]!;
    scene.road.poseAt(c, pose, block);
    const cx = pose[0]!;
    const cz = pose[1]!;
    const cth = pose[2]!;
    const rax = Math.cos(ath);
    const raz = -Math.sin(ath);
    const rcx = Math.cos(cth);
    const rcz = -Math.sin(cth);
    const tx = Math.sin(ath);
    const tz = Math.cos(ath);
    if (crossMid !== undefined && crossSign !== undefined) {
      // cross street: u = distance from the main centreline, v = offset from the cross street's axis
      scene.road.poseAt(crossMid, pose, block);
      const mx = pose[0]!;
      const mz = pose[1]!;
      r.setFrame(mx, y, mz, rax * crossSign, 0, raz * crossSign, tx, 0, tz);
    } else {
      r.setFrame(ax - tx * a, y, az - tz * a, tx, 0, tz, rax, 0, raz);
    }
    r.quad(
      ax + rax * d0,
      y,
      az + raz * d0,
      ax + rax * d1,
      y,
      az + raz * d1,
      cx + rcx * d1,
      y,
      cz + rcz * d1,
      cx + rcx * d0,
      y,
      cz + rcz * d0,
    );
  }
}

/** Vertical curb face at offset d between s0..s1 (`curbAcross` is the one across the street at one s). */
function curbAlong(
  scene: Scene,
  r: Rasterizer,
  block: Block,
  s0: number,
  s1: number,
  d: number,
  h: number,
): void {
  const steps = block.kappa === 0 ? 1 : Math.max(1, Math.ceil((s1 - s0) / 3));
  for (let k = 0; k < steps; k++) {
    const a = scene.road.atIn(block, s0 + ((s1 - s0) * k) / steps, d);
    const c = scene.road.atIn(block, s0 + ((s1 - s0) * (k + 1)) / steps, d);
    r.setFrame(a.x, 0, a.z, Math.sin(a.th), 0, Math.cos(a.th), 0, 1, 0);
    r.quad(a.x, 0, a.z, c.x, 0, c.z, c.x, h, c.z, a.x, h, a.z);
  }
}

function curbAcross(
  scene: Scene,
  r: Rasterizer,
  block: Block,
  s: number,
  d0: number,
  d1: number,
  h: number,
): void {
  const a = scene.road.atIn(block, s, d0);
  const c = scene.road.atIn(block, s, d1);
  r.setFrame(a.x, 0, a.z, Math.cos(a.th), 0, -Math.sin(a.th), 0, 1, 0);
  r.quad(a.x, 0, a.z, c.x, 0, c.z, c.x, h, c.z, a.x, h, a.z);
}

function roadBrush(
  scene: Scene,
  r: Rasterizer,
  block: Block,
  half: number,
  style: number,
  zebra0: number,
  zebra1: number,
  stop: number,
): void {
  setBrush(r, ID.road, ID.road, MAT.asphalt, scene.look.roadSeed, scene.look.asphalt);
  const p = r.brush.params;
  p[6] = half;
  p[7] = style;
  p[8] = zebra0;
  p[9] = zebra1;
  p[10] = scene.layout.laneW;
  p[11] = stop;
}

export function drawGround(scene: Scene, r: Rasterizer, block: Block): void {
  const H = 0.12;
  const lh = scene.layout.lanesHalf;
  const centreStyle = scene.layout.lanesPerDir === 2 ? 1 : 0;
  const seqSeed = scene.look.surfaceSeed;
  r.brush.ground = true;
  if (block.kind !== 'intersection') {
    const next = scene.road.blocks[scene.road.blocks.indexOf(block) + 1];
    const stop = next && next.kind === 'intersection' ? block.s1 - 1.2 : -1e9;
    roadBrush(scene, r, block, lh, centreStyle, 1, 0, stop);
    strip(scene, r, block, block.s0, block.s1, -lh, lh, 0);
    for (let k = 0; k < 2; k++) {
      const sg = k === 0 ? 1 : -1;
      const side = block.sides[k]!;
      if (side.district === 'park') {
        roadBrush(scene, r, block, lh, centreStyle, 1, 0, -1e9);
        strip(scene, r, block, block.s0, block.s1, sg * lh, sg * side.curb, 0);
        setBrush(
          r,
          ID.terrain,
          ID.terrain,
          MAT.grass,
          seqSeed + k,
          GREENS[seqSeed % GREENS.length]!,
          scene.look.lotColour[k]!,
        );
        strip(scene, r, block, block.s0, block.s1, sg * side.curb, sg * (side.curb + 60), 0);
        continue;
      }
      if (side.parking) {
        setBrush(
          r,
          ID.parking,
          ID.parking,
          MAT.parking,
          seqSeed + 7 + k,
          jitter(new Rng(seqSeed + k), scene.look.asphalt, 0.08),
        );
        r.brush.params[6] = 5.5;
        strip(scene, r, block, block.s0, block.s1, sg * lh, sg * side.curb, 0);
      }
      setBrush(r, ID.sidewalk, ID.sidewalk, MAT.curb, seqSeed + 3, [0.6, 0.6, 0.58]);
      curbAlong(scene, r, block, block.s0, block.s1, sg * side.curb, H);
      setBrush(r, ID.sidewalk, ID.sidewalk, MAT.paving, seqSeed + 11 + k, scene.look.paving[k]!);
      r.brush.params[6] = scene.look.tile[k]!;
      r.brush.params[7] = 0.8;
      strip(scene, r, block, block.s0, block.s1, sg * side.curb, sg * scene.layout.bLine[k]!, H);
      const lotMat = side.district === 'suburban' ? MAT.grass : MAT.dirt;
      const lotC =
        side.district === 'suburban' ? GREENS[(seqSeed + k) % GREENS.length]! : scene.look.lotColour[k]!;
      setBrush(r, ID.terrain, ID.terrain, lotMat, seqSeed + 13 + k, lotC, [0.45, 0.42, 0.3]);
      strip(
        scene,
        r,
        block,
        block.s0,
        block.s1,
        sg * scene.layout.bLine[k]!,
        sg * (scene.layout.bLine[k]! + 45),
        H,
      );
    }
  } else {
    const a0 = block.s0 + block.crossSw;
    const a1 = block.s1 - block.crossSw;
    const mid = (block.s0 + block.s1) / 2;
    roadBrush(scene, r, block, lh, centreStyle, block.s0 + 0.3, a0 - 0.3, -1e9);
    strip(scene, r, block, block.s0, a0, -lh, lh, 0);
    roadBrush(scene, r, block, lh, centreStyle, a1 + 0.3, block.s1 - 0.3, -1e9);
    strip(scene, r, block, a1, block.s1, -lh, lh, 0);
    roadBrush(scene, r, block, 1e3, 2, 1, 0, -1e9);
    strip(scene, r, block, a0, a1, -lh, lh, 0);
    for (let k = 0; k < 2; k++) {
      const sg = k === 0 ? 1 : -1;
      const bl = scene.layout.bLine[k]!;
      // cross street asphalt, its own lane markings and the crossing along our sidewalk line
      roadBrush(scene, r, block, block.crossHalf, 0, lh + 0.6, bl - 0.3, -1e9);
      strip(scene, r, block, a0, a1, sg * lh, sg * (lh + 70), 0, mid, sg);
      setBrush(r, ID.sidewalk, ID.sidewalk, MAT.curb, seqSeed + 3, [0.6, 0.6, 0.58]);
      curbAlong(scene, r, block, block.s0, a0, sg * lh, H);
      curbAlong(scene, r, block, a1, block.s1, sg * lh, H);
      curbAcross(scene, r, block, a0, sg * lh, sg * (lh + 70), H);
      curbAcross(scene, r, block, a1, sg * lh, sg * (lh + 70), H);
      setBrush(r, ID.sidewalk, ID.sidewalk, MAT.paving, seqSeed + 11 + k, scene.look.paving[k]!);
      r.brush.params[6] = scene.look.tile[k]!;
      r.brush.params[7] = 0.8;
      strip(scene, r, block, block.s0, a0, sg * lh, sg * (lh + 70), H);
      strip(scene, r, block, a1, block.s1, sg * lh, sg * (lh + 70), H);
    }
  }
  r.brush.ground = false;
}
