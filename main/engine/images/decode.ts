// Pixel access on sharp (images) and on our own PNG decoder (label maps). Every failure names the file.
import fs from 'node:fs';
import sharp from 'sharp';
import { StudioError } from '../../../shared/contract/errors.js';
import { MAX_IMAGE_PIXELS } from './image-header.js';
import { decodePngLabel, PngLabelError, type LabelMap } from './png-label.js';

export interface RGBImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Decodes any image sharp reads to packed 8-bit RGB (alpha dropped, gray expanded, EXIF orientation NOT applied). */
export async function readImageRGB(file: string): Promise<RGBImage> {
  try {
    const { data, info } = await sharp(file, { failOn: 'truncated', limitInputPixels: MAX_IMAGE_PIXELS })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new Error(`decoded to ${info.channels} channels, expected 3`);
    }
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (e) {
    throw imageError(file, e);
  }
}

/** Raw label values: 8-bit gray or palette index as stored, else the first channel. */
export async function readLabelMap(file: string): Promise<LabelMap> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    throw new StudioError('io_error', `${file}: cannot read label map (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file });
  }
  return decodeLabelBytes(file, bytes);
}

export function readLabelMapSync(file: string): LabelMap {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new StudioError('io_error', `${file}: cannot read label map (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file });
  }
  return decodeLabelBytes(file, bytes);
}

function decodeLabelBytes(file: string, bytes: Buffer): LabelMap {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) {
    try {
      return decodePngLabel(bytes);
    } catch (e) {
      if (e instanceof PngLabelError) {
        throw new StudioError('invalid_input', `${file}: label map cannot be decoded: ${e.message}`, { file });
      }
      throw e;
    }
  }
  throw new StudioError('invalid_input', `${file}: label maps must be PNG files (lossless); this is not a PNG`, { file });
}

function imageError(file: string, e: unknown): StudioError {
  if (e instanceof StudioError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (/no such file|ENOENT/i.test(msg) || !fs.existsSync(file)) {
    return new StudioError('not_found', `${file}: image file is missing`, { file });
  }
  return new StudioError('invalid_input', `${file}: image cannot be decoded (${msg.split('\n')[0]})`, { file });
}

/** Encodes a one-channel class-id map as an 8-bit gray PNG. */
export async function encodeGrayPng(data: Uint8Array, width: number, height: number): Promise<Buffer> {
  // Without b-w, libvips writes a one-channel raw input as an RGB PNG.
  return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 6 })
    .toBuffer();
}

export type { LabelMap } from './png-label.js';
