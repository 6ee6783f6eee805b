import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { encodePng } from '../../../main/engine/synth/png.js';
import { readGray16, readGray8, readRgb, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

describe('encodePng', () => {
  const W = 37;
  const H = 11;
  const dir = tempDir();

  it('round-trips 8-bit grey, RGB and 16-bit grey through an independent decoder', async () => {
    const g = new Uint8Array(W * H).map((_, i) => (i * 7) & 255);
    const rgb = new Uint8Array(W * H * 3).map((_, i) => (i * 13 + (i >> 5)) & 255);
    const g16 = new Uint16Array(W * H).map((_, i) => (i * 997) & 0xffff);
    fs.writeFileSync(path.join(dir, 'g.png'), encodePng('gray8', W, H, g));
    fs.writeFileSync(path.join(dir, 'rgb.png'), encodePng('rgb8', W, H, rgb));
    fs.writeFileSync(path.join(dir, 'g16.png'), encodePng('gray16', W, H, g16));
    const a = await readGray8(path.join(dir, 'g.png'));
    expect([a.width, a.height]).toEqual([W, H]);
    expect(Array.from(a.data)).toEqual(Array.from(g));
    const b = await readRgb(path.join(dir, 'rgb.png'));
    expect(b.channels).toBe(3);
    expect(Array.from(b.data)).toEqual(Array.from(rgb));
    const c = await readGray16(path.join(dir, 'g16.png'));
    expect(Array.from(c.data)).toEqual(Array.from(g16));
  });

  it('is deterministic and rejects a wrong sample count', () => {
    const rgb = new Uint8Array(W * H * 3).map((_, i) => i & 255);
    expect(encodePng('rgb8', W, H, rgb).equals(encodePng('rgb8', W, H, rgb))).toBe(true);
    expect(() => encodePng('rgb8', W, H, new Uint8Array(5))).toThrow(/expected 1221 samples/);
  });
});
