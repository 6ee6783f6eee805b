// Reading per-frame cluster maps and confidence maps stored as PNG: 8-bit gray when K ≤ 256, 16-bit gray
// when K > 256 (values are cluster ids, never scaled). sharp would colour-convert a 16-bit gray PNG to
// 8-bit RGB by default, so the depth is checked first and the channel read as stored.
import fs from 'node:fs';
import sharp from 'sharp';
import { StudioError } from '../../../shared/contract/errors.js';
import type { ClusterMap } from './histogram.js';

const isPng = (b: Uint8Array) => b.length > 33 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;

export interface GrayImage16 {
  readonly data: Uint8Array | Uint16Array;
  readonly width: number;
  readonly height: number;
}

/** Decodes a one-channel 8- or 16-bit PNG to its stored values. Errors name the file. */
export async function readGrayPng(file: string, what = 'cluster map'): Promise<GrayImage16> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StudioError(code === 'ENOENT' ? 'not_found' : 'io_error', `${file}: cannot read ${what} (${code ?? String(e)})`, { file });
  }
  try {
    // The IHDR bit depth decides how to read (saves a metadata pass); libvips decodes faster than JS.
    if (!isPng(bytes)) throw new Error('not a PNG file');
    if (bytes[24] === 16) {
      const { data, info } = await sharp(bytes)
        .extractChannel(0)
        .toColourspace('grey16')
        .raw({ depth: 'ushort' })
        .toBuffer({ resolveWithObject: true });
      const copy = new Uint16Array(info.width * info.height);
      copy.set(new Uint16Array(data.buffer, data.byteOffset, info.width * info.height));
      return { data: copy, width: info.width, height: info.height };
    }
    const { data, info } = await sharp(bytes).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height), width: info.width, height: info.height };
  } catch (e) {
    if (e instanceof StudioError) throw e;
    throw new StudioError('invalid_input', `${file}: ${what} cannot be decoded (${(e as Error).message.split('\n')[0]})`, { file });
  }
}

export async function readClusterPng(file: string): Promise<ClusterMap> {
  return readGrayPng(file, 'cluster map');
}

/** Writes a cluster map as PNG: 8-bit when every id fits, else 16-bit. Used by tests and exports. */
export async function encodeClusterPng(map: ClusterMap): Promise<Buffer> {
  const { data, width, height } = map;
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i]! > max) max = data[i]!;
  if (max <= 255) {
    const u8 = data instanceof Uint8Array ? data : Uint8Array.from(data);
    // 'b-w' keeps one channel (colour type 0); without it sharp writes 1-channel raw input as RGB
    return sharp(Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength), { raw: { width, height, channels: 1 } })
      .toColourspace('b-w')
      .png({ compressionLevel: 6 })
      .toBuffer();
  }
  const u16 = data instanceof Uint16Array ? data : Uint16Array.from(data);
  return sharp(u16, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png({ compressionLevel: 6 }).toBuffer();
}
