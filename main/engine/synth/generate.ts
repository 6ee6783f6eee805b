// Writes SynthDrive sequences to disk in Cityscapes layout. Each frame's four files are written
// atomically (temp file + rename) and the RGB image last, so a frame whose image exists is complete; a
// killed run resumes at the first frame that is not, and since every frame is a pure function of the
// parameters, resumed output is byte-identical to an uninterrupted run.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import {
  parseSynthSize,
  splitWorldSeed,
  type SynthGenerateResult,
  type SynthSplit,
  type SynthWeather,
} from '../../../shared/contract/synth.js';
import { CITYSCAPES_BY_ID } from '../../../shared/protocols/cityscapes-labels.js';
import { writeFileAtomic } from '../workspace.js';
import { computeMotion, encodeMotion, motionPath, type DepthSnapshot } from './motion.js';
import { encodePng } from './png.js';
import { Rasterizer } from './raster.js';
import { FRAME_INTERVAL, HORIZONTAL_FOV_DEG, SynthSequence } from './world.js';

/** Bumped whenever the same parameters would render different pixels. */
export const SYNTHDRIVE_VERSION = '1.0.0';
export const SYNTHDRIVE_CITY = 'synthdrive';
export const MANIFEST_NAME = 'synthdrive.json';

export interface SynthOptions {
  readonly out: string;
  readonly sequences: number;
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  readonly seed: number;
  readonly weather: SynthWeather;
  readonly split: SynthSplit;
  /** Write into a non-empty folder that is not an identical earlier run. */
  readonly force?: boolean;
}

export interface FrameReport {
  readonly sequence: number;
  readonly frame: number;
  /** Frames finished so far, including skipped ones. */
  readonly done: number;
  readonly total: number;
  /** True when the frame was already complete on disk. */
  readonly skipped: boolean;
  readonly stem: string;
}

export interface GenerateHooks {
  onFrame?(report: FrameReport): void;
  signal?: AbortSignal;
}

export interface SynthManifest {
  readonly generator: 'SynthDrive';
  readonly version: string;
  readonly params: {
    readonly sequences: number;
    readonly frames: number;
    readonly width: number;
    readonly height: number;
    readonly seed: number;
    readonly weather: SynthWeather;
    readonly split: SynthSplit;
  };
  /**
   * The seed the sequences' worlds are built from: `params.seed` for train, a different one for val
   * (splitWorldSeed), so the two splits never share a street. Absent in manifests written before
   * splits had their own worlds (their worlds used `params.seed` whatever the split).
   */
  readonly worldSeed?: number;
  readonly city: string;
  readonly frameIntervalSeconds: number;
  readonly horizontalFovDeg: number;
  readonly labels: 'cityscapes labelIds (gtFine_labelIds), instanceIds = labelId*1000+n for instance classes';
  readonly sequenceWeather: readonly string[];
}

export function frameStem(sequence: number, frame: number): string {
  return `${SYNTHDRIVE_CITY}_${String(sequence).padStart(6, '0')}_${String(frame).padStart(6, '0')}`;
}

export function framePaths(out: string, split: string, sequence: number, frame: number) {
  const stem = frameStem(sequence, frame);
  const img = path.join(out, 'leftImg8bit', split, SYNTHDRIVE_CITY);
  const gt = path.join(out, 'gtFine', split, SYNTHDRIVE_CITY);
  return {
    stem,
    image: path.join(img, `${stem}_leftImg8bit.png`),
    labelIds: path.join(gt, `${stem}_gtFine_labelIds.png`),
    color: path.join(gt, `${stem}_gtFine_color.png`),
    instanceIds: path.join(gt, `${stem}_gtFine_instanceIds.png`),
    /** Evaluation-only motion channel (motion.ts); never read by training. */
    motion: motionPath(out, split, SYNTHDRIVE_CITY, stem),
  };
}

function manifestParams(o: SynthOptions): SynthManifest['params'] {
  return {
    sequences: o.sequences,
    frames: o.frames,
    width: o.width,
    height: o.height,
    seed: o.seed,
    weather: o.weather,
    split: o.split,
  };
}

