// The built-in model's corpus: SynthDrive frames rendered in memory from explicit world seeds and
// turned into filter-bank token grids. Only the RGB buffer of the rasteriser is read — labels exist in
// the rasteriser but never leave this function — so the pretraining path cannot see them.
import { filterBankFeatures, BUILTIN_DIM, BUILTIN_PATCH } from '../backbones/builtin.js';
import { Rasterizer } from '../synth/raster.js';
import { SynthSequence } from '../synth/world.js';
import type { TokenCorpus } from './corpus.js';

export interface SynthCorpusSpec {
  readonly worldSeeds: readonly number[];
  readonly sequencesPerWorld: number;
  readonly framesPerSequence: number;
  /** Take every `stride`-th frame of a sequence (consecutive frames are near duplicates). */
  readonly frameStride: number;
  readonly width: number;
  readonly height: number;
}

export function rgbToPlanar(rgb: Uint8Array, width: number, height: number): Float32Array {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    out[i] = rgb[3 * i]! / 255;
    out[plane + i] = rgb[3 * i + 1]! / 255;
    out[2 * plane + i] = rgb[3 * i + 2]! / 255;
  }
  return out;
}

export function renderSynthCorpus(
  spec: SynthCorpusSpec,
  onFrame?: (done: number, total: number) => void,
): TokenCorpus {
  const { width, height } = spec;
  const raster = new Rasterizer(width, height);
  const h = height / BUILTIN_PATCH;
  const w = width / BUILTIN_PATCH;
  const frames: Float32Array[] = [];
  const total = spec.worldSeeds.length * spec.sequencesPerWorld * spec.framesPerSequence;
  for (const seed of spec.worldSeeds) {
    for (let s = 0; s < spec.sequencesPerWorld; s++) {
      const seq = new SynthSequence({
        seed,
        sequence: s,
        frames: spec.framesPerSequence * spec.frameStride,
        width,
        height,
        weather: 'mixed',
      });
      for (let f = 0; f < spec.framesPerSequence; f++) {
        seq.render(raster, f * spec.frameStride);
        const grid = filterBankFeatures({
          data: rgbToPlanar(raster.rgb, width, height),
          n: 1,
          height,
          width,
        });
        frames.push(grid.data);
        onFrame?.(frames.length, total);
      }
    }
  }
  return { frames, h, w, dim: BUILTIN_DIM };
}
