// Video → indexed frame cache with ffmpeg: frame-exact, resumable after a cut, cancellable; imported as a
// dataset whose frames live in the workspace (and are removed with it).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFfmpeg, probeVideo, toRational } from '../../../main/engine/datasets/ffmpeg.js';
import { listFrames } from '../../../main/engine/datasets/frame-source.js';
import { extractFrames, frameFileName } from '../../../main/engine/datasets/video.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { tempDir } from '../../helpers/temp-workspace.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0 || (() => {
  try {
    findFfmpeg();
    return true;
  } catch {
    return false;
  }
})();
if (!hasFfmpeg) console.warn('video import tests skipped: no ffmpeg on this machine');

const tmp = tempDir('cs-video-');
const video = path.join(tmp.dir, 'drive 01.mp4');
afterAll(() => tmp.cleanup());

beforeAll(() => {
  if (!hasFfmpeg) return;
  // 6 s at 25 fps, a keyframe every 25 frames so resumes land mid-GOP
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25:duration=6', '-c:v', 'libx264', '-g', '25', '-pix_fmt', 'yuv420p', video]);
});

describe.skipIf(!hasFfmpeg)('video frame cache', () => {
  it('probes the video', () => {
    const p = probeVideo(findFfmpeg(), video);
    expect(p).toMatchObject({ width: 160, height: 120, fps: { num: 25, den: 1 } });
    expect(p.duration).toBeCloseTo(6, 1);
    expect(() => probeVideo(findFfmpeg(), path.join(tmp.dir, 'none.mp4'))).toThrow(/none\.mp4: video file does not exist/);
  });

  it('resumes frame-exactly after a cancelled run with a half-written last frame', async () => {
    const ffmpeg = findFfmpeg();
    const probe = probeVideo(ffmpeg, video);
    const fps = toRational(7); // not a divisor of 25: every output frame is a nearest-frame choice
    const ref = path.join(tmp.dir, 'ref');
    const n = await extractFrames({ ffmpeg, file: video, outDir: ref, probe, fps, width: 80, format: 'png' });
    expect(n).toBe(42);

    const out = path.join(tmp.dir, 'resumed');
    const ac = new AbortController();
    await expect(
      extractFrames({
        ffmpeg,
        file: video,
        outDir: out,
        probe,
        fps,
        width: 80,
        format: 'png',
        signal: ac.signal,
        onProgress: (done) => {
          if (done >= 10) ac.abort();
        },
      }),
    ).rejects.toThrow(/cancelled/);
    let have = fs.readdirSync(out).length;
    // make sure the cut happened mid-way; if ffmpeg was too quick, cut the cache by hand
    if (have >= 42) {
      for (let k = 20; k < 42; k++) fs.rmSync(path.join(out, frameFileName(k, 'png')));
      have = 20;
    }
    expect(have).toBeLessThan(42);
    // simulate a frame cut mid-write
    const last = path.join(out, frameFileName(have - 1, 'png'));
    fs.writeFileSync(last, fs.readFileSync(last).subarray(0, 30));
    const progress: number[] = [];
    const m = await extractFrames({ ffmpeg, file: video, outDir: out, probe, fps, width: 80, format: 'png', onProgress: (d) => progress.push(d) });
    expect(m).toBe(42);
    expect(progress[0]).toBeGreaterThanOrEqual(have - 1); // it did not start over
    for (let k = 0; k < 42; k++) {
      const a = fs.readFileSync(path.join(ref, frameFileName(k, 'png')));
      const b = fs.readFileSync(path.join(out, frameFileName(k, 'png')));
      expect(b.equals(a), `frame ${k} differs after resume`).toBe(true);
    }
  });
});

describe.skipIf(!hasFfmpeg)('video import job', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ workspace: path.join(tmp.dir, 'ws'), runJobs: true });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('imports a video at a chosen fps, size and frame limit, with progress, and removes its cache', async () => {
    const progress: number[] = [];
    engine.onEvent((e) => {
      if (e.type === 'job.progress' && e.stage === 'decode') progress.push(e.step);
    });
    const { jobId, datasetId } = await engine.call('datasets.import', { path: video, fps: 5, width: 64, maxFrames: 20, split: 'val' });
    const job = await engine.call('jobs.wait', { id: jobId });
    expect(job.state, job.error ?? '').toBe('succeeded');
    const d = await engine.call('datasets.get', { id: datasetId });
    expect(d).toMatchObject({ format: 'video', frameCount: 20, labelledCount: 0, protocolId: null, name: 'drive 01', splits: ['val'] });
    expect(d.options).toMatchObject({ fps: 5, width: 64, maxFrames: 20, cacheFormat: 'jpg' });
    expect(d.root.startsWith(engine.workspace.root)).toBe(true);
    const frames = listFrames(engine.db, datasetId);
    expect(frames.map((f) => f.index)).toEqual([...Array(20).keys()]);
    expect(frames[7]).toMatchObject({ width: 64, height: 48, timeSeconds: 1.4, split: 'val' });
    expect(fs.existsSync(frames[19]!.imagePath)).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    const img = await engine.assets.handle(new Request(`studio://asset/frame/${frames[3]!.id}`));
    expect(img.headers.get('content-type')).toBe('image/jpeg');

    await engine.call('datasets.remove', { id: datasetId });
    expect(fs.existsSync(d.root)).toBe(false);
    expect(fs.existsSync(video)).toBe(true);
  });

  it('imports a folder of videos as one sequence per video', async () => {
    const dir = path.join(tmp.dir, 'clips');
    fs.mkdirSync(dir);
    for (const [name, dur] of [['b', 1], ['a', 2]] as const) {
      execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=64x48:rate=10:duration=${dur}`, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', path.join(dir, `${name}.mp4`)]);
    }
    const { jobId, datasetId } = await engine.call('datasets.import', { path: dir, fps: 5 });
    const job = await engine.call('jobs.wait', { id: jobId });
    expect(job.state, job.error ?? '').toBe('succeeded');
    const seqs = await engine.call('datasets.sequences', { id: datasetId });
    expect(seqs.map((s) => [s.name, s.frameCount])).toEqual([
      ['a', 10],
      ['b', 5],
    ]);
  });

  it('auto-detects a video file and fails clearly on a broken one', async () => {
    const bad = path.join(tmp.dir, 'broken.mp4');
    fs.writeFileSync(bad, 'this is not a video');
    const { jobId } = await engine.call('datasets.import', { path: bad });
    const job = await engine.call('jobs.wait', { id: jobId });
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/broken\.mp4: not a readable video/);
  });
});
