// A fast decoder for the PNGs evaluation reads by the hundred: label maps (8-bit; gray value, palette
// index, or the first channel of RGB(A)) and cluster maps (8-bit, or 16-bit gray). Inflate runs on
// libuv's thread pool (async zlib), so decoding the next frame overlaps the histogram loop of this one;
// unfiltering is one pass over typed arrays. Anything else (interlaced, low bit depths, 16-bit colour)
// returns null and the caller falls back to the general decoders.
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const inflate = promisify(zlib.inflate);

export interface GrayPng {
  readonly data: Uint8Array | Uint16Array;
  readonly width: number;
  readonly height: number;
}

/** Throws Error with what is wrong (the caller names the file); null = not a format handled here. */
export async function decodeGrayPng(buf: Uint8Array): Promise<GrayPng | null> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 33 || view.getUint32(0) !== 0x89504e47 || view.getUint32(4) !== 0x0d0a1a0a) throw new Error('not a PNG file');
  let pos = 8;
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colorType = -1;
  let interlace = 0;
  const idat: Uint8Array[] = [];
  let idatLength = 0;
  let ended = false;
  while (pos + 8 <= buf.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(buf[pos + 4]!, buf[pos + 5]!, buf[pos + 6]!, buf[pos + 7]!);
    const start = pos + 8;
    if (start + len + 4 > buf.length) throw new Error(`truncated inside chunk ${type}`);
    if (type === 'IHDR') {
      width = view.getUint32(start);
      height = view.getUint32(start + 4);
      bitDepth = buf[start + 8]!;
      colorType = buf[start + 9]!;
      interlace = buf[start + 12]!;
    } else if (type === 'IDAT') {
      idat.push(buf.subarray(start, start + len));
      idatLength += len;
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    pos = start + len + 4;
  }
  if (!ended) throw new Error('truncated: no IEND chunk');
  if (width === 0 || height === 0) throw new Error('missing or empty IHDR');
  // 8-bit: gray, palette (index), RGB, gray+alpha, RGBA — the first channel is the value, as in
  // frame-source's label decoder. 16-bit: gray only (cluster maps with K > 256).
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (channels === undefined || interlace !== 0) return null;
  if (!(bitDepth === 8 || (bitDepth === 16 && colorType === 0))) return null;
  const joined = new Uint8Array(idatLength);
  let o = 0;
  for (const c of idat) {
    joined.set(c, o);
    o += c.length;
  }
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(await inflate(joined));
  } catch (e) {
    throw new Error(`corrupt image data (${(e as Error).message})`);
  }
  const bpp = (channels * bitDepth) / 8; // bytes per pixel
  const stride = width * bpp;
  if (raw.length < (stride + 1) * height) throw new Error('truncated image data');
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const up = dst - stride;
    switch (filter) {
      case 0:
        px.set(raw.subarray(src, src + stride), dst);
        break;
      case 1:
        for (let x = 0; x < stride; x++) px[dst + x] = (raw[src + x]! + (x >= bpp ? px[dst + x - bpp]! : 0)) & 255;
        break;
      case 2:
        for (let x = 0; x < stride; x++) px[dst + x] = (raw[src + x]! + (y > 0 ? px[up + x]! : 0)) & 255;
        break;
      case 3:
        for (let x = 0; x < stride; x++) {
          const a = x >= bpp ? px[dst + x - bpp]! : 0;
          const b = y > 0 ? px[up + x]! : 0;
          px[dst + x] = (raw[src + x]! + ((a + b) >> 1)) & 255;
        }
        break;
      case 4:
        for (let x = 0; x < stride; x++) {
          const a = x >= bpp ? px[dst + x - bpp]! : 0;
          const b = y > 0 ? px[up + x]! : 0;
          const c = x >= bpp && y > 0 ? px[up + x - bpp]! : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          px[dst + x] = (raw[src + x]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
        }
        break;
      default:
        throw new Error(`unknown PNG filter ${filter} on row ${y}`);
    }
  }
  if (bpp === 1) return { data: px, width, height };
  if (bitDepth === 8) {
    const out = new Uint8Array(width * height);
    for (let i = 0, j = 0; i < out.length; i++, j += bpp) out[i] = px[j]!;
    return { data: out, width, height };
  }
  // 16-bit gray samples are big-endian.
  const out = new Uint16Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = (px[2 * i]! << 8) | px[2 * i + 1]!;
  return { data: out, width, height };
}
