// Burned-in text for exported videos, drawn from a glyph atlas shipped in assets/fonts (rendered once
// from DejaVu Sans Mono by scripts/make-font-atlas.ts), so output looks the same with or without fonts.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { RGB } from '../../../shared/protocols/cityscapes-labels.js';
import { PACKAGE_ROOT } from '../version.js';

export interface GlyphAtlas {
  readonly alpha: Uint8Array;
  readonly width: number;
  readonly cellWidth: number;
  readonly cellHeight: number;
  readonly first: number;
  readonly count: number;
}

let cached: Promise<GlyphAtlas> | undefined;

export function loadGlyphAtlas(): Promise<GlyphAtlas> {
  cached ??= (async () => {
    const dir = path.join(PACKAGE_ROOT, 'assets', 'fonts');
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'mono-atlas.json'), 'utf8')) as {
      first: number;
      count: number;
      cellWidth: number;
      cellHeight: number;
    };
    const { data, info } = await sharp(path.join(dir, 'mono-atlas.png')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    return { alpha: new Uint8Array(data), width: info.width, ...meta };
  })();
  return cached;
}

/** Width in pixels of `text` at integer `scale`. */
export function textWidth(atlas: GlyphAtlas, text: string, scale = 1): number {
  return text.length * atlas.cellWidth * scale;
}

/** Draws `text` with its top-left at (x, y) into an RGB buffer, clipped to the frame. */
export function drawText(
  atlas: GlyphAtlas,
  rgb: Uint8Array,
  width: number,
  height: number,
  x0: number,
  y0: number,
  text: string,
  color: RGB,
  scale = 1,
): void {
  for (let c = 0; c < text.length; c++) {
    let code = text.charCodeAt(c) - atlas.first;
    if (code < 0 || code >= atlas.count) code = '?'.charCodeAt(0) - atlas.first;
    const gx = code * atlas.cellWidth;
    for (let gy = 0; gy < atlas.cellHeight * scale; gy++) {
      const y = y0 + gy;
      if (y < 0 || y >= height) continue;
      const row = Math.floor(gy / scale) * atlas.width + gx;
      for (let gxx = 0; gxx < atlas.cellWidth * scale; gxx++) {
        const x = x0 + c * atlas.cellWidth * scale + gxx;
        if (x < 0 || x >= width) continue;
        const a = atlas.alpha[row + Math.floor(gxx / scale)]!;
        if (a === 0) continue;
        const o = (y * width + x) * 3;
        rgb[o] = (rgb[o]! * (255 - a) + color[0] * a) / 255;
        rgb[o + 1] = (rgb[o + 1]! * (255 - a) + color[1] * a) / 255;
        rgb[o + 2] = (rgb[o + 2]! * (255 - a) + color[2] * a) / 255;
      }
    }
  }
}

/** Darkens a rectangle so text over imagery stays readable. */
export function shadeRect(rgb: Uint8Array, width: number, height: number, x0: number, y0: number, w: number, h: number, keep = 0.35): void {
  for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) {
      const o = (y * width + x) * 3;
      rgb[o] = rgb[o]! * keep;
      rgb[o + 1] = rgb[o + 1]! * keep;
      rgb[o + 2] = rgb[o + 2]! * keep;
    }
  }
}

export function fillRect(rgb: Uint8Array, width: number, height: number, x0: number, y0: number, w: number, h: number, color: RGB): void {
  for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) {
      const o = (y * width + x) * 3;
      rgb[o] = color[0];
      rgb[o + 1] = color[1];
      rgb[o + 2] = color[2];
    }
  }
}
