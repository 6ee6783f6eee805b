// SynthDrive's motion channel, for evaluation only (nothing in training reads it): for every pixel of
// frame t, where the same surface point was in frame t−1, from the geometry the renderer knows — the
// pixel's depth, the two camera poses. Pixels without a true answer are marked invalid: frame 0, surfaces
// of moving entities (traffic, walkers; their own motion is not modelled here), and points hidden in
// frame t−1 (a depth test against frame t−1's depth buffer) or outside it.
//
// File: `motion/<split>/synthdrive/<stem>_motion.bin` beside leftImg8bit/ and gtFine/ (which stay
// byte-identical): "SDMO", u16 version, u16 width, u16 height, u16 scale, then deflated int16 (u, v)
// pairs in 1/scale pixels, INVALID where unknown. Offsets are in pixel-index coordinates: pixel (x, y)
// of frame t shows what pixel (x + u, y + v) of frame t−1 showed.
import path from 'node:path';
import zlib from 'node:zlib';
import type { CameraPose } from './raster.js';
import { cameraRotation } from './raster/camera.js';

export const MOTION_SCALE = 32;
export const MOTION_INVALID = -32768;
const MAGIC = 'SDMO';
const VERSION = 1;
/** Relative depth disagreement above which the point counts as hidden in frame t−1. */
const OCCLUSION_TOLERANCE = 0.03;

export interface MotionField {
  readonly width: number;
  readonly height: number;
  /** Offset to frame t−1 per pixel; NaN where invalid. */
  readonly u: Float32Array;
  readonly v: Float32Array;
}

/** Where the motion file of a frame lives, from the output folder or from the frame's image path. */
export function motionPath(out: string, split: string, city: string, stem: string): string {
  return path.join(out, 'motion', split, city, `${stem}_motion.bin`);
}

/** `<root>/leftImg8bit/<split>/<city>/<stem>_leftImg8bit.png` → its motion file (null for other layouts). */
export function motionPathForImage(imagePath: string): string | null {
  const m = /^(.*)[\\/]leftImg8bit[\\/]([^\\/]+)[\\/]([^\\/]+)[\\/]([^\\/]+)_leftImg8bit\.png$/.exec(imagePath);
  return m ? motionPath(m[1]!, m[2]!, m[3]!, m[4]!) : null;
}

export interface DepthSnapshot {
  readonly cam: CameraPose;
  readonly invz: Float32Array;
  readonly prim: Int32Array;
  /** 1 for primitive ids drawn by moving entities. */
  readonly moving: Uint8Array;
}

/** Backward motion of frame `cur` to frame `prev` (null prev = first frame: all invalid). */
export function computeMotion(prev: DepthSnapshot | null, cur: DepthSnapshot, width: number, height: number): MotionField {
  const n = width * height;
  const u = new Float32Array(n).fill(Number.NaN);
  const v = new Float32Array(n).fill(Number.NaN);
  if (!prev) return { width, height, u, v };
  const R = new Float64Array(9);
  const Rp = new Float64Array(9);
  cameraRotation(cur.cam, R);
  cameraRotation(prev.cam, Rp);
  const c = cur.cam;
  const p = prev.cam;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const id = cur.prim[i]!;
      if (id >= 0 && cur.moving[id]) continue;
      const iz = cur.invz[i]!;
      const sky = id < 0 || iz <= 0;
      // camera ray of the pixel centre (z = 1), then the world point (or direction for the sky)
      const xn = (x + 0.5 - c.cx) / c.f;
      const yn = (y + 0.5 - c.cy) / c.f;
      const z = sky ? 1 : 1 / iz;
      const cx = xn * z;
      const cy = yn * z;
      // world = Rᵀ·camera (+ camera position for points)
      let wx = R[0]! * cx + R[3]! * cy + R[6]! * z;
      let wy = R[1]! * cx + R[4]! * cy + R[7]! * z;
      let wz = R[2]! * cx + R[5]! * cy + R[8]! * z;
      if (!sky) {
        wx += c.x - p.x;
        wy += c.y - p.y;
        wz += c.z - p.z;
      }
      const px = Rp[0]! * wx + Rp[1]! * wy + Rp[2]! * wz;
      const py = Rp[3]! * wx + Rp[4]! * wy + Rp[5]! * wz;
      const pz = Rp[6]! * wx + Rp[7]! * wy + Rp[8]! * wz;
      if (pz <= 1e-6) continue;
      const sx = p.cx + (p.f * px) / pz - 0.5;
      const sy = p.cy + (p.f * py) / pz - 0.5;
      const qx = Math.round(sx);
      const qy = Math.round(sy);
      if (qx < 0 || qy < 0 || qx >= width || qy >= height) continue;
      const q = qy * width + qx;
      const prevId = prev.prim[q]!;
      const prevIz = prev.invz[q]!;
      if (sky) {
        if (prevId >= 0) continue;
      } else {
        if (prevId < 0 || prev.moving[prevId] || Math.abs(prevIz * pz - 1) > OCCLUSION_TOLERANCE) continue;
      }
      u[i] = sx - x;
      v[i] = sy - y;
    }
  }
  return { width, height, u, v };
}

export function encodeMotion(m: MotionField): Buffer {
  const q = new Int16Array(m.width * m.height * 2);
  for (let i = 0; i < m.width * m.height; i++) {
    const a = m.u[i]!;
    const b = m.v[i]!;
    const ok = Number.isFinite(a) && Number.isFinite(b) && Math.abs(a) * MOTION_SCALE < 32767 && Math.abs(b) * MOTION_SCALE < 32767;
    q[2 * i] = ok ? Math.round(a * MOTION_SCALE) : MOTION_INVALID;
    q[2 * i + 1] = ok ? Math.round(b * MOTION_SCALE) : MOTION_INVALID;
  }
  const head = Buffer.alloc(12);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt16LE(VERSION, 4);
  head.writeUInt16LE(m.width, 6);
  head.writeUInt16LE(m.height, 8);
  head.writeUInt16LE(MOTION_SCALE, 10);
  const body = Buffer.from(q.buffer, q.byteOffset, q.byteLength);
  return Buffer.concat([head, zlib.deflateSync(body, { level: 6 })]);
}

export function decodeMotion(buf: Buffer, file = 'motion file'): MotionField {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== MAGIC) throw new Error(`${file}: not a SynthDrive motion file`);
  if (buf.readUInt16LE(4) !== VERSION) throw new Error(`${file}: motion format version ${buf.readUInt16LE(4)} is not ${VERSION}`);
  const width = buf.readUInt16LE(6);
  const height = buf.readUInt16LE(8);
  const scale = buf.readUInt16LE(10);
  const raw = zlib.inflateSync(buf.subarray(12));
  if (raw.length !== width * height * 4) throw new Error(`${file}: ${raw.length} bytes of motion for ${width}×${height}`);
  const q = new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  const u = new Float32Array(width * height);
  const v = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const a = q[2 * i]!;
    const b = q[2 * i + 1]!;
    u[i] = a === MOTION_INVALID ? Number.NaN : a / scale;
    v[i] = b === MOTION_INVALID ? Number.NaN : b / scale;
  }
  return { width, height, u, v };
}
