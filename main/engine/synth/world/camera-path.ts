// The ego vehicle's drive and the camera on it: a constant speed along the inner lane of our direction,
// with a slow lateral drift and small body motion so consecutive frames are not exact translations.
import type { Rng } from '../noise.js';
import type { CameraPose } from '../raster.js';
import type { RoadNetwork } from './road-network.js';
import type { StreetLayout } from './street-layout.js';

/** Seconds between frames (5 Hz): far enough apart that a 30-frame sequence covers a street block. */
export const FRAME_INTERVAL = 0.2;
/** Horizontal field of view of the camera, degrees (a typical automotive front camera). */
export const HORIZONTAL_FOV_DEG = 62;

export interface EgoDrive {
  /** Arc length of the camera at t = 0. */
  readonly s0: number;
  /** Speed along the street, m/s. */
  readonly v: number;
  /** Lateral offset of the lane followed. */
  readonly d: number;
  /** Camera height above the ground. */
  readonly camH: number;
  /** Phase of the drift and body motion. */
  readonly wobble: number;
}

export function drawEgoDrive(rng: Rng, layout: StreetLayout): EgoDrive {
  const v = rng.range(6.5, 11);
  const s0 = 30;
  const d = layout.laneW * 0.5; // the inner lane of our direction
  const camH = rng.range(1.42, 1.6);
  const wobble = rng.range(0, 100);
  return { s0, v, d, camH, wobble };
}

/** The camera of frame `frame` for an image of width × height pixels. */
export function cameraPose(
  ego: EgoDrive,
  road: RoadNetwork,
  width: number,
  height: number,
  frame: number,
): CameraPose {
  const t = frame * FRAME_INTERVAL;
  const s = ego.s0 + ego.v * t;
  const w = ego.wobble;
  const d = ego.d + 0.18 * Math.sin(0.35 * t + w);
  const p = road.at(s, d);
  const f = width / 2 / Math.tan(((HORIZONTAL_FOV_DEG / 2) * Math.PI) / 180);
  return {
    x: p.x,
    z: p.z,
    y: ego.camH + 0.012 * Math.sin(3.1 * t + w),
    yaw: p.th + 0.012 * Math.sin(0.8 * t + 2 * w),
    pitch: 0.03 + 0.006 * Math.sin(2.3 * t + 3 * w),
    f,
    cx: width / 2,
    cy: height / 2,
  };
}