/** Validates the options; throws a `bad_request` StudioError naming the wrong value. */
export function validateSynthOptions(o: SynthOptions): void {
  parseSynthSize(`${o.width}x${o.height}`);
  if (!Number.isInteger(o.sequences) || o.sequences < 1)
    throw new StudioError('bad_request', `sequences must be a positive integer, got ${o.sequences}`);
  if (!Number.isInteger(o.frames) || o.frames < 1)
    throw new StudioError('bad_request', `frames must be a positive integer, got ${o.frames}`);
  if (o.sequences > 999999 || o.frames > 999999)
    throw new StudioError(
      'bad_request',
      'sequences and frames must stay below 1,000,000 (6-digit Cityscapes numbering)',
    );
  if (!Number.isInteger(o.seed) || o.seed < 0)
    throw new StudioError('bad_request', `seed must be a non-negative integer, got ${o.seed}`);
}

function readManifest(file: string): SynthManifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SynthManifest;
  } catch {
    return undefined;
  }
}

function sameRun(m: SynthManifest | undefined, o: SynthOptions): boolean {
  if (!m || m.version !== SYNTHDRIVE_VERSION) return false;
  // an older val run was drawn from the train worlds: not the run these options ask for
  if ((m.worldSeed ?? m.params.seed) !== splitWorldSeed(o.seed, o.split)) return false;
  return JSON.stringify(m.params) === JSON.stringify(manifestParams(o));
}

/**
 * Checks the output folder before anything is rendered: creatable and writable, and either empty, an
 * earlier run with identical parameters (which is resumed), or `force`. Returns whether it resumes.
 */
