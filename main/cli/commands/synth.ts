// `cause-studio synth --out DIR [...]` generates SynthDrive sequences (an engine job with progress that
// resumes if interrupted); `cause-studio synth preview --out sheet.png [...]` draws a contact sheet.
import type { Command } from 'commander';
import { StudioError } from '../../../shared/contract/errors.js';
import {
  SYNTH_DEFAULTS,
  SYNTH_SPLITS,
  SYNTH_WEATHERS,
  parseSynthSize,
  type SynthGenerateResult,
  type SynthSplit,
  type SynthWeather,
} from '../../../shared/contract/synth.js';
import { prepareOutput } from '../../engine/synth/generate.js';
import { writeContactSheet } from '../../engine/synth/preview.js';
import type { CliRuntime } from '../runtime.js';

function int(name: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v.trim()))
    throw new StudioError('bad_request', `--${name} ${v}: expected a whole number`);
  const n = Number(v);
  if (n < min) throw new StudioError('bad_request', `--${name} ${v}: must be at least ${min}`);
  return n;
}

function weatherOf(v: string | undefined): SynthWeather {
  const w = v ?? SYNTH_DEFAULTS.weather;
  if (!(SYNTH_WEATHERS as readonly string[]).includes(w))
    throw new StudioError('bad_request', `--weather ${w}: expected one of ${SYNTH_WEATHERS.join(', ')}`);
  return w as SynthWeather;
}

function splitOf(v: string | undefined): SynthSplit {
  const s = v ?? SYNTH_DEFAULTS.split;
  if (!(SYNTH_SPLITS as readonly string[]).includes(s))
    throw new StudioError('bad_request', `--split ${s}: expected one of ${SYNTH_SPLITS.join(', ')}`);
  return s as SynthSplit;
}

interface SynthFlags {
  out?: string;
  sequences?: string;
  frames?: string;
  size?: string;
  seed?: string;
  weather?: string;
  split?: string;
  force?: boolean;
}

export function register(program: Command, rt: CliRuntime): void {
  const synth = program
    .command('synth')
    .description('generate SynthDrive: procedural driving sequences with pixel-exact Cityscapes ground truth')
    .option('--out <dir>', 'output folder (Cityscapes layout: leftImg8bit/, gtFine/, synthdrive.json)')
    .option('--sequences <n>', `number of sequences (default ${SYNTH_DEFAULTS.sequences})`)
    .option('--frames <n>', `frames per sequence (default ${SYNTH_DEFAULTS.frames})`)
    .option('--size <WxH>', `image size, sides multiples of 16 in 64..4096 (default ${SYNTH_DEFAULTS.size})`)
    .option('--seed <s>', `world seed (default ${SYNTH_DEFAULTS.seed})`)
    .option('--weather <w>', `${SYNTH_WEATHERS.join('|')} (default ${SYNTH_DEFAULTS.weather})`)
    .option('--split <s>', `train|val: val builds other worlds from the same --seed (default ${SYNTH_DEFAULTS.split})`)
    .option('--force', 'write into a non-empty folder')
    .action(async (o: SynthFlags) => {
      if (!o.out) throw new StudioError('bad_request', 'synth: --out DIR is required');
      const size = o.size ?? SYNTH_DEFAULTS.size;
      const { width, height } = parseSynthSize(size);
      const args = {
        out: o.out,
        sequences: int('sequences', o.sequences, SYNTH_DEFAULTS.sequences, 1),
        frames: int('frames', o.frames, SYNTH_DEFAULTS.frames, 1),
        size,
        seed: int('seed', o.seed, SYNTH_DEFAULTS.seed, 0),
        weather: weatherOf(o.weather),
        split: splitOf(o.split),
        force: o.force === true,
      };
      // the folder checks first, before a workspace is opened, so a bad --out fails fast
      prepareOutput({ ...args, width, height });
      await rt.withEngine({ runJobs: true }, async (engine) => {
        const { jobId } = await engine.call('synth.generate', args);
        await rt.runJob(engine, jobId, 'synth');
        const result = (await engine.call('jobs.get', { id: jobId })).result as SynthGenerateResult;
        rt.print(
          { jobId, ...result },
          () =>
            `SynthDrive: ${result.framesWritten} frames written` +
            (result.framesSkipped ? `, ${result.framesSkipped} already complete` : '') +
            ` to ${result.out}\nsplit ${result.split}, world seed ${result.worldSeed}` +
            (result.split === 'train' ? '' : ` (the ${result.split} split draws other worlds than train with --seed ${args.seed})`) +
            `\nweather per sequence: ${result.weathers.join(', ')}` +
            (result.labelIds.length ? `\nlabelIds present: ${result.labelIds.join(' ')}` : ''),
        );
      });
    });

  synth
    .command('preview')
    .description('write a contact sheet (frames and their colour labels) as one PNG')
    .option('--out <file>', 'PNG file to write')
    .option('--sequences <n>', 'sequences to show (default 3)')
    .option('--frames <n>', 'frames shown per sequence (default 2)')
    .option(
      '--span <n>',
      `sequence length the shown frames are spread over (default ${SYNTH_DEFAULTS.frames})`,
    )
    .option('--size <WxH>', `frame size (default ${SYNTH_DEFAULTS.size})`)
    .option('--seed <s>', `world seed (default ${SYNTH_DEFAULTS.seed})`)
    .option('--weather <w>', `${SYNTH_WEATHERS.join('|')} (default ${SYNTH_DEFAULTS.weather})`)
    .action((own: SynthFlags & { span?: string }) => {
      // flags shared with `synth` are parsed by the parent command, so read both
      const o: SynthFlags & { span?: string } = { ...synth.opts<SynthFlags>(), ...own };
      if (!o.out) throw new StudioError('bad_request', 'synth preview: --out FILE.png is required');
      const { width, height } = parseSynthSize(o.size ?? SYNTH_DEFAULTS.size);
      const sheet = writeContactSheet({
        out: o.out,
        sequences: int('sequences', o.sequences, 3, 1),
        frames: int('frames', o.frames, 2, 1),
        span: int('span', o.span, SYNTH_DEFAULTS.frames, 1),
        width,
        height,
        seed: int('seed', o.seed, SYNTH_DEFAULTS.seed, 0),
        weather: weatherOf(o.weather),
      });
      rt.print(sheet, () => `contact sheet ${sheet.width}x${sheet.height} written to ${sheet.file}`);
    });
}
