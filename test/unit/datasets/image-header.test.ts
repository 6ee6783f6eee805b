import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { readImageHeader } from '../../../main/engine/images/image-header.js';
import { readImageRGB, readLabelMap } from '../../../main/engine/images/decode.js';
import { decodePngLabel } from '../../../main/engine/images/png-label.js';
import { encodePalettePng } from '../../../main/engine/images/png-palette.js';
import { tempDir } from '../../helpers/temp-workspace.js';
import { truncate, writeLabel, writeRgb } from './fixtures.js';

const tmp = tempDir('cs-img-');
afterAll(() => tmp.cleanup());
const f = (name: string) => path.join(tmp.dir, name);
const readImageHeaderOf = (png: Buffer) => {
  fs.writeFileSync(f('probe.png'), png);
  const h = readImageHeader(f('probe.png'));
  if (!h.ok) throw new Error(h.message);
  return h.header;
};

describe('image headers', () => {
  it('reads PNG and JPEG sizes without decoding', async () => {
    await writeRgb(f('a.png'), 37, 19);
    await writeRgb(f('a.jpg'), 41, 23, 1, 'jpg');
    const png = readImageHeader(f('a.png'));
    const jpg = readImageHeader(f('a.jpg'));
    expect(png.ok && png.header).toMatchObject({ format: 'png', width: 37, height: 19, bitDepth: 8, colorType: 2 });
    expect(jpg.ok && jpg.header).toMatchObject({ format: 'jpeg', width: 41, height: 23, channels: 3 });
    if (png.ok) expect(png.header.size).toBe(fs.statSync(f('a.png')).size);
  });

  it('finds the JPEG frame header behind an ICC profile segment', async () => {
    await sharp(Buffer.alloc(30 * 20 * 3, 90), { raw: { width: 30, height: 20, channels: 3 } })
      .withMetadata({ icc: 'p3' })
      .jpeg()
      .toFile(f('icc.jpg'));
    const h = readImageHeader(f('icc.jpg'));
    expect(h.ok && [h.header.width, h.header.height]).toEqual([30, 20]);
  });

  it('detects truncated PNG and JPEG files and says why', async () => {
    await writeRgb(f('t.png'), 64, 64);
    await writeRgb(f('t.jpg'), 64, 64, 2, 'jpg');
    truncate(f('t.png'), 0.9);
    truncate(f('t.jpg'), 0.9);
    const p = readImageHeader(f('t.png'));
    const j = readImageHeader(f('t.jpg'));
    expect(p).toMatchObject({ ok: false, reason: 'truncated' });
    expect(!p.ok && p.message).toMatch(/no IEND/);
    expect(j).toMatchObject({ ok: false, reason: 'truncated' });
    expect(!j.ok && j.message).toMatch(/end-of-image/);
    // a file cut inside its header
    fs.writeFileSync(f('h.png'), fs.readFileSync(f('a.png')).subarray(0, 20));
    expect(readImageHeader(f('h.png'))).toMatchObject({ ok: false, reason: 'truncated' });
  });

  it('accepts a JPEG with a large trailer after its end marker, and not a cut one with an EXIF thumbnail', async () => {
    const jpg = await sharp(Buffer.alloc(64 * 48 * 3, 120), { raw: { width: 64, height: 48, channels: 3 } }).jpeg().toBuffer();
    fs.writeFileSync(f('trailer.jpg'), Buffer.concat([jpg, Buffer.alloc(200_000, 0x20)]));
    expect(readImageHeader(f('trailer.jpg')).ok).toBe(true);
    // an APP1 segment holding a thumbnail (its own FF D8 … FF D9) before the frame header, then a cut file
    const thumb = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(20, 1), Buffer.from([0xff, 0xd9])]);
    const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, 0, thumb.length + 2]), thumb]);
    const withThumb = Buffer.concat([jpg.subarray(0, 2), app1, jpg.subarray(2)]);
    fs.writeFileSync(f('thumb.jpg'), withThumb);
    expect(readImageHeader(f('thumb.jpg')).ok).toBe(true);
    fs.writeFileSync(f('thumb-cut.jpg'), withThumb.subarray(0, withThumb.length - 40));
    expect(readImageHeader(f('thumb-cut.jpg'))).toMatchObject({ ok: false, reason: 'truncated' });
  });

  it('rejects empty, missing and non-image files', () => {
    fs.writeFileSync(f('empty.png'), '');
    fs.writeFileSync(f('text.png'), 'hello, not an image');
    expect(readImageHeader(f('empty.png'))).toMatchObject({ ok: false, reason: 'truncated' });
    expect(readImageHeader(f('text.png'))).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(readImageHeader(f('missing.png'))).toMatchObject({ ok: false, reason: 'unreadable' });
  });
});

