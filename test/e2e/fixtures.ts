// Small real inputs for the e2e tests, written with sharp: a folder of frames of a moving scene.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** `count` PNG frames of width×height: a sky/road split with a block moving left to right. */
export async function writeFrameFolder(dir: string, count: number, width: number, height: number): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const rgb = Buffer.alloc(width * height * 3);
    const blockX = Math.floor((i / Math.max(1, count - 1)) * (width - width / 5));
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * 3;
        const sky = y < height / 2;
        const inBlock = x >= blockX && x < blockX + width / 5 && y > height / 3 && y < (2 * height) / 3;
        rgb[o] = inBlock ? 200 : sky ? 110 + (y % 7) : 70 + ((x + y) % 9);
        rgb[o + 1] = inBlock ? 40 : sky ? 150 : 70;
        rgb[o + 2] = inBlock ? 40 : sky ? 210 : 75;
      }
    }
    const file = path.join(dir, `frame_${String(i).padStart(4, '0')}.png`);
    await sharp(rgb, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 1 }).toFile(file);
    files.push(file);
  }
  return files;
}
