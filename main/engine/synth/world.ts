// One SynthDrive sequence: a street network generated from (seed, sequence), the objects on it, the
// traffic that moves through it, and the camera that drives along it. Every frame is a pure function
// of (world, frame index): nothing accumulates between frames, so any frame can be rendered alone — the
// generator relies on that to resume a killed run at the first missing frame.
//
// This file is the sequence's front door; the rooms behind it are in world/ (see the README). The order
// of the random draws below is part of the output: it is what makes a (seed, sequence) the same world.
import { Rng, hash3 } from './noise.js';
import type { CameraPose, Lighting, Rasterizer } from './raster.js';
import { pickWeather, weatherLighting, type Weather, type WeatherOption } from './weather.js';
import { cameraPose, drawEgoDrive, FRAME_INTERVAL, type EgoDrive } from './world/camera-path.js';
import { drawGroundLook } from './world/geometry/ground.js';
import { populate } from './world/placement.js';
import { DRAW_AHEAD, renderFrame } from './world/render-list.js';
import { RoadNetwork } from './world/road-network.js';
import { Scene } from './world/scene.js';
import { drawStreetLayout } from './world/street-layout.js';

export { FRAME_INTERVAL, HORIZONTAL_FOV_DEG } from './world/camera-path.js';
export { ID } from './world/label-ids.js';

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

export class SynthSequence {
  readonly weather: Weather;
  readonly lighting: Lighting;
  readonly spec: SequenceSpec;
  private readonly ego: EgoDrive;
  private readonly scene: Scene;

  constructor(spec: SequenceSpec) {
    this.spec = spec;
    const root = new Rng(hash3(spec.seed, spec.sequence, 0x51d));
    const weatherRng = root.fork(1);
    this.weather = pickWeather(spec.weather, weatherRng);
    this.lighting = { ...weatherLighting(this.weather, weatherRng), ...spec.lightingOverride };
    const rng = root.fork(2);
    const layout = drawStreetLayout(rng);
    this.ego = drawEgoDrive(rng, layout);
    const look = drawGroundLook(rng, spec.seed, spec.sequence);
    const travel = this.ego.v * FRAME_INTERVAL * Math.max(1, spec.frames);
    // the street runs past the last camera position by the culling window and a margin
    const road = new RoadNetwork(rng.fork(3), this.ego.s0 + travel + DRAW_AHEAD + 60, layout);
    this.scene = new Scene(road, layout, look, this.lighting);
    populate(this.scene, this.ego, rng.fork(4), travel);
  }

  camera(frame: number): CameraPose {
    return cameraPose(this.ego, this.scene.road, this.spec.width, this.spec.height, frame);
  }

  /** Image row of the horizon for a frame (a pixel row index may be fractional). */
  horizonRow(frame: number): number {
    const c = this.camera(frame);
    return c.cy - c.f * Math.tan(c.pitch);
  }

  /** `onMoving` hears the primitive ids each moving entity drew (for the motion channel). */
  render(r: Rasterizer, frame: number, onMoving?: (first: number, end: number) => void): void {
    renderFrame(r, this.scene, this.ego, this.camera(frame), frame * FRAME_INTERVAL, onMoving);
  }
}