describe('label map decoding', () => {
  it('returns exact gray values on every PNG row filter (matches libvips)', async () => {
    const W = 97;
    const H = 61;
    const data = Buffer.alloc(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = (x * x + 3 * y + ((x * y) % 7)) % 34;
    // adaptive filtering makes libpng use all five filter types across rows; gray (bpp 1) and RGB (bpp 3)
    const png = await sharp(data, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').png({ adaptiveFiltering: true }).toBuffer();
    expect(readImageHeaderOf(png).colorType).toBe(0);
    const ours = decodePngLabel(png);
    expect([ours.width, ours.height]).toEqual([W, H]);
    expect(Buffer.from(ours.data).equals(data)).toBe(true);
    const rgb = await sharp(data, { raw: { width: W, height: H, channels: 1 } }).png({ adaptiveFiltering: true }).toBuffer();
    expect(readImageHeaderOf(rgb).colorType).toBe(2);
    expect(Buffer.from(decodePngLabel(rgb).data).equals(data)).toBe(true);
  });

  it('returns palette indices, not colours', async () => {
    // 2-colour palette PNG at bit depth 1, written by hand: index = x % 2
    const W = 10;
    const H = 3;
    const zlib = await import('node:zlib');
    const rows = Buffer.alloc((1 + 2) * H);
    for (let y = 0; y < H; y++) {
      rows[y * 3] = 0;
      rows[y * 3 + 1] = 0b01010101;
      rows[y * 3 + 2] = 0b01000000;
    }
    const chunk = (type: string, body: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(body.length);
      return Buffer.concat([len, Buffer.from(type, 'latin1'), body, Buffer.alloc(4)]); // CRC unchecked by the decoder
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(W, 0);
    ihdr.writeUInt32BE(H, 4);
    ihdr[8] = 1;
    ihdr[9] = 3;
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('PLTE', Buffer.from([255, 0, 0, 0, 255, 0])),
      chunk('IDAT', zlib.deflateSync(rows)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    const m = decodePngLabel(png);
    expect([...m.data.subarray(0, W)]).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
  });

  it('takes the first channel of an RGB label map', async () => {
    const W = 5;
    const H = 2;
    const data = Buffer.alloc(W * H * 3);
    for (let i = 0; i < W * H; i++) data.set([i + 10, 200, 100], i * 3);
    await sharp(data, { raw: { width: W, height: H, channels: 3 } }).png().toFile(f('rgb-label.png'));
    const m = await readLabelMap(f('rgb-label.png'));
    expect([...m.data]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('names the file when a label map is truncated or not a PNG', async () => {
    await writeLabel(f('l.png'), 50, 40, [1, 2, 3]);
    truncate(f('l.png'), 0.6);
    await expect(readLabelMap(f('l.png'))).rejects.toThrow(new RegExp(`^${f('l.png')}: label map cannot be decoded: truncated`));
    await writeRgb(f('l.jpg'), 8, 8, 1, 'jpg');
    await expect(readLabelMap(f('l.jpg'))).rejects.toThrow(/l\.jpg: label maps must be PNG/);
  });
});

describe('palette PNG writer', () => {
  it('writes class ids as indices and protocol colours as the palette (valid for libpng)', async () => {
    const indices = Uint8Array.from([0, 1, 2, 255, 1, 0]);
    const palette = new Uint8Array(256 * 3);
    palette.set([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const png = encodePalettePng(indices, 3, 2, palette);
    expect([...decodePngLabel(png).data]).toEqual([...indices]);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    expect([...data]).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 0, 0, 0, 40, 50, 60, 10, 20, 30]);
  });
});

describe('readImageRGB', () => {
  it('decodes to packed RGB, expanding gray and dropping alpha', async () => {
    await writeLabel(f('gray.png'), 4, 2, [9]);
    const g = await readImageRGB(f('gray.png'));
    expect([g.width, g.height, g.data.length]).toEqual([4, 2, 24]);
    expect([...g.data.subarray(0, 3)]).toEqual([9, 9, 9]);
    await sharp(Buffer.from([1, 2, 3, 255, 4, 5, 6, 0]), { raw: { width: 2, height: 1, channels: 4 } }).png().toFile(f('rgba.png'));
    expect([...(await readImageRGB(f('rgba.png'))).data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('fails with the file name on a corrupt or missing image', async () => {
    await writeRgb(f('c.png'), 64, 64);
    truncate(f('c.png'), 0.5);
    await expect(readImageRGB(f('c.png'))).rejects.toThrow(new RegExp(`^${f('c.png')}: image cannot be decoded`));
    await expect(readImageRGB(f('nope.png'))).rejects.toThrow(/nope\.png: image file is missing/);
  });
});
