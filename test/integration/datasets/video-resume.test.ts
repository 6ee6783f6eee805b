// A video import interrupted by an engine shutdown resumes on the next start from the frames already
// in the cache, and the result is byte-identical to an uninterrupted decode; ffmpeg does not outlive
// the worker that started it.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFfmpeg, probeVideo } from '../../../main/engine/datasets/ffmpeg.js';
import { listFrames } from '../../../main/engine/datasets/frame-source.js';
import { extractFrames } from '../../../main/engine/datasets/video.js';
import { createEngine } from '../../../main/engine/engine.js';
import { tempDir } from '../../helpers/temp-workspace.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
if (!hasFfmpeg) console.warn('video resume test skipped: no ffmpeg on PATH');

const tmp = tempDir('cs-video-resume-');
const video = path.join(tmp.dir, 'long.mp4');
afterAll(() => tmp.cleanup());
beforeAll(() => {
  if (!hasFfmpeg) return;
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=10', '-c:v', 'libx264', '-g', '50', '-pix_fmt', 'yuv420p', video]);
});

/** ffmpeg processes whose command line names this test's video (read-only look at the process table). */
function ffmpegsOnVideo(): number {
  const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout ?? '';
  return ps.split('\n').filter((l) => l.includes('ffmpeg') && l.includes(video)).length;
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

describe.skipIf(!hasFfmpeg)('video import across an engine restart', () => {
  it('resumes from the frame cache and matches an uninterrupted decode byte for byte', async () => {
    const ws = path.join(tmp.dir, 'ws');
    let engine = await createEngine({ workspace: ws, runJobs: true });
    const { jobId, datasetId } = await engine.call('datasets.import', { path: video, cacheFormat: 'png' });
    const cache = path.join(ws, 'datasets', datasetId, 'frames', 'long');
    const count = () => (fs.existsSync(cache) ? fs.readdirSync(cache).length : 0);
    expect(await until(() => count() >= 20, 120_000)).toBe(true);
    await engine.close();
    const atStop = count();
    expect(await until(() => ffmpegsOnVideo() === 0, 15_000)).toBe(true);
    expect(atStop).toBeLessThan(250);

    engine = await createEngine({ workspace: ws, runJobs: true });
    try {
      const job = await engine.call('jobs.wait', { id: jobId });
      expect(job.state, job.error ?? '').toBe('succeeded');
      expect(job.attempts).toBeGreaterThanOrEqual(1);
      const frames = listFrames(engine.db, datasetId);
      expect(frames).toHaveLength(250);

      const ref = path.join(tmp.dir, 'ref');
      const ffmpeg = findFfmpeg();
      const probe = probeVideo(ffmpeg, video);
      await extractFrames({ ffmpeg, file: video, outDir: ref, probe, fps: probe.fps, format: 'png' });
      for (const f of frames) {
        const a = fs.readFileSync(path.join(ref, path.basename(f.imagePath)));
        expect(fs.readFileSync(f.imagePath).equals(a), `frame ${f.index} differs (stopped at ${atStop})`).toBe(true);
      }
    } finally {
      await engine.close();
    }
  });
});
