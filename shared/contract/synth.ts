// SynthDrive, the built-in procedural driving world: generate Cityscapes-layout sequences as a job.
import { z } from 'zod';
import { method } from './define.js';
import { StudioError } from './errors.js';

export const SYNTH_WEATHERS = ['clear', 'overcast', 'fog', 'dusk', 'night', 'rain', 'mixed'] as const;
export type SynthWeather = (typeof SYNTH_WEATHERS)[number];
export const SYNTH_SPLITS = ['train', 'val'] as const;
export type SynthSplit = (typeof SYNTH_SPLITS)[number];

/**
 * Defaults of `cause-studio synth`. 512×256 keeps Cityscapes' 2:1 aspect at a quarter of its width: a
 * 3×30 run renders in seconds on two cores, and the features of the demo (ViT patch grids of a few
 * hundred tokens per frame) do not use more pixels than that anyway.
 */
export const SYNTH_DEFAULTS = {
  sequences: 3,
  frames: 30,
  size: '512x256',
  seed: 1,
  weather: 'mixed' as SynthWeather,
  split: 'train' as SynthSplit,
} as const;

/**
 * The world seed a split's sequences are built from. Train keeps the given seed (so earlier train runs
 * render the same pixels); val mixes the split into it, so `--split val --seed S` draws other streets,
 * objects and weather than `--split train --seed S`, and a model trained on one is scored on worlds it
 * never saw. A 32-bit integer hash (murmur3's finaliser), kept to 31 bits like user seeds.
 */
export function splitWorldSeed(seed: number, split: SynthSplit): number {
  if (split === 'train') return seed;
  let h = (seed ^ 0x9e3779b9 ^ Math.imul(0x56a1, 0x2c1b3c6d)) >>> 0; // 0x56a1: 'val'
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return h & 0x7fffffff;
}

export const SYNTH_MIN_SIDE = 64;
export const SYNTH_MAX_SIDE = 4096;

/** Why a WxH size is unusable, or undefined when it is fine. */
export function synthSizeProblem(size: string): string | undefined {
  const m = /^(\d+)x(\d+)$/i.exec(size.trim());
  if (!m) return `size '${size}': expected WxH, e.g. 512x256`;
  for (const [name, v] of [
    ['width', Number(m[1])],
    ['height', Number(m[2])],
  ] as const) {
    if (v < SYNTH_MIN_SIDE) return `size '${size}': ${name} ${v} is below the minimum of ${SYNTH_MIN_SIDE}`;
    if (v > SYNTH_MAX_SIDE) return `size '${size}': ${name} ${v} is above the maximum of ${SYNTH_MAX_SIDE}`;
    if (v % 16 !== 0) return `size '${size}': ${name} ${v} is not a multiple of 16`;
  }
  return undefined;
}

/** Parses WxH, throwing a `bad_request` StudioError that says what is wrong. */
export function parseSynthSize(size: string): { width: number; height: number } {
  const problem = synthSizeProblem(size);
  if (problem) throw new StudioError('bad_request', problem, { size });
  const [w, h] = size.trim().toLowerCase().split('x').map(Number);
  return { width: w!, height: h! };
}

export const synthGenerateArgs = z
  .object({
    /** Output folder (Cityscapes layout is written inside it). */
    out: z.string().min(1),
    sequences: z.number().int().min(1).max(9999).default(SYNTH_DEFAULTS.sequences),
    frames: z.number().int().min(1).max(99999).default(SYNTH_DEFAULTS.frames),
    size: z
      .string()
      .default(SYNTH_DEFAULTS.size)
      .superRefine((s, ctx) => {
        const problem = synthSizeProblem(s);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    seed: z.number().int().min(0).max(2147483647).default(SYNTH_DEFAULTS.seed),
    weather: z.enum(SYNTH_WEATHERS).default(SYNTH_DEFAULTS.weather),
    split: z.enum(SYNTH_SPLITS).default(SYNTH_DEFAULTS.split),
    /** Write into a non-empty folder (frames already complete for the same parameters are kept). */
    force: z.boolean().default(false),
  })
  .strict();

export type SynthGenerateArgs = z.output<typeof synthGenerateArgs>;

export interface SynthGenerateResult {
  readonly out: string;
  readonly split: SynthSplit;
  /** The seed the worlds were built from (splitWorldSeed of the given seed and split). */
  readonly worldSeed: number;
  readonly framesWritten: number;
  readonly framesSkipped: number;
  readonly totalFrames: number;
  /** Cityscapes labelIds present in the written ground truth (of the frames rendered in this run). */
  readonly labelIds: readonly number[];
  readonly weathers: readonly string[];
}

export const synthMethods = {
  /** Starts a 'synth.generate' job; progress arrives as job events, the result via jobs.get. */
  'synth.generate': method<{ jobId: string }>()(synthGenerateArgs),
};
