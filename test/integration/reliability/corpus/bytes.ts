// Bytes of good and deliberately bad images, videos and models for the bad-input corpus. Everything is
// made here from a seed: nothing is downloaded, and the same seed gives the same corpus.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { openDatabase } from '../../../../main/engine/db/connection.js';
import { modelType } from '../../../../main/engine/onnx/onnx-schema.js';
import { GraphBuilder, int, ints } from '../../../../main/engine/onnx/graph-builder.js';
import { buildVitModel } from '../../../../main/engine/onnx/vit-model.js';

export const W = 64;
export const H = 48;

/** A small textured RGB frame (never flat: a decoder that drops rows would be noticed). */
export function rgbPixels(seed: number, width = W, height = H): Buffer {
  const px = Buffer.alloc(width * height * 3);
  let s = seed * 7919 + 1;
  for (let i = 0; i < px.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    px[i] = (i % 3 === 0 ? (i / 3) % width : s >>> 24) & 255;
  }
  return px;
}

export async function goodPng(seed: number, width = W, height = H): Promise<Buffer> {
  return sharp(rgbPixels(seed, width, height), { raw: { width, height, channels: 3 } }).png().toBuffer();
}

export async function goodJpeg(seed: number, width = W, height = H): Promise<Buffer> {
  return sharp(rgbPixels(seed, width, height), { raw: { width, height, channels: 3 } }).jpeg().toBuffer();
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

/** A PNG written by hand: any declared size, depth and colour type, with `rows` as the raw scanlines. */
export function rawPng(opts: { width: number; height: number; bitDepth: number; colorType: number; rows: Buffer; palette?: Buffer }): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(opts.width, 0);
  ihdr.writeUInt32BE(opts.height, 4);
  ihdr[8] = opts.bitDepth;
  ihdr[9] = opts.colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(opts.palette ? [chunk('PLTE', opts.palette)] : []),
    chunk('IDAT', zlib.deflateSync(opts.rows)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** 8-bit gray label map whose every pixel holds `value` (filter byte 0 per row). */
export function grayLabel(value: number, width = W, height = H): Buffer {
  const rows = Buffer.alloc((width + 1) * height, value);
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0;
  return rawPng({ width, height, bitDepth: 8, colorType: 0, rows });
}

/** 16-bit gray label map holding `value` everywhere (big-endian samples). */
export function gray16Label(value: number, width = W, height = H): Buffer {
  const stride = width * 2 + 1;
  const rows = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rows.writeUInt16BE(value, y * stride + 1 + 2 * x);
  return rawPng({ width, height, bitDepth: 16, colorType: 0, rows });
}

/** Palette label map of one index everywhere. */
export function paletteLabel(index: number, width = W, height = H): Buffer {
  const rows = Buffer.alloc((width + 1) * height, index);
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0;
  return rawPng({ width, height, bitDepth: 8, colorType: 3, rows, palette: Buffer.alloc(256 * 3, 7) });
}

/** Declares 60000×60000 RGB in its header with a few real rows of data: a decompression bomb's header. */
export function bombPng(): Buffer {
  const rows = Buffer.alloc((60000 * 3 + 1) * 4);
  return rawPng({ width: 60000, height: 60000, bitDepth: 8, colorType: 2, rows });
}

/** Flips one byte at `at` (negative: from the end). */
export function flip(b: Buffer, at: number, mask = 0xff): Buffer {
  const out = Buffer.from(b);
  const i = at < 0 ? out.length + at : at;
  out[i] = out[i]! ^ mask;
  return out;
}

export function offsetOf(b: Buffer, needle: number[] | string): number {
  const i = b.indexOf(typeof needle === 'string' ? Buffer.from(needle, 'latin1') : Buffer.from(needle));
  if (i < 0) throw new Error(`corpus: marker ${String(needle)} not found`);
  return i;
}

/** Pseudo-random bytes of a seed. */
export function noise(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Runs ffmpeg (system or PATH); returns false when it is not there or fails. */
export function ffmpeg(args: string[]): boolean {
  const r = spawnSync(process.env.CAUSE_STUDIO_FFMPEG ?? 'ffmpeg', ['-v', 'error', '-y', ...args], { stdio: 'ignore', timeout: 60_000 });
  return r.status === 0;
}

// --- ONNX -------------------------------------------------------------------------------------

export function goodOnnx(): Uint8Array {
  return buildVitModel({ patchSize: 8, dim: 16, depth: 1, heads: 2 });
}

interface MutableTensor {
  name?: string;
  rawData?: Uint8Array;
  dataLocation?: number;
  externalData?: { key: string; value: string }[];
}

/** The good model with its largest initializer moved to external data at `location` (bytes returned for writing). */
export function externalDataOnnx(location: string): { model: Uint8Array; data: Uint8Array } {
  const Model = modelType();
  const m = Model.toObject(Model.decode(goodOnnx()), { bytes: Buffer }) as { graph: { initializer: MutableTensor[] } };
  const t = [...m.graph.initializer].sort((a, b) => (b.rawData?.length ?? 0) - (a.rawData?.length ?? 0))[0]!;
  const data = t.rawData!;
  delete t.rawData;
  t.dataLocation = 1;
  t.externalData = [
    { key: 'location', value: location },
    { key: 'offset', value: '0' },
    { key: 'length', value: String(data.length) },
  ];
  return { model: Model.encode(Model.fromObject(m)).finish(), data };
}

/** A patch-embedding convolution whose output is a 4-D feature map, not a token sequence. */
export function featureMapOnnx(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('pixel_values', [1, 3, 64, 64]);
  const w = g.floats('w', [8, 3, 8, 8], new Float32Array(8 * 3 * 8 * 8).fill(0.01));
  g.op('Conv', [x, w], { kernel_shape: ints([8, 8]), strides: ints([8, 8]) }, 'out');
  g.output('out', [1, 8, 8, 8]);
  return g.toBytes();
}

/** A patch convolution on a one-channel input (a grey-scale model the RGB pipeline cannot feed). */
export function oneChannelOnnx(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('pixel_values', [1, 1, 64, 64]);
  const w = g.floats('w', [8, 1, 8, 8], new Float32Array(8 * 8 * 8).fill(0.01));
  const c = g.op('Conv', [x, w], { kernel_shape: ints([8, 8]), strides: ints([8, 8]) });
  const f = g.op('Flatten', [c], { axis: int(2) });
  g.op('Transpose', [f], { perm: ints([0, 2, 1]) }, 'tokens');
  g.output('tokens', [1, 64, 8]);
  return g.toBytes();
}

/** A patch convolution followed by a graph whose node references an input nobody produces. */
export function danglingOnnx(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('pixel_values', [1, 3, 64, 64]);
  const w = g.floats('w', [8, 3, 8, 8], new Float32Array(8 * 3 * 8 * 8).fill(0.01));
  const c = g.op('Conv', [x, w], { kernel_shape: ints([8, 8]), strides: ints([8, 8]) });
  g.op('Add', [c, 'nobody_makes_this'], {}, 'out');
  g.output('out', [1, 8, 8, 8]);
  return g.toBytes();
}

export function writeFile(file: string, data: Uint8Array | string): string {
  fs.writeFileSync(file, data);
  return file;
}

export function sha256(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** A named pipe; false where mkfifo is missing. */
export function mkfifo(file: string): boolean {
  return spawnSync('mkfifo', [file], { stdio: 'ignore' }).status === 0;
}

/** A real studio database whose schema version is beyond this build's migrations. */
export function newerSchemaDb(file: string): void {
  const db = openDatabase(file);
  db.pragma('user_version = 999');
  db.pragma('journal_mode = DELETE');
  db.close();
}
