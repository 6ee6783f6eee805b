// One SynthDrive sequence: a street network generated from (seed, sequence), the objects on it, the
// traffic that moves through it, and the camera that drives along it. Every frame is a pure function
// of (world, frame index): nothing accumulates between frames, so any frame can be rendered alone — the
// generator relies on that to resume a killed run at the first missing frame.
import { cityscapesId } from '../../../shared/protocols/cityscapes-labels.js';
import { MAT } from './materials.js';
import { Rng, hash3 } from './noise.js';
import type { CameraPose, Lighting, Rasterizer } from './raster.js';
import { pickWeather, weatherLighting, type Weather, type WeatherOption } from './weather.js';

export const ID = {
  road: cityscapesId('road'),
  sidewalk: cityscapesId('sidewalk'),
  parking: cityscapesId('parking'),
  building: cityscapesId('building'),
  wall: cityscapesId('wall'),
  fence: cityscapesId('fence'),
  guardRail: cityscapesId('guard rail'),
  pole: cityscapesId('pole'),
  trafficLight: cityscapesId('traffic light'),
  trafficSign: cityscapesId('traffic sign'),
  vegetation: cityscapesId('vegetation'),
  terrain: cityscapesId('terrain'),
  sky: cityscapesId('sky'),
  person: cityscapesId('person'),
  rider: cityscapesId('rider'),
  car: cityscapesId('car'),
  truck: cityscapesId('truck'),
  bus: cityscapesId('bus'),
  motorcycle: cityscapesId('motorcycle'),
  bicycle: cityscapesId('bicycle'),
} as const;

/** Seconds between frames (5 Hz): far enough apart that a 30-frame sequence covers a street block. */
export const FRAME_INTERVAL = 0.2;
/** Horizontal field of view of the camera, degrees (a typical automotive front camera). */
export const HORIZONTAL_FOV_DEG = 62;
const DRAW_AHEAD = 170;
const DRAW_BEHIND = 25;
const PARK_W = 2.2;

type RGB = [number, number, number];
type District = 'urban' | 'suburban' | 'park';

interface Side {
  district: District;
  parking: boolean;
  /** Lateral distance of the curb (the road's edge) from the centreline. */
  curb: number;
}

interface Block {
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

interface Entity {
  /** Position along the main street at t = 0, for culling. */
  s: number;
  /** Speed along the street (signed), for culling moving things. */
  v: number;
  /** Extra reach (half length, cross streets) added to the culling window. */
  reach: number;
  draw(r: Rasterizer, t: number, cam: CameraPose): void;
}

export interface SequenceSpec {
  readonly seed: number;
  readonly sequence: number;
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  readonly weather: WeatherOption;
  /** Replaces parts of the weather's lighting (benchmarks use it to measure what each effect adds). */
  readonly lightingOverride?: Partial<Lighting>;
}

const CAR_COLOURS: readonly (readonly [RGB, number])[] = [
  [[0.5, 0.5, 0.52], 14], // grey
  [[0.68, 0.69, 0.7], 12], // silver
  [[0.86, 0.86, 0.85], 16], // white
  [[0.07, 0.07, 0.08], 16], // black
  [[0.32, 0.33, 0.35], 8], // dark grey
  [[0.12, 0.2, 0.45], 7], // blue
  [[0.55, 0.08, 0.07], 7], // red
  [[0.18, 0.3, 0.2], 3], // green
  [[0.55, 0.45, 0.3], 3], // beige
  [[0.85, 0.6, 0.1], 1], // yellow
  [[0.35, 0.12, 0.1], 2], // maroon
];

const CLOTH_COLOURS: readonly RGB[] = [
  [0.08, 0.08, 0.09],
  [0.15, 0.17, 0.25],
  [0.45, 0.45, 0.47],
  [0.75, 0.75, 0.72],
  [0.2, 0.25, 0.4],
  [0.5, 0.12, 0.1],
  [0.25, 0.35, 0.2],
  [0.55, 0.45, 0.3],
  [0.3, 0.2, 0.15],
  [0.85, 0.85, 0.82],
  [0.1, 0.3, 0.45],
];

const SKIN: readonly RGB[] = [
  [0.85, 0.65, 0.52],
  [0.7, 0.5, 0.38],
  [0.45, 0.3, 0.22],
  [0.3, 0.2, 0.15],
];

const GREENS: readonly RGB[] = [
  [0.22, 0.32, 0.12],
  [0.28, 0.38, 0.15],
  [0.18, 0.26, 0.12],
  [0.35, 0.4, 0.18],
  [0.3, 0.33, 0.2],
  [0.2, 0.3, 0.18],
];

function jitter(rng: Rng, c: readonly number[], amount: number): RGB {
  const k = 1 + rng.range(-amount, amount);
  return [
    Math.min(1, c[0]! * k * (1 + rng.range(-amount, amount) * 0.3)),
    Math.min(1, c[1]! * k * (1 + rng.range(-amount, amount) * 0.3)),
    Math.min(1, c[2]! * k * (1 + rng.range(-amount, amount) * 0.3)),
  ];
}

export class SynthSequence {
  readonly weather: Weather;
  readonly lighting: Lighting;
  readonly spec: SequenceSpec;
  private readonly blocks: Block[] = [];
  private readonly entities: Entity[] = [];
  private readonly instanceCounters = new Map<number, number>();
  private readonly laneW: number;
  private readonly lanesPerDir: number;
  private readonly lanesHalf: number;
  private readonly bLine: [number, number];
  private readonly egoS0: number;
  private readonly egoV: number;
  private readonly egoD: number;
  private readonly camH: number;
  private readonly wobble: number;
  private readonly asphalt: RGB;
  private readonly paving: [RGB, RGB];
  private readonly tile: [number, number];
  private readonly lotColour: [RGB, RGB];
  private readonly pose = new Float64Array(3);
  private readonly pts = new Float64Array(96);

  constructor(spec: SequenceSpec) {
    this.spec = spec;
    const root = new Rng(hash3(spec.seed, spec.sequence, 0x51d));
    const weatherRng = root.fork(1);
    this.weather = pickWeather(spec.weather, weatherRng);
    this.lighting = { ...weatherLighting(this.weather, weatherRng), ...spec.lightingOverride };
    const rng = root.fork(2);
    this.laneW = rng.range(3.0, 3.6);
    this.lanesPerDir = rng.chance(0.25) ? 2 : 1;
    this.lanesHalf = this.laneW * this.lanesPerDir;
    this.bLine = [
      this.lanesHalf + PARK_W + rng.range(2.5, 4.5),
      this.lanesHalf + PARK_W + rng.range(2.5, 4.5),
    ];
    this.egoV = rng.range(6.5, 11);
    this.egoS0 = 30;
    this.egoD = this.laneW * 0.5; // the inner lane of our direction
    this.camH = rng.range(1.42, 1.6);
    this.wobble = rng.range(0, 100);
    const ag = rng.range(0.3, 0.46);
    this.asphalt = [ag, ag * rng.range(0.98, 1.02), ag * rng.range(0.98, 1.06)];
    const pavingChoices: RGB[] = [
      [0.56, 0.56, 0.56],
      [0.5, 0.5, 0.52],
      [0.62, 0.6, 0.56],
      [0.58, 0.45, 0.4],
      [0.45, 0.45, 0.46],
    ];
    this.paving = [jitter(rng, rng.pick(pavingChoices), 0.06), jitter(rng, rng.pick(pavingChoices), 0.06)];
    this.tile = [rng.pick([0.3, 0.4, 0.5, 0.6]), rng.pick([0.3, 0.4, 0.5, 0.6])];
    this.lotColour = [jitter(rng, [0.42, 0.38, 0.3], 0.1), jitter(rng, [0.4, 0.37, 0.32], 0.1)];
    const travel = this.egoV * FRAME_INTERVAL * Math.max(1, spec.frames);
    this.buildRoad(rng.fork(3), this.egoS0 + travel + DRAW_AHEAD + 60);
    this.populate(rng.fork(4), travel);
  }