export function prepareOutput(o: SynthOptions): { resume: boolean } {
  validateSynthOptions(o);
  const out = path.resolve(o.out);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(out);
  } catch {
    stat = undefined;
  }
  if (stat && !stat.isDirectory())
    throw new StudioError('invalid_input', `${out}: output path exists and is not a folder`, { path: out });
  try {
    fs.mkdirSync(out, { recursive: true });
    const probe = path.join(out, `.synthdrive-probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new StudioError('io_error', `${out}: output folder is not writable (${code})`, { path: out });
  }
  const entries = fs.readdirSync(out);
  if (entries.length === 0) return { resume: false };
  const manifest = readManifest(path.join(out, MANIFEST_NAME));
  if (sameRun(manifest, o)) {
    removeStaleTempFiles(out, o.split);
    return { resume: true };
  }
  if (!o.force) {
    const what = manifest
      ? 'holds a SynthDrive run with different parameters'
      : `is not empty (${entries.length} entries)`;
    throw new StudioError(
      'conflict',
      `${out}: output folder ${what}; choose an empty folder or pass --force`,
      { path: out },
    );
  }
  if (manifest) {
    // A different SynthDrive run: its frames would mix with ours, so remove what it wrote (only ours).
    for (const top of ['leftImg8bit', 'gtFine', 'motion']) {
      fs.rmSync(path.join(out, top, manifest.params.split, SYNTHDRIVE_CITY), {
        recursive: true,
        force: true,
      });
    }
  }
  return { resume: false };
}

/** Temp files of writes a killed run never renamed (writeFileAtomic names them `<file>.tmp-<pid>-<random>`). */
function removeStaleTempFiles(out: string, split: string): void {
  for (const top of ['leftImg8bit', 'gtFine', 'motion']) {
    const dir = path.join(out, top, split, SYNTHDRIVE_CITY);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      // any output's (PNGs and the motion channel's .bin: missing that one left a killed run's temp file behind)
      const m = /\.tmp-(\d+)-[0-9a-z]+$/.exec(name);
      // only a dead writer's: a live process (another run into the same folder) may still rename it
      if (m && !processAlive(Number(m[1]))) fs.rmSync(path.join(dir, name), { force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Cityscapes colour image of a labelId map. */
export function colorizeLabels(labels: Uint8Array, out: Uint8Array): void {
  const lut = new Uint8Array(256 * 3);
  for (let id = 0; id < CITYSCAPES_BY_ID.length; id++) {
    const l = CITYSCAPES_BY_ID[id];
    if (!l) continue;
    lut[id * 3] = l.color[0];
    lut[id * 3 + 1] = l.color[1];
    lut[id * 3 + 2] = l.color[2];
  }
  for (let i = 0; i < labels.length; i++) {
    const o = labels[i]! * 3;
    out[i * 3] = lut[o]!;
    out[i * 3 + 1] = lut[o + 1]!;
    out[i * 3 + 2] = lut[o + 2]!;
  }
}

export async function generateSynthDrive(
  options: SynthOptions,
  hooks: GenerateHooks = {},
): Promise<SynthGenerateResult> {
  const { resume } = prepareOutput(options);
  const out = path.resolve(options.out);
  const { width, height } = options;
  const worldSeed = splitWorldSeed(options.seed, options.split);
  const sequences: SynthSequence[] = [];
  for (let s = 0; s < options.sequences; s++) {
    sequences.push(
      new SynthSequence({
        seed: worldSeed,
        sequence: s,
        frames: options.frames,
        width,
        height,
        weather: options.weather,
      }),
    );
  }
  const manifest: SynthManifest = {
    generator: 'SynthDrive',
    version: SYNTHDRIVE_VERSION,
    params: manifestParams(options),
    worldSeed,
    city: SYNTHDRIVE_CITY,
    frameIntervalSeconds: FRAME_INTERVAL,
    horizontalFovDeg: HORIZONTAL_FOV_DEG,
    labels: 'cityscapes labelIds (gtFine_labelIds), instanceIds = labelId*1000+n for instance classes',
    sequenceWeather: sequences.map((q) => q.weather),
  };
  if (!resume) writeFileAtomic(path.join(out, MANIFEST_NAME), JSON.stringify(manifest, null, 2) + '\n');
  fs.mkdirSync(path.join(out, 'leftImg8bit', options.split, SYNTHDRIVE_CITY), { recursive: true });
  fs.mkdirSync(path.join(out, 'gtFine', options.split, SYNTHDRIVE_CITY), { recursive: true });
  fs.mkdirSync(path.join(out, 'motion', options.split, SYNTHDRIVE_CITY), { recursive: true });

  const raster = new Rasterizer(width, height);
  const color = new Uint8Array(width * height * 3);
  const seen = new Uint8Array(256);
  const total = options.sequences * options.frames;
  let done = 0;
  let written = 0;
  let skipped = 0;
  // The depth of the frame rendered last, for the next frame's motion (re-rendered after a skip).
  let last: { sequence: number; frame: number; depth: DepthSnapshot } | null = null;
  const renderTracked = (world: SynthSequence, s: number, f: number): DepthSnapshot => {
    const moving: [number, number][] = [];
    world.render(raster, f, (a, b) => moving.push([a, b]));
    const flags = new Uint8Array(raster.primitiveCount);
    for (const [a, b] of moving) flags.fill(1, a, b);
    const depth = { cam: world.camera(f), invz: raster.depth.invz.slice(), prim: raster.depth.prim.slice(), moving: flags };
    last = { sequence: s, frame: f, depth };
    return depth;
  };
  for (let s = 0; s < options.sequences; s++) {
    const world = sequences[s]!;
    for (let f = 0; f < options.frames; f++) {
      if (hooks.signal?.aborted) throw new StudioError('cancelled', 'SynthDrive generation cancelled');
      const p = framePaths(out, options.split, s, f);
      const complete =
        (resume || options.force === true) &&
        [p.labelIds, p.color, p.instanceIds, p.motion, p.image].every((file) => fs.existsSync(file));
      if (complete) {
        skipped++;
      } else {
        const held = last as { sequence: number; frame: number; depth: DepthSnapshot } | null;
        const prev = f === 0 ? null : held && held.sequence === s && held.frame === f - 1 ? held.depth : renderTracked(world, s, f - 1);
        const depth = renderTracked(world, s, f);
        colorizeLabels(raster.labels, color);
        for (let i = 0; i < raster.labels.length; i++) seen[raster.labels[i]!] = 1;
        writeFileAtomic(p.labelIds, encodePng('gray8', width, height, raster.labels));
        writeFileAtomic(p.color, encodePng('rgb8', width, height, color));
        writeFileAtomic(p.instanceIds, encodePng('gray16', width, height, raster.instances));
        writeFileAtomic(p.motion, encodeMotion(computeMotion(prev, depth, width, height)));
        // the image last: its presence marks the frame complete
        writeFileAtomic(p.image, encodePng('rgb8', width, height, raster.rgb));
        written++;
      }
      done++;
      hooks.onFrame?.({ sequence: s, frame: f, done, total, skipped: complete, stem: p.stem });
      // let cancellation messages and progress events through between frames
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  const labelIds: number[] = [];
  for (let i = 0; i < 256; i++) if (seen[i]) labelIds.push(i);
  return {
    out,
    split: options.split,
    worldSeed,
    framesWritten: written,
    framesSkipped: skipped,
    totalFrames: total,
    labelIds,
    weathers: manifest.sequenceWeather,
  };
}
