// Shared by the SynthDrive tests: temp folders and PNG decoding through sharp (an independent decoder).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

const created: string[] = [];

export function tempDir(prefix = 'synthdrive-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes every folder tempDir made (call from afterAll). */
export function removeTempDirs(): void {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export async function readGray8(file: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  // sharp expands grey to sRGB unless asked to stay in one channel
  const { data, info } = await sharp(file).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`${file}: expected 1 channel, got ${info.channels}`);
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

export async function readGray16(
  file: string,
): Promise<{ data: Uint16Array; width: number; height: number }> {
  const { data, info } = await sharp(file)
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  const copy = new Uint8Array(data);
  return { data: new Uint16Array(copy.buffer, 0, copy.length / 2), width: info.width, height: info.height };
}

export async function readRgb(
  file: string,
): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}
