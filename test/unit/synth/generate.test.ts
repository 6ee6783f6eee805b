import { afterAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isStudioError } from '../../../shared/contract/errors.js';
import {
  framePaths,
  generateSynthDrive,
  MANIFEST_NAME,
  type SynthOptions,
} from '../../../main/engine/synth/generate.js';
import { readGray16, readGray8, readRgb, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const base = (out: string, extra: Partial<SynthOptions> = {}): SynthOptions => ({
  out,
  sequences: 2,
  frames: 3,
  width: 128,
  height: 64,
  seed: 7,
  weather: 'mixed',
  split: 'train',
  ...extra,
});

/** sha256 of every file under dir, by relative path. */
function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

async function expectStudioError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(isStudioError(e), String(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected a ${code} error`);
}

describe('generateSynthDrive', () => {
  it('writes the Cityscapes layout with consecutive frame numbers and a manifest', async () => {
    const out = tempDir();
    const reports: string[] = [];
    const result = await generateSynthDrive(base(out), {
      onFrame: (r) => reports.push(`${r.done}/${r.total} ${r.stem}`),
    });
    expect(result).toMatchObject({ framesWritten: 6, framesSkipped: 0, totalFrames: 6 });
    expect(reports[0]).toBe('1/6 synthdrive_000000_000000');
    expect(reports[5]).toBe('6/6 synthdrive_000001_000002');
    const imgs = fs.readdirSync(path.join(out, 'leftImg8bit', 'train', 'synthdrive')).sort();
    expect(imgs).toEqual(
      [0, 1].flatMap((s) => [0, 1, 2].map((f) => `synthdrive_00000${s}_00000${f}_leftImg8bit.png`)),
    );
    const gt = fs.readdirSync(path.join(out, 'gtFine', 'train', 'synthdrive'));
    expect(gt).toHaveLength(18);
    for (const name of gt)
      expect(name).toMatch(/^synthdrive_\d{6}_\d{6}_gtFine_(labelIds|color|instanceIds)\.png$/);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, MANIFEST_NAME), 'utf8'));
    expect(manifest).toMatchObject({
      generator: 'SynthDrive',
      params: { seed: 7, sequences: 2, frames: 3, width: 128, height: 64 },
    });
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    // file formats: RGB image, 8-bit labelIds, Cityscapes colours, 16-bit instanceIds
    const p = framePaths(out, 'train', 1, 2);
    const img = await readRgb(p.image);
    expect([img.width, img.height, img.channels]).toEqual([128, 64, 3]);
    const labels = await readGray8(p.labelIds);
    const inst = await readGray16(p.instanceIds);
    const color = await readRgb(p.color);
    for (let i = 0; i < labels.data.length; i++) {
      const id = labels.data[i]!;
      const iv = inst.data[i]!;
      if (iv >= 1000 ? Math.floor(iv / 1000) !== id : iv !== id)
        throw new Error(`instanceId ${iv} disagrees with labelId ${id} at ${i}`);
    }
    // road pixels are drawn in the official road colour
    const road = labels.data.indexOf(7);
    expect(road).toBeGreaterThanOrEqual(0);
    expect(Array.from(color.data.subarray(road * 3, road * 3 + 3))).toEqual([128, 64, 128]);
  });

  it('is deterministic: two runs give byte-identical files', async () => {
    const a = tempDir();
    const b = tempDir();
    await generateSynthDrive(base(a));
    await generateSynthDrive(base(b));
    const ha = hashes(a);
    // manifest + 6 frames × (image, labelIds, color, instanceIds, motion)
    expect(Object.keys(ha)).toHaveLength(31);
    expect(hashes(b)).toEqual(ha);
  });

  it('resumes an interrupted run at the missing frames, with identical bytes', async () => {
    const full = tempDir();
    await generateSynthDrive(base(full));
    const out = tempDir();
    const controller = new AbortController();
    await expectStudioError(
      generateSynthDrive(base(out), {
        signal: controller.signal,
        onFrame: (r) => r.done === 2 && controller.abort(),
      }),
      'cancelled',
      /cancelled/,
    );
    // a killed writer can leave a frame partly written: remove one of its files
    fs.rmSync(framePaths(out, 'train', 0, 1).image);
    const again = await generateSynthDrive(base(out));
    expect(again).toMatchObject({ framesWritten: 5, framesSkipped: 1 });
    expect(hashes(out)).toEqual(hashes(full));
  });

  it.each([
    [{ width: 120 }, /width 120 is not a multiple of 16/],
    [{ height: 48 }, /height 48 is below the minimum of 64/],
    [{ width: 4160 }, /width 4160 is above the maximum of 4096/],
  ])('rejects a bad size %o', async (extra, why) => {
    const out = tempDir();
    await expectStudioError(generateSynthDrive(base(out, extra)), 'bad_request', why);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('refuses a non-empty folder without force, names it, and writes into it with force', async () => {
    const out = tempDir();
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
    await expectStudioError(
      generateSynthDrive(base(out)),
      'conflict',
      new RegExp(`${out}.*not empty.*--force`),
    );
    const r = await generateSynthDrive(base(out, { force: true, sequences: 1, frames: 1 }));
    expect(r.framesWritten).toBe(1);
    expect(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
    // a different SynthDrive run in the folder is a conflict too; with force its frames are replaced
    await expectStudioError(
      generateSynthDrive(base(out, { seed: 8, sequences: 1, frames: 1 })),
      'conflict',
      /different parameters/,
    );
    const other = await generateSynthDrive(base(out, { seed: 8, sequences: 1, frames: 1, force: true }));
    expect(other.framesWritten).toBe(1);
  });

  it('names an unwritable output folder', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    await expectStudioError(
      generateSynthDrive(base(path.join(file, 'out'))),
      'io_error',
      /a-file\/out: output folder is not writable/,
    );
    await expectStudioError(generateSynthDrive(base(file)), 'invalid_input', /exists and is not a folder/);
    if (process.getuid?.() !== 0) {
      const ro = path.join(dir, 'read-only');
      fs.mkdirSync(ro, { mode: 0o555 });
      await expectStudioError(
        generateSynthDrive(base(ro)),
        'io_error',
        /read-only: output folder is not writable \(EACCES\)/,
      );
    }
  });
});
