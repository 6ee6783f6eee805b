// Decodes a PNG label map to its raw values. sharp expands palette PNGs to RGB, which loses the class
// indices that palette label maps store, so label maps are decoded here: inflate (node:zlib) + unfilter.
// Gray and palette give their value/index; RGB(A) and gray+alpha give the first channel.
import zlib from 'node:zlib';
import { oversizeMessage } from './image-header.js';

export interface LabelMap {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export class PngLabelError extends Error {}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Throws PngLabelError with what is wrong; the caller adds the file name. */
export function decodePngLabel(png: Uint8Array): LabelMap {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 33 || buf.readUInt32BE(0) !== 0x89504e47) throw new PngLabelError('not a PNG file');
  let pos = 8;
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colorType = -1;
  let interlace = 0;
  const idat: Buffer[] = [];
  let sawEnd = false;
  while (pos + 8 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const start = pos + 8;
    if (start + len + 4 > buf.length) throw new PngLabelError(`truncated inside chunk ${type}`);
    if (type === 'IHDR') {
      width = buf.readUInt32BE(start);
      height = buf.readUInt32BE(start + 4);
      bitDepth = buf[start + 8]!;
      colorType = buf[start + 9]!;
      interlace = buf[start + 12]!;
    } else if (type === 'IDAT') {
      idat.push(buf.subarray(start, start + len));
    } else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    pos = start + len + 4;
  }
  if (!sawEnd) throw new PngLabelError('truncated: no IEND chunk');
  const channels = CHANNELS[colorType];
  if (channels === undefined || width === 0 || height === 0) throw new PngLabelError(`invalid header (colour type ${colorType})`);
  if (interlace !== 0) throw new PngLabelError('interlaced (Adam7) label maps are not supported; save it non-interlaced');
  if (bitDepth === 16 && colorType === 3) throw new PngLabelError('invalid bit depth 16 for a palette PNG');
  const oversize = oversizeMessage(width, height);
  if (oversize) throw new PngLabelError(oversize);
  const bitsPerPixel = channels * bitDepth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  let raw: Buffer;
  try {
    // Inflating stops at the size the header implies: a small IDAT cannot expand into gigabytes.
    raw = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: (stride + 1) * height });
  } catch (e) {
    throw new PngLabelError(`corrupt image data (${(e as Error).message})`);
  }
  if (raw.length < (stride + 1) * height) {
    throw new PngLabelError(`image data is short: ${raw.length} bytes for ${width}x${height}`);
  }
  const out = new Uint8Array(width * height);
  let prev = new Uint8Array(stride);
  let cur = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const rowStart = y * (stride + 1);
    const filter = raw[rowStart]!;
    const line = raw.subarray(rowStart + 1, rowStart + 1 + stride);
    unfilter(filter, line, prev, cur, bpp, y);
    extractRow(cur, out, y * width, width, bitDepth, channels);
    const t = prev;
    prev = cur;
    cur = t;
  }
  return { data: out, width, height };
}

function unfilter(filter: number, line: Uint8Array, prev: Uint8Array, cur: Uint8Array, bpp: number, y: number): void {
  const n = line.length;
  switch (filter) {
    case 0:
      cur.set(line);
      break;
    case 1:
      for (let i = 0; i < n; i++) cur[i] = (line[i]! + (i >= bpp ? cur[i - bpp]! : 0)) & 255;
      break;
    case 2:
      for (let i = 0; i < n; i++) cur[i] = (line[i]! + prev[i]!) & 255;
      break;
    case 3:
      for (let i = 0; i < n; i++) cur[i] = (line[i]! + (((i >= bpp ? cur[i - bpp]! : 0) + prev[i]!) >> 1)) & 255;
      break;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? cur[i - bpp]! : 0;
        const b = prev[i]!;
        const c = i >= bpp ? prev[i - bpp]! : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        cur[i] = (line[i]! + pred) & 255;
      }
      break;
    default:
      throw new PngLabelError(`corrupt image data (unknown filter ${filter} on row ${y})`);
  }
}

function extractRow(row: Uint8Array, out: Uint8Array, o: number, width: number, bitDepth: number, channels: number): void {
  if (bitDepth === 8) {
    if (channels === 1) out.set(row.subarray(0, width), o);
    else for (let x = 0; x < width; x++) out[o + x] = row[x * channels]!;
  } else if (bitDepth === 16) {
    // Label values above 255 cannot be a class of any protocol here; say so rather than wrap silently.
    for (let x = 0; x < width; x++) {
      const i = x * channels * 2;
      if (row[i]! !== 0) throw new PngLabelError(`16-bit label value ${(row[i]! << 8) | row[i + 1]!} is above 255`);
      out[o + x] = row[i + 1]!;
    }
  } else {
    const perByte = 8 / bitDepth;
    const mask = (1 << bitDepth) - 1;
    for (let x = 0; x < width; x++) {
      const byte = row[(x / perByte) | 0]!;
      const shift = 8 - bitDepth * ((x % perByte) + 1);
      out[o + x] = (byte >> shift) & mask;
    }
  }
}
