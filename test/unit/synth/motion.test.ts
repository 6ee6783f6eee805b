// The evaluation-only motion channel: frame t−1 warped along the exported motion must reproduce frame t
// (labels almost everywhere the motion is valid, RGB far better than no warp), and adding the channel
// leaves the images and labels as they were.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { framePaths, generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { decodeMotion, motionPathForImage } from '../../../main/engine/synth/motion.js';
import { readGray8, readRgb, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

describe('SynthDrive motion channel', () => {
  it('warping frame t−1 along the motion reproduces frame t', async () => {
    const out = tempDir();
    await generateSynthDrive({ out, sequences: 1, frames: 3, width: 320, height: 160, seed: 11, weather: 'clear', split: 'val' });
    const p0 = framePaths(out, 'val', 0, 0);
    const p1 = framePaths(out, 'val', 0, 1);
    const p2 = framePaths(out, 'val', 0, 2);
    expect(motionPathForImage(p2.image)).toBe(p2.motion);
    const first = decodeMotion(fs.readFileSync(p0.motion));
    expect(Array.from(first.u).every((x) => Number.isNaN(x))).toBe(true);
    const m = decodeMotion(fs.readFileSync(p2.motion));
    const [l1, l2, c1, c2] = await Promise.all([readGray8(p1.labelIds), readGray8(p2.labelIds), readRgb(p1.image), readRgb(p2.image)]);
    const { width: W, height: H } = m;
    expect([W, H]).toEqual([320, 160]);
    let valid = 0;
    let labelAgree = 0;
    let stillAgree = 0;
    let moved = 0;
    let warpErr = 0;
    let stillErr = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        if (Number.isNaN(m.u[i]!)) continue;
        const qx = Math.round(x + m.u[i]!);
        const qy = Math.round(y + m.v[i]!);
        expect(qx >= 0 && qy >= 0 && qx < W && qy < H).toBe(true);
        const q = qy * W + qx;
        valid++;
        if (Math.hypot(m.u[i]!, m.v[i]!) > 1) moved++;
        if (l1.data[q] === l2.data[i]) labelAgree++;
        if (l1.data[i] === l2.data[i]) stillAgree++;
        for (let c = 0; c < 3; c++) {
          warpErr += Math.abs(c1.data[q * 3 + c]! - c2.data[i * 3 + c]!);
          stillErr += Math.abs(c1.data[i * 3 + c]! - c2.data[i * 3 + c]!);
        }
      }
    }
    // most of the frame has a true answer, and the camera moved (the test would pass on zeros otherwise)
    expect(valid / (W * H)).toBeGreaterThan(0.6);
    expect(moved / valid).toBeGreaterThan(0.3);
    expect(labelAgree / valid).toBeGreaterThan(0.98);
    expect(labelAgree).toBeGreaterThan(stillAgree);
    expect(warpErr).toBeLessThan(stillErr * 0.6);
  });
});
