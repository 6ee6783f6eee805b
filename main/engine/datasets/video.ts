// Video → indexed frame cache. Frame k of the cache is the source frame shown at t0 + k/fps (ffmpeg's fps
// filter, nearest), written as <outDir>/<k:06>.<ext>. Frame-exact resume: a restart seeks to exactly
// t0 + k/fps with -copyts and starts the fps filter there, so frame k onwards come out identical to an
// uninterrupted run (tested byte-for-byte); the last file on disk is redone in case it was cut mid-write.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { rationalValue, type Rational, type VideoProbe } from './ffmpeg.js';

export interface ExtractOptions {
  readonly ffmpeg: string;
  readonly file: string;
  readonly outDir: string;
  readonly probe: VideoProbe;
  readonly fps: Rational;
  /** Output size; one of them alone keeps the aspect ratio (even size). */
  readonly width?: number | undefined;
  readonly height?: number | undefined;
  readonly maxFrames?: number | undefined;
  readonly format: 'jpg' | 'png';
  readonly signal?: AbortSignal;
  /** Called with frames on disk so far and the expected total. */
  readonly onProgress?: (done: number, total: number) => void;
}

export function frameFileName(k: number, format: 'jpg' | 'png'): string {
  return `${String(k).padStart(6, '0')}.${format}`;
}

/** Frames already complete on disk: the contiguous run from 0, minus the last (maybe half-written) one. */
export function completeFramesOnDisk(outDir: string, format: 'jpg' | 'png'): number {
  let k = 0;
  while (fs.existsSync(path.join(outDir, frameFileName(k, format)))) k++;
  return Math.max(0, k - 1);
}

export function expectedFrameCount(probe: VideoProbe, fps: Rational, maxFrames?: number): number {
  const est = Number.isFinite(probe.duration) ? Math.round(probe.duration * rationalValue(fps)) : 0;
  return maxFrames !== undefined ? (est > 0 ? Math.min(est, maxFrames) : maxFrames) : est;
}

/** Decodes (the rest of) a video into the cache; returns the number of frames on disk. */
export async function extractFrames(o: ExtractOptions): Promise<number> {
  fs.mkdirSync(o.outDir, { recursive: true });
  const start = completeFramesOnDisk(o.outDir, o.format);
  const total = expectedFrameCount(o.probe, o.fps, o.maxFrames);
  if (o.maxFrames !== undefined && start >= o.maxFrames) return countFrames(o.outDir, o.format, o.maxFrames);
  // Drop files past the resume point so a shorter rerun cannot leave stale frames behind.
  for (let k = start; fs.existsSync(path.join(o.outDir, frameFileName(k, o.format))); k++) {
    fs.rmSync(path.join(o.outDir, frameFileName(k, o.format)));
  }
  const t = o.probe.startTime + (start * o.fps.den) / o.fps.num;
  const ts = t.toFixed(9);
  const scale =
    o.width !== undefined && o.height !== undefined
      ? `,scale=${o.width}:${o.height}`
      : o.width !== undefined
        ? `,scale=${o.width}:-2`
        : o.height !== undefined
          ? `,scale=-2:${o.height}`
          : '';
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
  if (start > 0) args.push('-ss', ts);
  args.push('-copyts', '-i', o.file, '-map', '0:v:0', '-an', '-sn');
  args.push('-vf', `fps=fps=${o.fps.num}/${o.fps.den}:start_time=${ts}${scale}`);
  if (o.maxFrames !== undefined) args.push('-frames:v', String(o.maxFrames - start));
  args.push('-start_number', String(start));
  if (o.format === 'jpg') args.push('-q:v', '2');
  args.push('-progress', 'pipe:1', '-f', 'image2', path.join(o.outDir, `%06d.${o.format}`));

  await new Promise<void>((resolve, reject) => {
    const child = spawn(o.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let buf = '';
    const onAbort = () => child.kill('SIGTERM');
    o.signal?.addEventListener('abort', onAbort);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('frame=')) o.onProgress?.(start + Number(line.slice(6)), total);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => {
      stderr = (stderr + c).slice(-4000);
    });
    child.on('error', (e) => {
      o.signal?.removeEventListener('abort', onAbort);
      reject(new StudioError('unavailable', `${o.ffmpeg}: cannot run ffmpeg (${e.message})`));
    });
    child.on('close', (code) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) reject(new StudioError('cancelled', 'video decode cancelled'));
      else if (code === 0) resolve();
      else {
        const last = stderr.trim().split('\n').slice(-2).join(' / ');
        reject(new StudioError('invalid_input', `${o.file}: ffmpeg could not decode the video (exit ${code}): ${last}`, { file: o.file }));
      }
    });
  });
  const n = countFrames(o.outDir, o.format, o.maxFrames);
  o.onProgress?.(n, n);
  return n;
}

function countFrames(outDir: string, format: 'jpg' | 'png', max?: number): number {
  let k = 0;
  while ((max === undefined || k < max) && fs.existsSync(path.join(outDir, frameFileName(k, format)))) k++;
  return k;
}
