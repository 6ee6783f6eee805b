// SynthDrive through the engine (a real 'synth.generate' job in a worker thread, progress events,
// resume after an interrupted attempt) and through the CLI in a child process.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../main/engine/engine.js';
import { framePaths, generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';

const tmp = tempDir('synth-int-');
afterAll(() => tmp.cleanup());

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, CAUSE_STUDIO_HOME: path.join(tmp.dir, 'cli-ws') },
    timeout: 240_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function digest(dir: string): string {
  const h = crypto.createHash('sha256');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(path.relative(dir, p)).update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

describe('synth.generate job', () => {
  it('generates with progress per frame, and a resumed job only renders the missing frames', async () => {
    const out = path.join(tmp.dir, 'job-out');
    const engine = await createEngine({ workspace: path.join(tmp.dir, 'ws'), runJobs: true });
    try {
      const steps: number[] = [];
      const off = engine.onEvent((e) => {
        if (e.type === 'job.progress') steps.push(e.step);
      });
      const { jobId } = await engine.call('synth.generate', {
        out,
        sequences: 1,
        frames: 4,
        size: '128x64',
        seed: 3,
      });
      const done = await engine.call('jobs.wait', { id: jobId });
      off();
      expect(done.state).toBe('succeeded');
      const detail = await engine.call('jobs.get', { id: jobId });
      expect(detail.result).toMatchObject({ framesWritten: 4, framesSkipped: 0, totalFrames: 4 });
      expect(steps).toContain(4);
      expect(detail.checkpointStep).toBe(4);
      const full = digest(out);

      // simulate a run killed after two frames: the same folder with frames 2 and 3 missing
      for (const f of [2, 3])
        for (const file of Object.values(framePaths(out, 'train', 0, f)).slice(1)) fs.rmSync(file);
      const again = await engine.call('synth.generate', {
        out,
        sequences: 1,
        frames: 4,
        size: '128x64',
        seed: 3,
      });
      const second = await engine.call('jobs.wait', { id: again.jobId });
      expect(second.state).toBe('succeeded');
      expect((await engine.call('jobs.get', { id: again.jobId })).result).toMatchObject({
        framesWritten: 2,
        framesSkipped: 2,
      });
      expect(digest(out)).toBe(full);

      // a bad request is refused before any job is created
      await expect(
        engine.call('synth.generate', { out: path.join(tmp.dir, 'x'), size: '100x64' }),
      ).rejects.toThrow(/not a multiple of 16/);
      const busy = path.join(tmp.dir, 'busy');
      fs.mkdirSync(busy);
      fs.writeFileSync(path.join(busy, 'a.txt'), 'x');
      await expect(engine.call('synth.generate', { out: busy, size: '128x64' })).rejects.toThrow(
        /not empty.*--force/,
      );
    } finally {
      await engine.close();
    }
  });
});

describe('cause-studio synth', () => {
  it('writes a run, the same bytes as the library, and reports it', async () => {
    const out = path.join(tmp.dir, 'cli-out');
    const r = cli([
      '--json',
      'synth',
      '--out',
      out,
      '--sequences',
      '1',
      '--frames',
      '2',
      '--size',
      '128x64',
      '--seed',
      '4',
      '--weather',
      'rain',
    ]);
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as { framesWritten: number; weathers: string[] };
    expect(result).toMatchObject({ framesWritten: 2, weathers: ['rain'] });
    const lib = path.join(tmp.dir, 'lib-out');
    await generateSynthDrive({
      out: lib,
      sequences: 1,
      frames: 2,
      width: 128,
      height: 64,
      seed: 4,
      weather: 'rain',
      split: 'train',
    });
    expect(digest(out)).toBe(digest(lib));
  });

  it('fails with one clear line on bad sizes, a non-empty folder and an unwritable folder', () => {
    for (const [size, why] of [
      ['500x256', /width 500 is not a multiple of 16/],
      ['32x64', /width 32 is below the minimum of 64/],
      ['8192x256', /width 8192 is above the maximum of 4096/],
    ] as const) {
      const r = cli(['synth', '--out', path.join(tmp.dir, 'never'), '--size', size]);
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(why);
    }
    const busy = path.join(tmp.dir, 'cli-busy');
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, 'keep.txt'), 'x');
    const b = cli(['synth', '--out', busy, '--size', '128x64']);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(new RegExp(`${busy}: output folder is not empty .*--force`));
    const file = path.join(tmp.dir, 'plain-file');
    fs.writeFileSync(file, '');
    const c = cli(['synth', '--out', path.join(file, 'sub'), '--size', '128x64']);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/plain-file\/sub: output folder is not writable/);
  });

  it('a resumed run removes the temp files a killed writer left of every output kind, the motion channel too', async () => {
    const out = path.join(tmp.dir, 'stale-out');
    const options = { out, sequences: 1, frames: 2, width: 128, height: 64, seed: 3, weather: 'clear' as const, split: 'train' as const };
    await generateSynthDrive(options);
    const whole = digest(out);
    // a writer that is gone: a finished child's pid
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    const p = framePaths(out, 'train', 0, 1);
    const stale = [p.image, p.labelIds, p.motion].map((f) => `${f}.tmp-${dead}-k3x9q`);
    for (const f of stale) fs.writeFileSync(f, 'half a write');
    await generateSynthDrive(options);
    expect(stale.filter((f) => fs.existsSync(f))).toEqual([]);
    expect(digest(out)).toBe(whole);
  });

  it('resumes after the CLI process is killed mid-run, ending byte-identical to an uninterrupted run', async () => {
    const out = path.join(tmp.dir, 'killed-out');
    const args = [
      'synth',
      '--out',
      out,
      '--sequences',
      '1',
      '--frames',
      '40',
      '--size',
      '256x128',
      '--seed',
      '6',
    ];
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), ...args], {
      env: { ...process.env, CAUSE_STUDIO_HOME: path.join(tmp.dir, 'kill-ws') },
      stdio: 'ignore',
      detached: true,
    });
    const imgDir = path.join(out, 'leftImg8bit', 'train', 'synthdrive');
    const started = Date.now();
    while (Date.now() - started < 200_000) {
      const n = fs.existsSync(imgDir) ? fs.readdirSync(imgDir).filter((f) => f.endsWith('.png')).length : 0;
      if (n >= 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // SIGKILL the whole process group (CLI and its job worker thread): no cleanup runs
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = fs.readdirSync(imgDir).filter((f) => f.endsWith('.png')).length;
    expect(before).toBeGreaterThanOrEqual(3);
    expect(before).toBeLessThan(40);
    const r = cli(['--json', ...args]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as { framesWritten: number; framesSkipped: number };
    expect(result.framesSkipped).toBeGreaterThanOrEqual(before - 1);
    expect(result.framesWritten + result.framesSkipped).toBe(40);
    const lib = path.join(tmp.dir, 'killed-lib');
    await generateSynthDrive({
      out: lib,
      sequences: 1,
      frames: 40,
      width: 256,
      height: 128,
      seed: 6,
      weather: 'mixed',
      split: 'train',
    });
    // the resumed run also removed the temp files of the write the kill interrupted
    expect(digest(out)).toBe(digest(lib));
  });

  it('writes a contact sheet', () => {
    const sheet = path.join(tmp.dir, 'sheet.png');
    const r = cli([
      'synth',
      'preview',
      '--out',
      sheet,
      '--sequences',
      '2',
      '--frames',
      '1',
      '--size',
      '128x64',
    ]);
    expect(r.code).toBe(0);
    const png = fs.readFileSync(sheet);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // 2 columns (frame | labels) × 2 rows
    expect(png.readUInt32BE(16)).toBe(256);
    expect(png.readUInt32BE(20)).toBe(128);
  });
});
