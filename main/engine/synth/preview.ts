// Contact sheet of a SynthDrive run: rows of [rendered frame | its Cityscapes colour labels], for the
// README and for a quick look at a seed/weather before generating a dataset.
import path from 'node:path';
import fs from 'node:fs';
import { StudioError } from '../../../shared/contract/errors.js';
import type { SynthWeather } from '../../../shared/contract/synth.js';
import { writeFileAtomic } from '../workspace.js';
import { colorizeLabels, validateSynthOptions } from './generate.js';
import { encodePng } from './png.js';
import { Rasterizer } from './raster.js';
import { SynthSequence } from './world.js';

export interface PreviewOptions {
  readonly out: string;
  readonly sequences: number;
  /** Frames shown per sequence, spread evenly over `span` frames. */
  readonly frames: number;
  readonly span: number;
  readonly width: number;
  readonly height: number;
  readonly seed: number;
  readonly weather: SynthWeather;
}

export function renderContactSheet(o: PreviewOptions): {
  rgb: Uint8Array;
  width: number;
  height: number;
  rows: { sequence: number; frame: number; weather: string }[];
} {
  validateSynthOptions({ ...o, split: 'train' });
  if (o.frames > o.span)
    throw new StudioError(
      'bad_request',
      `preview: --frames ${o.frames} exceeds the sequence length ${o.span}`,
    );
  const { width: W, height: H } = o;
  const rows: { sequence: number; frame: number; weather: string }[] = [];
  const worlds: SynthSequence[] = [];
  for (let s = 0; s < o.sequences; s++) {
    const w = new SynthSequence({
      seed: o.seed,
      sequence: s,
      frames: o.span,
      width: W,
      height: H,
      weather: o.weather,
    });
    worlds.push(w);
    for (let k = 0; k < o.frames; k++) {
      const frame = o.frames === 1 ? Math.floor(o.span / 2) : Math.round((k * (o.span - 1)) / (o.frames - 1));
      rows.push({ sequence: s, frame, weather: w.weather });
    }
  }
  const sheetW = W * 2;
  const sheetH = H * rows.length;
  if (sheetW * sheetH > 64e6)
    throw new StudioError(
      'bad_request',
      `preview: a ${sheetW}x${sheetH} sheet is too large; show fewer frames or a smaller size`,
    );
  const sheet = new Uint8Array(sheetW * sheetH * 3);
  const raster = new Rasterizer(W, H);
  const color = new Uint8Array(W * H * 3);
  rows.forEach((row, r) => {
    worlds[row.sequence]!.render(raster, row.frame);
    colorizeLabels(raster.labels, color);
    for (let y = 0; y < H; y++) {
      const dst = (r * H + y) * sheetW * 3;
      sheet.set(raster.rgb.subarray(y * W * 3, (y + 1) * W * 3), dst);
      sheet.set(color.subarray(y * W * 3, (y + 1) * W * 3), dst + W * 3);
    }
  });
  return { rgb: sheet, width: sheetW, height: sheetH, rows };
}

export function writeContactSheet(o: PreviewOptions): {
  file: string;
  width: number;
  height: number;
  rows: { sequence: number; frame: number; weather: string }[];
} {
  const file = path.resolve(o.out);
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new StudioError(
      'io_error',
      `${dir}: cannot create the folder for the preview (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const sheet = renderContactSheet(o);
  try {
    writeFileAtomic(file, encodePng('rgb8', sheet.width, sheet.height, sheet.rgb, { level: 6 }));
  } catch (e) {
    throw new StudioError(
      'io_error',
      `${file}: cannot write the preview (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return { file, width: sheet.width, height: sheet.height, rows: sheet.rows };
}