  // ---------------------------------------------------------------- geometry of the main street

  private buildRoad(rng: Rng, length: number): void {
    let s = 0;
    let x = 0;
    let z = 0;
    let th = 0;
    let prev: Block['kind'] | 'start' = 'start';
    const character = rng.weighted<District>([
      ['urban', 3],
      ['suburban', 2],
      ['park', 1],
    ]);
    const side = (kind: Block['kind']): Side => {
      const district: District =
        kind === 'curve'
          ? rng.weighted<District>([
              ['park', 3],
              ['suburban', 2],
              ['urban', 1],
            ])
          : rng.weighted<District>([
              [character, 3],
              ['urban', 2],
              ['suburban', 1.5],
              ['park', 0.7],
            ]);
      const parking = district !== 'park' && rng.chance(district === 'urban' ? 0.7 : 0.4);
      const curb =
        district === 'park' ? this.lanesHalf + 0.5 : parking ? this.lanesHalf + PARK_W : this.lanesHalf;
      return { district, parking, curb };
    };
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
      const b: Block = {
        kind,
        s0: s,
        s1: s + len,
        kappa,
        x0: x,
        z0: z,
        th0: th,
        sides: [side(kind), side(kind)],
        crossHalf,
        crossSw,
      };
      if (kind === 'intersection') {
        // sidewalks continue through the crossing bands; no parking inside an intersection
        for (const sd of b.sides) {
          sd.parking = false;
          sd.curb = this.lanesHalf;
          if (sd.district === 'park') sd.district = 'urban';
        }
      }
      this.blocks.push(b);
      this.poseAt(s + len, this.pose, b);
      x = this.pose[0]!;
      z = this.pose[1]!;
      th = this.pose[2]!;
      s += len;
      prev = kind;
    }
  }

