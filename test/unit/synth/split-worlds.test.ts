// SynthDrive's val split is built from other worlds than its train split (splitWorldSeed), so a model
// trained on one is scored on streets it never saw; the manifest names the world seed, and a val run
// written before splits had their own worlds is not mistaken for one that has.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStudioError } from '../../../shared/contract/errors.js';
import { splitWorldSeed } from '../../../shared/contract/synth.js';
import { framePaths, generateSynthDrive, MANIFEST_NAME, type SynthOptions } from '../../../main/engine/synth/generate.js';
import { removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const opts = (out: string, split: 'train' | 'val'): SynthOptions => ({
  out,
  sequences: 1,
  frames: 2,
  width: 128,
  height: 64,
  seed: 9,
  weather: 'clear',
  split,
});

describe('splitWorldSeed', () => {
  it('keeps the seed for train and derives another 31-bit seed for val', () => {
    for (const s of [0, 1, 5, 9, 2147483647]) {
      expect(splitWorldSeed(s, 'train')).toBe(s);
      const v = splitWorldSeed(s, 'val');
      expect(v).not.toBe(s);
      expect(Number.isInteger(v) && v >= 0 && v <= 0x7fffffff).toBe(true);
      expect(splitWorldSeed(s, 'val')).toBe(v);
    }
    const vals = new Set(Array.from({ length: 1000 }, (_, s) => splitWorldSeed(s, 'val')));
    expect(vals.size).toBe(1000);
    // no val world of a small seed is the train world of another small seed
    for (const v of vals) expect(v).toBeGreaterThan(1000);
  });
});

describe('generateSynthDrive splits', () => {
  it('renders different frames for val than for train with the same seed, and records the world seed', async () => {
    const a = tempDir();
    const b = tempDir();
    const ra = await generateSynthDrive(opts(a, 'train'));
    const rb = await generateSynthDrive(opts(b, 'val'));
    expect(ra).toMatchObject({ split: 'train', worldSeed: 9 });
    expect(rb).toMatchObject({ split: 'val', worldSeed: splitWorldSeed(9, 'val') });
    const img = (out: string, split: string) => fs.readFileSync(framePaths(out, split, 0, 0).image);
    const lab = (out: string, split: string) => fs.readFileSync(framePaths(out, split, 0, 0).labelIds);
    expect(img(a, 'train').equals(img(b, 'val'))).toBe(false);
    expect(lab(a, 'train').equals(lab(b, 'val'))).toBe(false);
    const manifest = JSON.parse(fs.readFileSync(path.join(b, MANIFEST_NAME), 'utf8'));
    expect(manifest).toMatchObject({ worldSeed: splitWorldSeed(9, 'val'), params: { seed: 9, split: 'val' } });
  });

  it('resumes a run with the same world seed, but refuses a val run from before splits had their own worlds', async () => {
    const out = tempDir();
    await generateSynthDrive(opts(out, 'val'));
    const again = await generateSynthDrive(opts(out, 'val'));
    expect(again).toMatchObject({ framesWritten: 0, framesSkipped: 2 });
    // the manifest of an older val run: no worldSeed, its worlds were those of params.seed
    const file = path.join(out, MANIFEST_NAME);
    const old = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete old.worldSeed;
    fs.writeFileSync(file, JSON.stringify(old));
    let error: unknown;
    await generateSynthDrive(opts(out, 'val')).catch((e: unknown) => (error = e));
    expect(isStudioError(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/holds a SynthDrive run with different parameters/);
    // with force it renders the val worlds again (frames on disk are not trusted)
    const forced = await generateSynthDrive({ ...opts(out, 'val'), force: true });
    expect(forced.framesWritten).toBe(2);
  });

  it('an older train manifest without worldSeed still resumes (train worlds did not change)', async () => {
    const out = tempDir();
    await generateSynthDrive(opts(out, 'train'));
    const file = path.join(out, MANIFEST_NAME);
    const old = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete old.worldSeed;
    fs.writeFileSync(file, JSON.stringify(old));
    expect(await generateSynthDrive(opts(out, 'train'))).toMatchObject({ framesWritten: 0, framesSkipped: 2 });
  });
});
