// The player's own decoder for 16-bit cluster maps (K > 256): the values it returns are the ids the
// engine wrote, for every PNG row filter sharp picks, and 8-bit maps are left to the browser.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeClusterMap } from '../../../main/engine/cause/prediction-png.js';
import { decodeGray16Png, isGray16Png } from '../../../renderer/src/lib/png-gray16.js';

function ids(width: number, height: number, k: number): Uint16Array {
  const out = new Uint16Array(width * height);
  let s = 7;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    // Runs of equal ids next to noise, so sharp's adaptive filtering uses several filter types.
    out[i] = (i % 97 < 40 ? Math.floor(i / 97) * 13 : s >>> 8) % k;
  }
  return out;
}

describe('16-bit cluster map decoding', () => {
  it('returns the ids the engine wrote for K = 300 and K = 1024', async () => {
    for (const [w, h, k] of [[37, 23, 300], [128, 64, 1024], [1, 1, 300]] as const) {
      const want = ids(w, h, k);
      want[0] = k - 1; // the largest id is present
      const png = new Uint8Array(await encodeClusterMap(want, w, h, k));
      expect(isGray16Png(png)).toBe(true);
      const got = await decodeGray16Png(png);
      expect([got.width, got.height]).toEqual([w, h]);
      expect(Array.from(got.ids)).toEqual(Array.from(want));
    }
  });

  it('decodes every row filter (none, sub, up, average, paeth)', async () => {
    // sharp writes filters 0, 1 and 3 at most: a PNG with each of the five on its own rows, built here.
    const [w, h] = [50, 20];
    const want = ids(w, h, 700);
    const stride = w * 2;
    const rows = new Uint8Array(h * stride);
    for (let i = 0; i < want.length; i++) [rows[i * 2], rows[i * 2 + 1]] = [want[i]! >> 8, want[i]! & 0xff];
    const filtered = new Uint8Array(h * (stride + 1));
    for (let y = 0; y < h; y++) {
      const f = y % 5;
      filtered[y * (stride + 1)] = f;
      for (let x = 0; x < stride; x++) {
        const v = rows[y * stride + x]!;
        const a = x >= 2 ? rows[y * stride + x - 2]! : 0;
        const b = y > 0 ? rows[(y - 1) * stride + x]! : 0;
        const c = x >= 2 && y > 0 ? rows[(y - 1) * stride + x - 2]! : 0;
        const p = a + b - c;
        const pred = [0, a, b, (a + b) >> 1, Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c][f]!;
        filtered[y * (stride + 1) + 1 + x] = (v - pred) & 0xff;
      }
    }
    const chunk = (type: string, data: Uint8Array) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      return Buffer.concat([len, Buffer.from(type, 'ascii'), data, Buffer.alloc(4)]); // the decoder skips CRCs
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(w, 0);
    ihdr.writeUInt32BE(h, 4);
    ihdr.set([16, 0, 0, 0, 0], 8);
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', zlib.deflateSync(filtered)),
      chunk('IEND', new Uint8Array(0)),
    ]);
    expect(Array.from((await decodeGray16Png(new Uint8Array(png))).ids)).toEqual(Array.from(want));
  });

  it('leaves 8-bit maps to the browser and refuses what is not a 16-bit gray PNG', async () => {
    const small = new Uint8Array(await encodeClusterMap(Uint16Array.from([1, 2, 3, 4]), 2, 2, 27));
    expect(isGray16Png(small)).toBe(false);
    await expect(decodeGray16Png(small)).rejects.toThrow(/not a 16-bit gray PNG/);
    expect(isGray16Png(new Uint8Array([1, 2, 3]))).toBe(false);
  });
});
