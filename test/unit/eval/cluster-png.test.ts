import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeClusterPng, readClusterPng, readGrayPng } from '../../../main/engine/eval/cluster-png.js';
import { tempDir } from '../../helpers/temp-workspace.js';

const tmp = tempDir('cs-eval-png-');
afterAll(() => tmp.cleanup());

describe('cluster and label PNG readers', () => {
  it('round-trips 8-bit and 16-bit cluster maps exactly', async () => {
    const W = 37;
    const H = 11;
    const small = new Uint8Array(W * H).map((_, i) => (i * 7) % 200);
    const big = new Uint16Array(W * H).map((_, i) => (i * 911) % 60000);
    const f8 = path.join(tmp.dir, 'c8.png');
    const f16 = path.join(tmp.dir, 'c16.png');
    fs.writeFileSync(f8, await encodeClusterPng({ data: small, width: W, height: H }));
    fs.writeFileSync(f16, await encodeClusterPng({ data: big, width: W, height: H }));
    // one grey channel as stored, read from the IHDR bytes: bit depth 8 / 16, colour type 0
    expect([...fs.readFileSync(f8).subarray(24, 26)]).toEqual([8, 0]);
    expect([...fs.readFileSync(f16).subarray(24, 26)]).toEqual([16, 0]);
    const a = await readClusterPng(f8);
    const b = await readClusterPng(f16);
    expect([a.width, a.height, b.width, b.height]).toEqual([W, H, W, H]);
    expect(Array.from(a.data)).toEqual(Array.from(small));
    expect(b.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(b.data)).toEqual(Array.from(big));
  });

  it('reads the first channel of an RGB-encoded map (what sharp writes for one raw channel)', async () => {
    const v = Uint8Array.from([0, 5, 250, 7]);
    const file = path.join(tmp.dir, 'rgb.png');
    fs.writeFileSync(file, await sharp(Buffer.from(v), { raw: { width: 2, height: 2, channels: 1 } }).toColourspace('srgb').png().toBuffer());
    expect(Array.from((await readGrayPng(file)).data)).toEqual([0, 5, 250, 7]);
  });

  it('names the file when a cluster map is missing or not a PNG', async () => {
    await expect(readClusterPng(path.join(tmp.dir, 'none.png'))).rejects.toThrow(/none\.png: cannot read cluster map \(ENOENT\)/);
    const junk = path.join(tmp.dir, 'junk.png');
    fs.writeFileSync(junk, 'not an image at all, just text that is long enough');
    await expect(readClusterPng(junk)).rejects.toThrow(/junk\.png: cluster map cannot be decoded/);
  });
});