  private blockAt(s: number): Block {
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

  /** Centreline pose at s: out = [x, z, heading]. */
  private poseAt(s: number, out: Float64Array, block?: Block): void {
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
  private at(s: number, d: number): { x: number; z: number; th: number } {
    this.poseAt(s, this.pose);
    const th = this.pose[2]!;
    return { x: this.pose[0]! + d * Math.cos(th), z: this.pose[1]! - d * Math.sin(th), th };
  }

  private nextInstance(cls: number): number {
    const n = this.instanceCounters.get(cls) ?? 0;
    this.instanceCounters.set(cls, n + 1);
    // Cityscapes instanceIds: labelId*1000 + index, the index unique per class within the sequence
    return cls * 1000 + (n % 1000);
  }

  // ---------------------------------------------------------------- camera

  camera(frame: number): CameraPose {
    const t = frame * FRAME_INTERVAL;
    const s = this.egoS0 + this.egoV * t;
    const w = this.wobble;
    const d = this.egoD + 0.18 * Math.sin(0.35 * t + w);
    const p = this.at(s, d);
    const { width, height } = this.spec;
    const f = width / 2 / Math.tan(((HORIZONTAL_FOV_DEG / 2) * Math.PI) / 180);
    return {
      x: p.x,
      z: p.z,
      y: this.camH + 0.012 * Math.sin(3.1 * t + w),
      yaw: p.th + 0.012 * Math.sin(0.8 * t + 2 * w),
      pitch: 0.03 + 0.006 * Math.sin(2.3 * t + 3 * w),
      f,
      cx: width / 2,
      cy: height / 2,
    };
  }

  /** Image row of the horizon for a frame (a pixel row index may be fractional). */
  horizonRow(frame: number): number {
    const c = this.camera(frame);
    return c.cy - c.f * Math.tan(c.pitch);
  }

  // ---------------------------------------------------------------- rendering

  render(r: Rasterizer, frame: number): void {
    const t = frame * FRAME_INTERVAL;
    const cam = this.camera(frame);
    r.beginFrame(cam, this.lighting, t);
    const camS = this.egoS0 + this.egoV * t;
    // far ground to the horizon, a little below the modelled ground so the modelled strips win
    const b = r.brush;
    this.setBrush(r, ID.terrain, ID.terrain, MAT.grass, 11, this.lotColour[0], [0.36, 0.4, 0.2]);
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
    for (const block of this.blocks) {
      if (block.s1 < camS - DRAW_BEHIND || block.s0 > camS + DRAW_AHEAD + 40) continue;
      this.drawGround(r, block);
    }
    b.ground = false;
    for (const e of this.entities) {
      const s = e.s + e.v * t;
      if (s + e.reach < camS - DRAW_BEHIND || s - e.reach > camS + DRAW_AHEAD) continue;
      e.draw(r, t, cam);
    }
    r.finish();
  }

  private setBrush(
    r: Rasterizer,
    cls: number,
    inst: number,
    mat: number,
    seed: number,
    c: readonly number[],
    c2?: readonly number[],
  ): void {
    const b = r.brush;
    b.cls = cls;
    b.inst = inst;
    b.mat = mat;
    b.seed = seed;
    b.params.fill(0);
    b.params[0] = c[0]!;
    b.params[1] = c[1]!;
    b.params[2] = c[2]!;
    if (c2) {
      b.params[3] = c2[0]!;
      b.params[4] = c2[1]!;
      b.params[5] = c2[2]!;
    }
  }

  /**
   * Flat band between s0..s1 and lateral d0..d1 at height y, tessellated along curves. The texture frame
   * maps u to s (or to |d| when `crossFrame`) and v to d.
   */
  private strip(
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
      this.poseAt(a, this.pose, block);
      const ax = this.pose[0]!;
      const az = this.pose[1]!;
      const ath = this.pose[2]!;
      this.poseAt(c, this.pose, block);
      const cx = this.pose[0]!;
      const cz = this.pose[1]!;
      const cth = this.pose[2]!;
      const rax = Math.cos(ath);
      const raz = -Math.sin(ath);
      const rcx = Math.cos(cth);
      const rcz = -Math.sin(cth);
      const tx = Math.sin(ath);
      const tz = Math.cos(ath);
      if (crossMid !== undefined && crossSign !== undefined) {
        // cross street: u = distance from the main centreline, v = offset from the cross street's axis
        this.poseAt(crossMid, this.pose, block);
        const mx = this.pose[0]!;
        const mz = this.pose[1]!;
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

  /** Vertical curb face along d between s0..s1 (or across at fixed s when `acrossS` is given). */
  private curbAlong(r: Rasterizer, block: Block, s0: number, s1: number, d: number, h: number): void {
    const steps = block.kappa === 0 ? 1 : Math.max(1, Math.ceil((s1 - s0) / 3));
    for (let k = 0; k < steps; k++) {
      const a = this.atIn(block, s0 + ((s1 - s0) * k) / steps, d);
      const c = this.atIn(block, s0 + ((s1 - s0) * (k + 1)) / steps, d);
      r.setFrame(a.x, 0, a.z, Math.sin(a.th), 0, Math.cos(a.th), 0, 1, 0);
      r.quad(a.x, 0, a.z, c.x, 0, c.z, c.x, h, c.z, a.x, h, a.z);
    }
  }

  private curbAcross(r: Rasterizer, block: Block, s: number, d0: number, d1: number, h: number): void {
    const a = this.atIn(block, s, d0);
    const c = this.atIn(block, s, d1);
    r.setFrame(a.x, 0, a.z, Math.cos(a.th), 0, -Math.sin(a.th), 0, 1, 0);
    r.quad(a.x, 0, a.z, c.x, 0, c.z, c.x, h, c.z, a.x, h, a.z);
  }

  private atIn(block: Block, s: number, d: number): { x: number; z: number; th: number } {
    this.poseAt(s, this.pose, block);
    const th = this.pose[2]!;
    return { x: this.pose[0]! + d * Math.cos(th), z: this.pose[1]! - d * Math.sin(th), th };
  }

  private roadBrush(
    r: Rasterizer,
    block: Block,
    half: number,
    style: number,
    zebra0: number,
    zebra1: number,
    stop: number,
  ): void {
    this.setBrush(
      r,
      ID.road,
      ID.road,
      MAT.asphalt,
      hash3(this.spec.seed, this.spec.sequence, 91),
      this.asphalt,
    );
    const p = r.brush.params;
    p[6] = half;
    p[7] = style;
    p[8] = zebra0;
    p[9] = zebra1;
    p[10] = this.laneW;
    p[11] = stop;
  }

  private drawGround(r: Rasterizer, block: Block): void {
    const H = 0.12;
    const lh = this.lanesHalf;
    const centreStyle = this.lanesPerDir === 2 ? 1 : 0;
    const seqSeed = hash3(this.spec.seed, this.spec.sequence, 5);
    r.brush.ground = true;
    if (block.kind !== 'intersection') {
      const next = this.blocks[this.blocks.indexOf(block) + 1];
      const stop = next && next.kind === 'intersection' ? block.s1 - 1.2 : -1e9;
      this.roadBrush(r, block, lh, centreStyle, 1, 0, stop);
      this.strip(r, block, block.s0, block.s1, -lh, lh, 0);
      for (let k = 0; k < 2; k++) {
        const sg = k === 0 ? 1 : -1;
        const side = block.sides[k]!;
        if (side.district === 'park') {
          this.roadBrush(r, block, lh, centreStyle, 1, 0, -1e9);
          this.strip(r, block, block.s0, block.s1, sg * lh, sg * side.curb, 0);
          this.setBrush(
            r,
            ID.terrain,
            ID.terrain,
            MAT.grass,
            seqSeed + k,
            GREENS[seqSeed % GREENS.length]!,
            this.lotColour[k]!,
          );
          this.strip(r, block, block.s0, block.s1, sg * side.curb, sg * (side.curb + 60), 0);
          continue;
        }
        if (side.parking) {
          this.setBrush(
            r,
            ID.parking,
            ID.parking,
            MAT.parking,
            seqSeed + 7 + k,
            jitter(new Rng(seqSeed + k), this.asphalt, 0.08),
          );
          r.brush.params[6] = 5.5;
          this.strip(r, block, block.s0, block.s1, sg * lh, sg * side.curb, 0);
        }
        this.setBrush(r, ID.sidewalk, ID.sidewalk, MAT.curb, seqSeed + 3, [0.6, 0.6, 0.58]);
        this.curbAlong(r, block, block.s0, block.s1, sg * side.curb, H);
        this.setBrush(r, ID.sidewalk, ID.sidewalk, MAT.paving, seqSeed + 11 + k, this.paving[k]!);
        r.brush.params[6] = this.tile[k]!;
        r.brush.params[7] = 0.8;
        this.strip(r, block, block.s0, block.s1, sg * side.curb, sg * this.bLine[k]!, H);
        const lotMat = side.district === 'suburban' ? MAT.grass : MAT.dirt;
        const lotC =
          side.district === 'suburban' ? GREENS[(seqSeed + k) % GREENS.length]! : this.lotColour[k]!;
        this.setBrush(r, ID.terrain, ID.terrain, lotMat, seqSeed + 13 + k, lotC, [0.45, 0.42, 0.3]);
        this.strip(r, block, block.s0, block.s1, sg * this.bLine[k]!, sg * (this.bLine[k]! + 45), H);
      }
    } else {
      const a0 = block.s0 + block.crossSw;
      const a1 = block.s1 - block.crossSw;
      const mid = (block.s0 + block.s1) / 2;
      this.roadBrush(r, block, lh, centreStyle, block.s0 + 0.3, a0 - 0.3, -1e9);
      this.strip(r, block, block.s0, a0, -lh, lh, 0);
      this.roadBrush(r, block, lh, centreStyle, a1 + 0.3, block.s1 - 0.3, -1e9);
      this.strip(r, block, a1, block.s1, -lh, lh, 0);
      this.roadBrush(r, block, 1e3, 2, 1, 0, -1e9);
      this.strip(r, block, a0, a1, -lh, lh, 0);
      for (let k = 0; k < 2; k++) {
        const sg = k === 0 ? 1 : -1;
        const bl = this.bLine[k]!;
        // cross street asphalt, its own lane markings and the crossing along our sidewalk line
        this.roadBrush(r, block, block.crossHalf, 0, lh + 0.6, bl - 0.3, -1e9);
        this.strip(r, block, a0, a1, sg * lh, sg * (lh + 70), 0, mid, sg);
        this.setBrush(r, ID.sidewalk, ID.sidewalk, MAT.curb, seqSeed + 3, [0.6, 0.6, 0.58]);
        this.curbAlong(r, block, block.s0, a0, sg * lh, H);
        this.curbAlong(r, block, a1, block.s1, sg * lh, H);
        this.curbAcross(r, block, a0, sg * lh, sg * (lh + 70), H);
        this.curbAcross(r, block, a1, sg * lh, sg * (lh + 70), H);
        this.setBrush(r, ID.sidewalk, ID.sidewalk, MAT.paving, seqSeed + 11 + k, this.paving[k]!);
        r.brush.params[6] = this.tile[k]!;
        r.brush.params[7] = 0.8;
        this.strip(r, block, block.s0, a0, sg * lh, sg * (lh + 70), H);
        this.strip(r, block, a1, block.s1, sg * lh, sg * (lh + 70), H);
      }
    }
    r.brush.ground = false;
  }

  // ---------------------------------------------------------------- population

  private populate(rng: Rng, travel: number): void {
    const camEnd = this.egoS0 + travel;
    for (let bi = 0; bi < this.blocks.length; bi++) {
      const block = this.blocks[bi]!;
      const brng = rng.fork(100 + bi);
      if (block.kind === 'intersection') this.populateIntersection(brng, block);
      else
        for (let k = 0; k < 2; k++) {
          this.populateSide(brng.fork(k), block, k, bi);
        }
    }
    this.populateTraffic(rng.fork(7), camEnd, travel);
  }

  private populateSide(rng: Rng, block: Block, k: number, blockIndex: number): void {
    const sg = k === 0 ? 1 : -1;
    const side = block.sides[k]!;
    const bl = this.bLine[k]!;
    const len = block.s1 - block.s0;
    const next = this.blocks[blockIndex + 1];
    if (side.district === 'park') {
      // trees, bushes, a guard rail on curves, a few far buildings
      for (let s = block.s0 + rng.range(0, 8); s < block.s1; s += rng.range(5, 14)) {
        this.addTree(rng, s, sg * (side.curb + rng.range(3, 28)));
      }
      if (block.kind === 'curve' || rng.chance(0.5)) this.addGuardRail(block, sg * (side.curb + 0.35), rng);
      if (rng.chance(0.6)) {
        for (let s = block.s0 + rng.range(0, 10); s < block.s1 - 5; s += rng.range(15, 40)) {
          this.addHedge(rng, s, sg * (side.curb + rng.range(2, 12)), rng.range(3, 10));
        }
      }
      if (rng.chance(0.6)) {
        for (let s = block.s0 + rng.range(0, 20); s < block.s1 - 10; s += rng.range(25, 60)) {
          this.addBuilding(rng, s, rng.range(14, 30), sg, sg * (side.curb + rng.range(35, 55)), 'suburban');
        }
      }
      for (let s = block.s0 + rng.range(0, 30); s < block.s1; s += rng.range(30, 45)) {
        this.addPole(rng, s, sg * (side.curb + 1.2), rng.range(7, 9), 0.22, [0.35, 0.3, 0.25]);
      }
      if (rng.chance(0.5))
        this.addSign(rng, block.s0 + rng.range(5, Math.max(6, len - 5)), sg, side.curb + 0.8);
      return;
    }
    // buildings along the building line
    const urban = side.district === 'urban';
    let s = block.s0 + rng.range(0, 3);
    while (s < block.s1 - 4) {
      const width = Math.min(block.s1 - 1 - s, urban ? rng.range(8, 26) : rng.range(8, 14));
      if (width < 5) break;
      const setback = urban ? rng.range(0, 0.6) : rng.range(4, 9);
      this.addBuilding(rng, s, width, sg, sg * (bl + setback), side.district);
      if (!urban) {
        // front yard boundary: hedge, fence or low wall with a gap for the path
        const kind = rng.weighted<'hedge' | 'fence' | 'wall' | 'none'>([
          ['hedge', 3],
          ['fence', 3],
          ['wall', 2],
          ['none', 1],
        ]);
        if (kind === 'hedge') this.addHedge(rng, s + width * 0.3, sg * (bl + 0.5), width * 0.6);
        else if (kind === 'fence') this.addFence(rng, s + 0.5, s + width * 0.7, sg * (bl + 0.3));
        else if (kind === 'wall')
          this.addWall(rng, s + 0.5, s + width * 0.7, sg * (bl + 0.3), rng.range(0.6, 1.4));
        if (rng.chance(0.6))
          this.addTree(rng, s + width * rng.range(0.2, 0.8), sg * (bl + rng.range(2, setback)));
      }
      s += width;
      const gap = urban ? (rng.chance(0.65) ? 0.2 : rng.range(2, 8)) : rng.range(3, 9);
      if (gap > 2 && urban) {
        const filler = rng.next();
        if (filler < 0.5) this.addWall(rng, s + 0.2, s + gap - 0.2, sg * (bl + 0.2), rng.range(1.5, 3));
        else if (filler < 0.75) this.addFence(rng, s + 0.2, s + gap - 0.2, sg * (bl + 0.2));
      }
      s += gap;
    }
    // street furniture
    const treePits = rng.chance(urban ? 0.5 : 0.7);
    if (treePits)
      for (let q = block.s0 + rng.range(2, 8); q < block.s1 - 2; q += rng.range(8, 15))
        this.addTree(rng, q, sg * (side.curb + 1.0));
    for (let q = block.s0 + rng.range(3, 20); q < block.s1 - 2; q += rng.range(24, 36))
      this.addStreetLight(rng, q, sg, side.curb + 0.5);
    for (let q = block.s0 + rng.range(2, 20); q < block.s1 - 2; q += rng.range(15, 45)) {
      if (rng.chance(0.5)) this.addSign(rng, q, sg, side.curb + 0.6);
      else
        this.addPole(
          rng,
          q,
          sg * (side.curb + 0.35),
          rng.chance(0.5) ? 1.0 : rng.range(2.5, 4),
          0.1,
          [0.3, 0.3, 0.3],
        );
    }
    if (next && next.kind === 'intersection' && sg === 1)
      this.addSign(rng, block.s1 - rng.range(4, 12), sg, side.curb + 0.6);
    // a pedestrian signal at a mid-block crossing, facing our direction of travel
    if (sg === 1 && urban && len > 40 && rng.chance(0.35)) {
      this.addTrafficLight(rng, block.s0 + rng.range(15, len - 15), sg, side.curb + 0.4, false);
    }
    // people on the sidewalk, parked bicycles
    const density = urban ? 1 / 12 : 1 / 28;
    const people = Math.round(len * density * rng.range(0.5, 1.5));
    for (let i = 0; i < people; i++) {
      const moving = rng.chance(0.75);
      const v = moving ? (rng.chance(0.5) ? 1 : -1) * rng.range(1.0, 1.6) : 0;
      this.addPerson(rng, rng.range(block.s0, block.s1), sg * rng.range(side.curb + 0.6, bl - 0.4), v);
    }
    if (rng.chance(urban ? 0.6 : 0.25)) {
      const q = rng.range(block.s0, block.s1);
      for (let i = 0, n = rng.int(1, 4); i < n; i++)
        this.addParkedBicycle(rng, q + i * 0.7, sg * (side.curb + 0.8));
    }
    // parked vehicles
    if (side.parking) {
      for (let q = block.s0 + rng.range(1, 4); q < block.s1 - 4;) {
        if (rng.chance(0.65)) {
          const big = rng.chance(0.06);
          const len2 = big ? rng.range(6, 7.5) : rng.range(3.8, 4.9);
          const yaw = (rng.chance(0.85) ? 0 : Math.PI) + rng.range(-0.03, 0.03);
          const d = sg * (this.lanesHalf + PARK_W / 2 + rng.range(-0.15, 0.15));
          if (big) this.addTruck(rng, q + len2 / 2, d, 0, yaw, len2);
          else this.addCar(rng, q + len2 / 2, d, 0, yaw, len2);
          q += len2 + rng.range(0.6, 2);
        } else q += rng.range(4, 7);
      }
    }
  }

  private populateIntersection(rng: Rng, block: Block): void {
    const a0 = block.s0 + block.crossSw;
    const a1 = block.s1 - block.crossSw;
    for (let k = 0; k < 2; k++) {
      const sg = k === 0 ? 1 : -1;
      const bl = this.bLine[k]!;
      // traffic lights at the near right corner and the far left corner face the camera
      if ((k === 0 && rng.chance(0.85)) || (k === 1 && rng.chance(0.7))) {
        const s = k === 0 ? block.s0 - 0.6 : block.s1 + 0.6;
        this.addTrafficLight(rng, s, sg, this.lanesHalf + 0.5, k === 0 && rng.chance(0.4));
      }
      if (rng.chance(0.6))
        this.addTrafficLight(rng, k === 0 ? block.s1 + 0.6 : block.s0 - 0.6, sg, this.lanesHalf + 0.5, false);
      // buildings along the cross street, both sides of it
      for (const [q0, dir] of [
        [block.s0, -1],
        [block.s1, 1],
      ] as const) {
        let d = bl + rng.range(18, 26);
        while (d < 75) {
          const w = rng.range(8, 20);
          const depth = rng.range(10, 18);
          const h = rng.range(6, 28);
          this.addCrossBuilding(rng, q0 + dir * (depth / 2 + rng.range(0, 1)), sg * (d + w / 2), w, depth, h);
          d += w + rng.range(0, 4);
        }
        if (rng.chance(0.6))
          this.addTree(rng, q0 + dir * -0.8 * -1 + dir * 0.5, sg * (bl + rng.range(4, 15)));
      }
      // pedestrians waiting or crossing on the cross street sidewalks
      for (let i = 0, n = rng.int(0, 3); i < n; i++) {
        const onNear = rng.chance(0.5);
        const s = onNear ? rng.range(block.s0 + 0.4, a0 - 0.4) : rng.range(a1 + 0.4, block.s1 - 0.4);
        this.addPerson(rng, s, sg * rng.range(this.lanesHalf + 0.5, bl + 20), 0);
      }
      // parked cars on the cross street
      for (let i = 0, n = rng.int(0, 3); i < n; i++) {
        const d = sg * rng.range(bl + 5, 60);
        const q = rng.chance(0.5) ? a0 + 1.1 : a1 - 1.1;
        this.addCar(rng, q, d, 0, (Math.PI / 2) * sg + (rng.chance(0.5) ? Math.PI : 0), rng.range(3.8, 4.8));
      }
    }
  }

  private populateTraffic(rng: Rng, camEnd: number, travel: number): void {
    const T = travel / this.egoV;
    const lw = this.laneW;
    // Each lane moves as a platoon at one speed, so vehicles in a lane never drive through each other; a
    // lane with cyclists is a slow lane (the traffic stays behind them).
    for (let lane = 0; lane < this.lanesPerDir; lane++) {
      const d = -(lane + 0.5) * lw;
      const cyclists = lane === this.lanesPerDir - 1 && rng.chance(0.5);
      const v = cyclists ? rng.range(5, 7) : rng.range(8, 12.5);
      // oncoming: spread so that vehicles pass the camera during the sequence
      for (let s = this.egoS0 + rng.range(5, 30); s < camEnd + DRAW_AHEAD + v * T; s += rng.range(18, 70)) {
        this.addVehicle(rng, s, d, -v, Math.PI, cyclists);
      }
    }
    // our direction: the camera drives in lane 0; vehicles ahead in it never come closer than 10 m
    for (let lane = 0; lane < this.lanesPerDir; lane++) {
      const d = (lane + 0.5) * lw;
      const ego = lane === 0;
      const cyclists = !ego && lane === this.lanesPerDir - 1 && rng.chance(0.5);
      const v = ego
        ? rng.range(Math.max(3, this.egoV - 0.5), this.egoV + 2.5)
        : cyclists
          ? rng.range(5, 7)
          : rng.range(7, 12);
      const minAhead = 16 + Math.max(0, (this.egoV - v) * T);
      let s = this.egoS0 + (ego ? minAhead + rng.range(0, 15) : rng.range(-30, 10));
      while (s < camEnd + DRAW_AHEAD) {
        this.addVehicle(rng, s, d, v, 0, cyclists);
        s += rng.range(20, 60);
      }
    }
  }

  // ---------------------------------------------------------------- objects

  private addVehicle(
    rng: Rng,
    s: number,
    d: number,
    v: number,
    yawOffset: number,
    allowCyclist: boolean,
  ): void {
    const kind = rng.weighted<'car' | 'truck' | 'bus' | 'cyclist' | 'moto'>([
      ['car', 80],
      ['truck', 8],
      ['bus', 6],
      ['cyclist', allowCyclist ? 25 : 0],
      ['moto', 3],
    ]);
    if (kind === 'car') this.addCar(rng, s, d, v, yawOffset, rng.range(3.8, 4.9));
    else if (kind === 'truck') this.addTruck(rng, s, d, v, yawOffset, rng.range(7, 10));
    else if (kind === 'bus') this.addBus(rng, s, d, v, yawOffset);
    else {
      // two-wheelers keep to the outer edge of their lane
      const edge = d + Math.sign(d || 1) * this.laneW * 0.3;
      this.addCyclist(rng, s, edge, v, yawOffset, kind === 'moto');
    }
  }

  /** World pose of an object at (s, d) moving with speed v along the street, at time t. */
  private movingPose(
    s0: number,
    d: number,
    v: number,
    yawOffset: number,
    t: number,
  ): { x: number; z: number; yaw: number } {
    const p = this.at(s0 + v * t, d);
    return { x: p.x, z: p.z, yaw: p.th + yawOffset };
  }

  private addCar(rng: Rng, s: number, d: number, v: number, yawOffset: number, len: number): void {
    const inst = this.nextInstance(ID.car);
    const colour = jitter(rng, rng.weighted(CAR_COLOURS), 0.06);
    const kind = rng.weighted<number>([
      [0, 4],
      [1, 3],
      [2, 2],
      [3, 1],
    ]);
    const wid = rng.range(1.7, 1.92);
    const seed = rng.int(0, 1e9);
    const lit = this.lighting.night > 0 && v !== 0;
    this.entities.push({
      s,
      v,
      reach: 3,
      draw: (r, t) => {
        const p = this.movingPose(s, d, v, yawOffset, t);
        this.drawCar(r, p.x, p.z, p.yaw, len, wid, kind, colour, seed, inst);
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

  private drawCar(
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
    this.setBrush(r, ID.car, inst, MAT.paint, seed, colour);
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
    this.cabin(
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
    this.setBrush(r, ID.car, inst, MAT.tyre, seed + 2, [0.08, 0.08, 0.09]);
    for (const a of [-1, 1]) {
      for (const b of [-1, 1]) {
        const lx = a * (wid / 2 - 0.1);
        const lz = b * (len / 2 - 0.78);
        r.uprightBox(x + rx * lx + fx * lz, z + rz * lx + fz * lz, yaw, 0.22, 0.64, 0, 0.64);
      }
    }
    this.boxShadow(r, x, z, yaw, wid, len, cabinTop);
  }

  /**
   * A car cabin: a prism whose top is shorter than its base by `frontInset` and `rearInset`, so the
   * windscreen and the rear window slope. Faces are two-sided and the z-buffer hides the far ones.
   */
  private cabin(
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

  private addTruck(rng: Rng, s: number, d: number, v: number, yawOffset: number, len: number): void {
    const inst = this.nextInstance(ID.truck);
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
    this.entities.push({
      s,
      v,
      reach: len,
      draw: (r, t) => {
        const p = this.movingPose(s, d, v, yawOffset, t);
        const fx = Math.sin(p.yaw);
        const fz = Math.cos(p.yaw);
        const rx = Math.cos(p.yaw);
        const rz = -Math.sin(p.yaw);
        const cabLen = 2.2;
        const cabC = len / 2 - cabLen / 2;
        this.setBrush(r, ID.truck, inst, MAT.paint, seed, cab);
        const face = (f: number, u: number, vv: number) => {
          r.brush.params[6] = f < 2 ? 0 : f === 4 ? 1 : f === 5 ? 2 : 3;
          r.brush.params[7] = u;
          r.brush.params[8] = vv;
        };
        r.uprightBox(p.x + fx * cabC, p.z + fz * cabC, p.yaw, 2.4, cabLen, 0.5, 1.8, face);
        r.brush.mat = MAT.cabin;
        r.uprightBox(p.x + fx * cabC, p.z + fz * cabC, p.yaw, 2.35, cabLen - 0.1, 1.8, 2.9, face);
        this.setBrush(r, ID.truck, inst, MAT.plain, seed + 3, cargo);
        const cl = len - cabLen - 0.3;
        const cc = -len / 2 + cl / 2;
        r.uprightBox(p.x + fx * cc, p.z + fz * cc, p.yaw, 2.5, cl, 0.9, height);
        this.setBrush(r, ID.truck, inst, MAT.tyre, seed + 4, [0.08, 0.08, 0.09]);
        for (const a of [-1, 1]) {
          for (const b of [len / 2 - 1.2, -len / 2 + 1.3, -len / 2 + 2.5]) {
            const lx = a * 1.1;
            r.uprightBox(p.x + rx * lx + fx * b, p.z + rz * lx + fz * b, p.yaw, 0.3, 1.0, 0, 1.0);
          }
        }
        this.boxShadow(r, p.x, p.z, p.yaw, 2.5, len, height);
      },
    });
  }

  private addBus(rng: Rng, s: number, d: number, v: number, yawOffset: number): void {
    const inst = this.nextInstance(ID.bus);
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
    this.entities.push({
      s,
      v,
      reach: len,
      draw: (r, t) => {
        const p = this.movingPose(s, d, v, yawOffset, t);
        this.setBrush(r, ID.bus, inst, MAT.bus, seed, colour);
        r.uprightBox(p.x, p.z, p.yaw, 2.55, len, 0.3, 3.15, (f, u, vv) => {
          r.brush.params[6] = f < 2 ? 0 : f === 4 ? 1 : f === 5 ? 2 : 3;
          r.brush.params[7] = u;
          r.brush.params[8] = vv;
        });
        const fx = Math.sin(p.yaw);
        const fz = Math.cos(p.yaw);
        const rx = Math.cos(p.yaw);
        const rz = -Math.sin(p.yaw);
        this.setBrush(r, ID.bus, inst, MAT.tyre, seed + 4, [0.08, 0.08, 0.09]);
        for (const a of [-1, 1]) {
          for (const b of [len / 2 - 2.5, -len / 2 + 3]) {
            const lx = a * 1.2;
            r.uprightBox(p.x + rx * lx + fx * b, p.z + rz * lx + fz * b, p.yaw, 0.3, 1.0, 0, 1.0);
          }
        }
        this.boxShadow(r, p.x, p.z, p.yaw, 2.55, len, 3.15);
      },
    });
  }

  private personLook(rng: Rng): {
    h: number;
    shirt: RGB;
    pants: RGB;
    skin: RGB;
    seed: number;
    phase: number;
  } {
    return {
      h: rng.range(1.55, 1.95),
      shirt: jitter(rng, rng.pick(CLOTH_COLOURS), 0.1),
      pants: jitter(rng, rng.pick(CLOTH_COLOURS), 0.1),
      skin: jitter(rng, rng.pick(SKIN), 0.08),
      seed: rng.int(0, 1e9),
      phase: rng.range(0, Math.PI * 2),
    };
  }

  private addPerson(rng: Rng, s: number, d: number, v: number): void {
    const inst = this.nextInstance(ID.person);
    const look = this.personLook(rng);
    const facing = v < 0 ? Math.PI : v > 0 ? 0 : rng.range(0, Math.PI * 2);
    this.entities.push({
      s,
      v,
      reach: 1,
      draw: (r, t) => {
        const p = this.movingPose(s, d, v, facing, t);
        const swing = v !== 0 ? Math.sin(look.phase + t * Math.abs(v) * 5.2) * 0.42 : 0;
        this.drawWalker(r, p.x, p.z, p.yaw, look, swing, ID.person, inst);
      },
    });
  }

  /** A standing or walking person built from boxes; legs and arms swing with `swing` (radians). */
  private drawWalker(
    r: Rasterizer,
    x: number,
    z: number,
    yaw: number,
    look: { h: number; shirt: RGB; pants: RGB; skin: RGB; seed: number },
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
    this.setBrush(r, cls, inst, MAT.cloth, look.seed, look.pants);
    for (const side of [-1, 1]) {
      const a = swing * side;
      this.limb(r, x + rx * side * 0.1 * k, z + rz * side * 0.1 * k, leg, a, leg, 0.075 * k, fx, fz, rx, rz);
    }
    this.setBrush(r, cls, inst, MAT.cloth, look.seed + 1, look.shirt);
    r.uprightBox(x, z, yaw, 0.42 * k, 0.24 * k, leg, leg + torso);
    for (const side of [-1, 1]) {
      const a = -swing * side * 0.8;
      this.limb(
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
    this.setBrush(r, cls, inst, MAT.cloth, look.seed + 2, look.skin);
    r.uprightBox(x, z, yaw, 0.19 * k, 0.22 * k, leg + torso + 0.02, leg + torso + 0.25 * k);
    this.pts.set([
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
    r.shadowCaster(this.pts, 5);
  }

  /** A limb hanging from (x, top, z), rotated by `a` about the lateral axis. */
  private limb(
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

  /** A thin box between two world points (bicycle frames, handlebars). */
  private rod(
    r: Rasterizer,
    x0: number,
    y0: number,
    z0: number,
    x1: number,
    y1: number,
    z1: number,
    half: number,
  ): void {
    const bx = (x1 - x0) / 2;
    const by = (y1 - y0) / 2;
    const bz = (z1 - z0) / 2;
    const l = Math.hypot(bx, by, bz);
    if (l === 0) return;
    // any two axes perpendicular to the rod
    let ax = -bz;
    let ay = 0;
    let az = bx;
    let al = Math.hypot(ax, ay, az);
    if (al < 1e-6) {
      ax = 1;
      ay = 0;
      az = 0;
      al = 1;
    }
    ax = (ax / al) * half;
    az = (az / al) * half;
    const cx = by * az - bz * ay;
    const cy = bz * ax - bx * az;
    const cz = bx * ay - by * ax;
    const cl = Math.hypot(cx, cy, cz) || 1;
    r.box(
      x0 + bx,
      y0 + by,
      z0 + bz,
      ax,
      ay,
      az,
      bx,
      by,
      bz,
      (cx / cl) * half,
      (cy / cl) * half,
      (cz / cl) * half,
    );
  }

  private wheel(
    r: Rasterizer,
    cx: number,
    cy: number,
    cz: number,
    fx: number,
    fz: number,
    radius: number,
  ): void {
    const n = 12;
    for (let i = 0; i < n; i++) {
      const a = (i / n) * Math.PI * 2;
      const along = Math.cos(a) * radius;
      this.pts[i * 3] = cx + fx * along;
      this.pts[i * 3 + 1] = cy + Math.sin(a) * radius;
      this.pts[i * 3 + 2] = cz + fz * along;
    }
    r.setFrame(cx, cy, cz, fx, 0, fz, 0, 1, 0);
    r.polygon(this.pts, n);
  }

  private addCyclist(rng: Rng, s: number, d: number, v: number, yawOffset: number, motor: boolean): void {
    const riderInst = this.nextInstance(ID.rider);
    const bikeCls = motor ? ID.motorcycle : ID.bicycle;
    const bikeInst = this.nextInstance(bikeCls);
    const look = this.personLook(rng);
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
    this.entities.push({
      s,
      v,
      reach: 2,
      draw: (r, t) => {
        const p = this.movingPose(s, d, v, yawOffset, t);
        const pedal = t * Math.abs(v) * 1.7 + look.phase;
        this.drawBike(r, p.x, p.z, p.yaw, frame, look.seed, bikeCls, bikeInst, motor);
        this.drawRider(r, p.x, p.z, p.yaw, look, pedal, riderInst, motor);
      },
    });
  }

  private addParkedBicycle(rng: Rng, s: number, d: number): void {
    const inst = this.nextInstance(ID.bicycle);
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
    this.entities.push({
      s,
      v: 0,
      reach: 1,
      draw: (r) => {
        const p = this.at(s, d);
        this.drawBike(r, p.x, p.z, p.th + Math.PI / 2, frame, seed, ID.bicycle, inst, false);
      },
    });
  }

  private drawBike(
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
    this.setBrush(r, cls, inst, MAT.tyre, seed, [0.07, 0.07, 0.08]);
    this.wheel(r, x + fx * wb, wr, z + fz * wb, fx, fz, wr);
    this.wheel(r, x - fx * wb, wr, z - fz * wb, fx, fz, wr);
    this.setBrush(r, cls, inst, MAT.metal, seed + 1, frame);
    const P = (along: number, y: number): [number, number, number] => [x + fx * along, y, z + fz * along];
    if (motor) {
      r.uprightBox(x, z, yaw, 0.35, 1.1, 0.35, 0.85);
      const [hx, hy, hz] = P(0.55, 1.05);
      this.rod(r, hx - rx * 0.35, hy, hz - rz * 0.35, hx + rx * 0.35, hy, hz + rz * 0.35, 0.025);
    } else {
      const seat = P(-0.15, 0.88);
      const head = P(0.4, 0.9);
      const crank = P(0, 0.32);
      this.rod(r, ...seat, ...head, 0.022);
      this.rod(r, ...head, ...crank, 0.025);
      this.rod(r, ...seat, ...crank, 0.022);
      this.rod(r, ...crank, ...P(-wb, wr), 0.015);
      this.rod(r, ...seat, ...P(-wb, wr), 0.015);
      this.rod(r, ...head, ...P(wb, wr), 0.018);
      const [hx, hy, hz] = P(0.42, 1.02);
      this.rod(r, hx - rx * 0.28, hy, hz - rz * 0.28, hx + rx * 0.28, hy, hz + rz * 0.28, 0.018);
    }
  }

  private drawRider(
    r: Rasterizer,
    x: number,
    z: number,
    yaw: number,
    look: { h: number; shirt: RGB; pants: RGB; skin: RGB; seed: number },
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
    this.setBrush(r, ID.rider, inst, MAT.cloth, look.seed, look.pants);
    for (const side of [-1, 1]) {
      const ph = pedal + (side > 0 ? 0 : Math.PI);
      const pedalAlong = motor ? 0.1 : Math.cos(ph) * 0.17;
      const pedalY = motor ? 0.45 : 0.32 + Math.sin(ph) * 0.17;
      const knee = P(0.12 + pedalAlong * 0.3, (hipY + pedalY) / 2 + 0.22, side * 0.12);
      this.rod(r, hip[0] + rx * side * 0.1, hip[1], hip[2] + rz * side * 0.1, ...knee, 0.07 * k);
      this.rod(r, ...knee, ...P(pedalAlong, pedalY, side * 0.12), 0.055 * k);
    }
    this.setBrush(r, ID.rider, inst, MAT.cloth, look.seed + 1, look.shirt);
    this.rod(r, ...hip, ...shoulder, 0.17 * k);
    for (const side of [-1, 1]) {
      const sh = P(motor ? 0.05 : 0.18, hipY + 0.5 * k, side * 0.22);
      this.rod(r, ...sh, ...P(0.42, 1.02, side * 0.25), 0.045 * k);
    }
    this.setBrush(r, ID.rider, inst, MAT.cloth, look.seed + 2, motor ? [0.1, 0.1, 0.12] : look.skin);
    const head = P(motor ? 0.1 : 0.25, shoulder[1] + 0.17 * k);
    r.uprightBox(head[0], head[2], yaw, 0.2 * k, 0.23 * k, head[1] - 0.11 * k, head[1] + 0.12 * k);
    this.pts.set([
      x - 0.3,
      0,
      z - 0.3,
      x + 0.3,
      0,
      z - 0.3,
      x + 0.3,
      0,
      z + 0.3,
      x - 0.3,
      0,
      z + 0.3,
      ...shoulder,
    ]);
    r.shadowCaster(this.pts, 5);
  }

  private addBuilding(
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
    const wall = this.facadeColour(rng, style);
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
    const p = this.at(sMid, dMid);
    this.entities.push({
      s: sMid,
      v: 0,
      reach: width,
      draw: (r) =>
        this.drawBuilding(
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

  private addCrossBuilding(
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
    const wall = this.facadeColour(rng, style);
    const seed = rng.int(0, 1e9);
    const p = this.at(s, d);
    const floorH = rng.range(2.9, 3.5);
    const spacing = rng.range(2.2, 3.4);
    this.entities.push({
      s,
      v: 0,
      reach: 10,
      draw: (r) =>
        this.drawBuilding(
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

  private facadeColour(rng: Rng, style: number): RGB {
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

  private drawBuilding(
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
    this.setBrush(r, ID.building, ID.building, MAT.facade, seed, wall, frame);
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
    this.boxShadow(r, x, z, yaw, across, along, height);
  }

  private boxShadow(
    r: Rasterizer,
    x: number,
    z: number,
    yaw: number,
    w: number,
    len: number,
    h: number,
  ): void {
    const rx = Math.cos(yaw) * (w / 2);
    const rz = -Math.sin(yaw) * (w / 2);
    const fx = Math.sin(yaw) * (len / 2);
    const fz = Math.cos(yaw) * (len / 2);
    let n = 0;
    for (const a of [-1, 1]) {
      for (const b of [-1, 1]) {
        for (const y of [0, h]) {
          this.pts[n++] = x + a * rx + b * fx;
          this.pts[n++] = y;
          this.pts[n++] = z + a * rz + b * fz;
        }
      }
    }
    r.shadowCaster(this.pts, 8);
  }

  private addTree(rng: Rng, s: number, d: number): void {
    const trunkH = rng.range(1.8, 3.5);
    const radius = rng.range(1.5, 3.6);
    const canopyY = trunkH + radius * 0.8;
    const green = jitter(rng, rng.pick(GREENS), 0.12);
    const radii: number[] = [];
    for (let i = 0; i < 14; i++) radii.push(rng.range(0.8, 1.1));
    const seed = rng.int(0, 1e9);
    const p = this.at(s, d);
    const bark: RGB = jitter(rng, [0.3, 0.25, 0.2], 0.15);
    this.entities.push({
      s,
      v: 0,
      reach: 4,
      draw: (r, _t, cam) => {
        this.setBrush(r, ID.vegetation, ID.vegetation, MAT.bark, seed, bark);
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
          this.pts[i * 3] = p.x + sx * Math.cos(a) * rr;
          this.pts[i * 3 + 1] = canopyY + Math.sin(a) * rr * 0.9;
          this.pts[i * 3 + 2] = p.z + sz * Math.cos(a) * rr;
        }
        this.setBrush(r, ID.vegetation, ID.vegetation, MAT.foliage, seed + 1, green);
        r.brush.params[7] = radius;
        r.setFrame(p.x, canopyY, p.z, sx, 0, sz, 0, 1, 0);
        r.polygon(this.pts, 14);
        let n = 0;
        for (let i = 0; i < 8; i++) {
          const a = (i / 8) * Math.PI * 2;
          this.pts[n++] = p.x + Math.cos(a) * radius * 0.9;
          this.pts[n++] = canopyY;
          this.pts[n++] = p.z + Math.sin(a) * radius * 0.9;
        }
        this.pts[n++] = p.x;
        this.pts[n++] = 0;
        this.pts[n++] = p.z;
        r.shadowCaster(this.pts, 9);
      },
    });
  }

  private addHedge(rng: Rng, s: number, d: number, len: number): void {
    const h = rng.range(0.8, 1.7);
    const w = rng.range(0.6, 1.1);
    const green = jitter(rng, rng.pick(GREENS), 0.12);
    const seed = rng.int(0, 1e9);
    const p = this.at(s + len / 2, d);
    this.entities.push({
      s,
      v: 0,
      reach: len,
      draw: (r) => {
        this.setBrush(r, ID.vegetation, ID.vegetation, MAT.foliage, seed, green);
        r.uprightBox(p.x, p.z, p.th, w, len, 0, h);
        this.boxShadow(r, p.x, p.z, p.th, w, len, h);
      },
    });
  }

  private addWall(rng: Rng, s0: number, s1: number, d: number, h: number): void {
    const style = rng.pick([0, 1, 2]);
    const colour = this.facadeColour(rng, style);
    const seed = rng.int(0, 1e9);
    const p = this.at((s0 + s1) / 2, d);
    const len = s1 - s0;
    this.entities.push({
      s: s0,
      v: 0,
      reach: len,
      draw: (r) => {
        this.setBrush(r, ID.wall, ID.wall, MAT.facade, seed, colour);
        const pp = r.brush.params;
        pp[6] = style;
        pp[7] = 3;
        pp[8] = 100;
        pp[9] = 0;
        pp[10] = -100;
        r.uprightBox(p.x, p.z, p.th, 0.3, len, 0, h);
        this.boxShadow(r, p.x, p.z, p.th, 0.3, len, h);
      },
    });
  }

  private addFence(rng: Rng, s0: number, s1: number, d: number): void {
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
    const p = this.at((s0 + s1) / 2, d);
    const len = s1 - s0;
    this.entities.push({
      s: s0,
      v: 0,
      reach: len,
      draw: (r) => {
        this.setBrush(r, ID.fence, ID.fence, MAT.fence, seed, colour, this.lotColour[0]);
        r.brush.params[6] = style;
        r.brush.params[7] = h;
        r.uprightBox(p.x, p.z, p.th, 0.05, len, 0, h);
      },
    });
  }

  private addGuardRail(block: Block, d: number, rng: Rng): void {
    const seed = rng.int(0, 1e9);
    const colour: RGB = jitter(rng, [0.62, 0.63, 0.64], 0.08);
    const s0 = block.s0;
    const s1 = block.s1;
    this.entities.push({
      s: (s0 + s1) / 2,
      v: 0,
      reach: (s1 - s0) / 2,
      draw: (r) => {
        this.setBrush(r, ID.guardRail, ID.guardRail, MAT.rail, seed, colour);
        for (let s = s0; s < s1; s += 4) {
          const e = Math.min(s1, s + 4);
          const a = this.atIn(block, s, d);
          const c = this.atIn(block, e, d);
          const mx = (a.x + c.x) / 2;
          const mz = (a.z + c.z) / 2;
          const yaw = Math.atan2(c.x - a.x, c.z - a.z);
          r.uprightBox(mx, mz, yaw, 0.08, Math.hypot(c.x - a.x, c.z - a.z) + 0.02, 0.45, 0.78);
        }
        for (let s = s0; s < s1; s += 2) {
          const a = this.atIn(block, s, d + Math.sign(d) * 0.1);
          r.uprightBox(a.x, a.z, a.th, 0.1, 0.1, 0, 0.72);
        }
      },
    });
  }

  private addPole(rng: Rng, s: number, d: number, h: number, w: number, colour: RGB): void {
    const p = this.at(s, d);
    const c = jitter(rng, colour, 0.1);
    const seed = rng.int(0, 1e9);
    this.entities.push({
      s,
      v: 0,
      reach: 1,
      draw: (r) => {
        this.setBrush(r, ID.pole, ID.pole, MAT.metal, seed, c);
        r.uprightBox(p.x, p.z, p.th, w, w, 0, h);
        this.boxShadow(r, p.x, p.z, p.th, w, w, h);
      },
    });
  }

  private addStreetLight(rng: Rng, s: number, sg: number, dAbs: number): void {
    const h = rng.range(6, 9);
    const p = this.at(s, sg * dAbs);
    const arm = this.at(s, sg * (dAbs - 1.6));
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
    this.entities.push({
      s,
      v: 0,
      reach: 2,
      draw: (r) => {
        this.setBrush(r, ID.pole, ID.pole, MAT.metal, seed, colour);
        r.uprightBox(p.x, p.z, p.th, 0.17, 0.17, 0, h);
        this.rod(r, p.x, h - 0.1, p.z, arm.x, h - 0.1, arm.z, 0.05);
        this.setBrush(r, ID.pole, ID.pole, MAT.lamp, seed + 1, [0.75, 0.75, 0.72]);
        r.uprightBox(arm.x, arm.z, p.th + Math.PI / 2, 0.5, 0.22, h - 0.3, h - 0.08);
        this.boxShadow(r, p.x, p.z, p.th, 0.17, 0.17, h);
        if (this.lighting.night > 0) r.addLight(arm.x, h - 0.4, arm.z, 1.0, 0.8, 0.55, 6.5);
      },
    });
  }

  private addTrafficLight(rng: Rng, s: number, sg: number, dAbs: number, overhead: boolean): void {
    const inst = ID.trafficLight;
    const h = overhead ? rng.range(5.2, 6) : rng.range(2.3, 3.2);
    const p = this.at(s, sg * dAbs);
    const head = overhead ? this.at(s, sg * (dAbs - this.laneW * 0.9)) : p;
    const offset = rng.range(0, 20);
    const seed = rng.int(0, 1e9);
    const yellowBody = rng.chance(0.3);
    this.entities.push({
      s,
      v: 0,
      reach: 2,
      draw: (r, t) => {
        this.setBrush(r, ID.pole, ID.pole, MAT.metal, seed, [0.35, 0.36, 0.36]);
        r.uprightBox(p.x, p.z, p.th, 0.14, 0.14, 0, h + (overhead ? 0.3 : 0));
        if (overhead) this.rod(r, p.x, h + 0.2, p.z, head.x, h + 0.2, head.z, 0.06);
        const phase = (t + offset) % 20;
        const lit = phase < 9 ? 2 : phase < 11 ? 1 : 0;
        this.setBrush(
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

  private addSign(rng: Rng, s: number, sg: number, dAbs: number): void {
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
    const p = this.at(s, sg * dAbs);
    const seed = rng.int(0, 1e9);
    const infoColour = rng.pick<RGB>([
      [0.1, 0.25, 0.6],
      [0.1, 0.4, 0.2],
      [0.9, 0.9, 0.88],
    ]);
    this.entities.push({
      s,
      v: 0,
      reach: 1,
      draw: (r) => {
        this.setBrush(r, ID.pole, ID.pole, MAT.metal, seed, [0.55, 0.56, 0.57]);
        r.uprightBox(p.x, p.z, p.th, 0.07, 0.07, 0, h);
        // plate faces approaching traffic on the right side; on the left the camera sees its back
        const fx = Math.sin(p.th) * sg;
        const fz = Math.cos(p.th) * sg;
        const rx = Math.cos(p.th);
        const rz = -Math.sin(p.th);
        const cy = h + rad;
        const n = this.plateOutline(shape, rad);
        for (const [offset, front] of [
          [-0.012, true],
          [0.012, false],
        ] as const) {
          const cx = p.x + fx * offset;
          const cz = p.z + fz * offset;
          for (let i = 0; i < n; i++) {
            const u = this.outline[i * 2]!;
            const v = this.outline[i * 2 + 1]!;
            this.pts[i * 3] = cx + rx * u;
            this.pts[i * 3 + 1] = cy + v;
            this.pts[i * 3 + 2] = cz + rz * u;
          }
          if (front) {
            this.setBrush(r, ID.trafficSign, ID.trafficSign, MAT.sign, seed + 1, infoColour);
            r.brush.params[6] = design;
            r.brush.params[7] = rad;
          } else this.setBrush(r, ID.trafficSign, ID.trafficSign, MAT.metal, seed + 2, [0.5, 0.5, 0.5]);
          r.setFrame(cx, cy, cz, rx, 0, rz, 0, 1, 0);
          r.polygon(this.pts, n);
        }
      },
    });
  }

  private readonly outline = new Float64Array(64);

  private plateOutline(shape: string, rad: number): number {
    const o = this.outline;
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
}
