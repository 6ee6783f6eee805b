// The main street as a chain of blocks (straights, constant-curvature curves, intersections with a cross
// street) along an arc length s, and the street coordinates (s, d) → world (x, z) every builder works in.
import type { Rng } from '../noise.js';
import { asCrossingSide, drawCharacter, drawSide, type Side } from './districts.js';
import type { StreetLayout } from './street-layout.js';

export interface Block {
  kind: 'straight' | 'curve' | 'intersection';
  s0: number;
  s1: number;
  kappa: number;
  x0: number;
  z0: number;
  th0: number;
  /** [right (d > 0), left (d < 0)] */
  sides: [Side, Side];
  crossHalf: number;
  crossSw: number;
}

/** A point in the world with the street's heading there. */
export interface StreetPoint {
  x: number;
  z: number;
  th: number;
}

export class RoadNetwork {
  readonly blocks: Block[] = [];
  private readonly pose = new Float64Array(3);

  /** Lays blocks from s = 0 until the street is at least `length` long. */
  constructor(rng: Rng, length: number, layout: StreetLayout) {
    const lanesHalf = layout.lanesHalf;
    let s = 0;
    let x = 0;
    let z = 0;
    let th = 0;
    let prev: Block['kind'] | 'start' = 'start';
    const character = drawCharacter(rng);
    while (s < length) {
      let kind: Block['kind'];
      if (prev === 'start') kind = 'straight';
      // sequences start a short block before a crossing, so short runs see traffic lights and crossings
      else if (this.blocks.length === 1) kind = 'intersection';
      else if (prev === 'intersection') kind = 'straight';
      else if (prev === 'curve') kind = rng.chance(0.75) ? 'straight' : 'curve';
      else
        kind = rng.weighted<Block['kind']>([
          ['intersection', 5],
          ['curve', 3],
          ['straight', 1],
        ]);
      let len: number;
      let kappa = 0;
      let crossHalf = 0;
      let crossSw = 0;
      if (kind === 'straight') len = prev === 'start' ? rng.range(60, 95) : rng.range(45, 110);
      else if (kind === 'curve') {
        len = rng.range(35, 80);
        kappa = (rng.chance(0.5) ? 1 : -1) / rng.range(45, 140);
      } else {
        crossHalf = rng.range(3.0, 3.5);
        crossSw = rng.range(2.5, 3.5);
        len = 2 * crossHalf + 2 * crossSw;
      }
      const curve = kind === 'curve';
      const b: Block = {
        kind,
        s0: s,
        s1: s + len,
        kappa,
        x0: x,
        z0: z,
        th0: th,
        sides: [drawSide(rng, curve, character, lanesHalf), drawSide(rng, curve, character, lanesHalf)],
        crossHalf,
        crossSw,
      };
      if (kind === 'intersection') for (const sd of b.sides) asCrossingSide(sd, lanesHalf);
      this.blocks.push(b);
      this.poseAt(s + len, this.pose, b);
      x = this.pose[0]!;
      z = this.pose[1]!;
      th = this.pose[2]!;
      s += len;
      prev = kind;
    }
  }

  blockAt(s: number): Block {
    const bl = this.blocks;
    let lo = 0;
    let hi = bl.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bl[mid]!.s0 <= s) lo = mid;
      else hi = mid - 1;
    }
    return bl[lo]!;
  }

  /** Centreline pose at s: out = [x, z, heading]. `block` skips the search when the caller knows it. */
  poseAt(s: number, out: Float64Array, block?: Block): void {
    const b = block ?? this.blockAt(s);
    const ds = s - b.s0;
    if (b.kappa === 0) {
      out[0] = b.x0 + Math.sin(b.th0) * ds;
      out[1] = b.z0 + Math.cos(b.th0) * ds;
      out[2] = b.th0;
    } else {
      const th = b.th0 + b.kappa * ds;
      out[0] = b.x0 + (Math.cos(b.th0) - Math.cos(th)) / b.kappa;
      out[1] = b.z0 + (Math.sin(th) - Math.sin(b.th0)) / b.kappa;
      out[2] = th;
    }
  }

  /** World point at (s, d): d is the lateral offset, positive to the right of the driving direction. */
  at(s: number, d: number): StreetPoint {
    this.poseAt(s, this.pose);
    const th = this.pose[2]!;
    return { x: this.pose[0]! + d * Math.cos(th), z: this.pose[1]! - d * Math.sin(th), th };
  }

  /** `at` within a known block, without the search; past the block's ends it extrapolates that block. */
  atIn(block: Block, s: number, d: number): StreetPoint {
    this.poseAt(s, this.pose, block);
    const th = this.pose[2]!;
    return { x: this.pose[0]! + d * Math.cos(th), z: this.pose[1]! - d * Math.sin(th), th };
  }

  /** World pose of an object at (s, d) moving with speed v along the street, at time t. */
  movingPose(
    s0: number,
    d: number,
    v: number,
    yawOffset: number,
    t: number,
  ): { x: number; z: number; yaw: number } {
    const p = this.at(s0 + v * t, d);
    return { x: p.x, z: p.z, yaw: p.th + yawOffset };
  }
}
