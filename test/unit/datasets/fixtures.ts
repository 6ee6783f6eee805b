// Small dataset trees written by the tests themselves (real PNG/JPEG files made with sharp).
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

export async function writeRgb(file: string, width: number, height: number, seed = 1, format: 'png' | 'jpg' = 'png'): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed * 31 + ((i / 3) | 0) % width) & 255;
  const img = sharp(data, { raw: { width, height, channels: 3 } });
  await (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toFile(file);
}

/** A label map: horizontal bands of the given values (8-bit gray PNG). */
export async function writeLabel(file: string, width: number, height: number, values: readonly number[]): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const data = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) data.fill(values[Math.floor((y * values.length) / height)]!, y * width, (y + 1) * width);
  await sharp(data, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(file);
}

export function truncate(file: string, keepFraction = 0.5): void {
  const b = fs.readFileSync(file);
  fs.writeFileSync(file, b.subarray(0, Math.floor(b.length * keepFraction)));
}

export const CS_W = 64;
export const CS_H = 32;

/**
 * Cityscapes layout: train/aachen (2 frames, gtFine), train/bochum (1 frame, gtCoarse only), val/lindau
 * (1 frame, gtFine), test/berlin (1 frame, no label), a leftImg8bit_sequence snippet of 4 frames
 * (aachen_000000_000016..19, the 19th also in leftImg8bit), and demoVideo/stuttgart_00 with 3 frames.
 */
export async function makeCityscapesTree(root: string): Promise<void> {
  const img = (split: string, city: string, seq: string, frame: string, dir = 'leftImg8bit') =>
    writeRgb(path.join(root, dir, split, city, `${city}_${seq}_${frame}_leftImg8bit.png`), CS_W, CS_H, Number(frame) + seq.length);
  const gt = (kind: 'Fine' | 'Coarse', split: string, city: string, seq: string, frame: string, values: number[]) =>
    writeLabel(path.join(root, `gt${kind}`, split, city, `${city}_${seq}_${frame}_gt${kind}_labelIds.png`), CS_W, CS_H, values);
  await img('train', 'aachen', '000000', '000019');
  await img('train', 'aachen', '000001', '000019');
  await gt('Fine', 'train', 'aachen', '000000', '000019', [23, 11, 7, 26]);
  await gt('Fine', 'train', 'aachen', '000001', '000019', [23, 21, 7, 8]);
  await img('train', 'bochum', '000000', '000313');
  await gt('Coarse', 'train', 'bochum', '000000', '000313', [0, 7]);
  await img('val', 'lindau', '000000', '000019');
  await gt('Fine', 'val', 'lindau', '000000', '000019', [23, 7, 24]);
  await img('test', 'berlin', '000000', '000019');
  for (const f of ['000016', '000017', '000018', '000019']) await img('train', 'aachen', '000000', f, 'leftImg8bit_sequence');
  for (const f of ['000003', '000001', '000002']) await img('demoVideo', 'stuttgart_00', '000000', f);
}

/** BDD100K layout: 3 train images (2 labelled), 1 val image (labelled), 1 test image. */
export async function makeBddTree(root: string): Promise<void> {
  const W = 48;
  const H = 24;
  const im = (split: string, name: string) => writeRgb(path.join(root, 'images/10k', split, `${name}.jpg`), W, H, name.length, 'jpg');
  const lb = (split: string, name: string, values: number[]) => writeLabel(path.join(root, 'labels/sem_seg/masks', split, `${name}.png`), W, H, values);
  await im('train', '0a0a0b1a-7c39d841');
  await im('train', '0a0a0b1a-7c39d842');
  await im('train', '1b2c3d4e-00000001');
  await lb('train', '0a0a0b1a-7c39d841', [10, 0, 13]);
  await lb('train', '1b2c3d4e-00000001', [10, 255, 0]);
  await im('val', '7d2f7975-e0c1c5a7');
  await lb('val', '7d2f7975-e0c1c5a7', [10, 2, 0, 11]);
  await im('test', 'cabc30fc-e7726578');
}

/**
 * An image folder with labels beside it: 5 good frames, plus one truncated image, one label of the wrong
 * size, and one label holding a value (200) outside the Cityscapes labelIds.
 */
export async function makeBrokenFolder(root: string): Promise<void> {
  const W = 40;
  const H = 20;
  for (let i = 1; i <= 8; i++) {
    await writeRgb(path.join(root, 'images', `frame${i}.png`), W, H, i);
  }
  for (const i of [1, 2, 3, 4, 5, 6, 7]) await writeLabel(path.join(root, 'labels', `frame${i}.png`), W, H, [23, 7]);
  truncate(path.join(root, 'images', 'frame6.png'));
  await writeLabel(path.join(root, 'labels', 'frame7.png'), W * 2, H, [23, 7]);
  await writeLabel(path.join(root, 'labels', 'frame8.png'), W, H, [23, 200, 7]);
}
