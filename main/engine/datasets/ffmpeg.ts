// Finding ffmpeg/ffprobe and probing a video. Order: $CAUSE_STUDIO_FFMPEG (or the 'ffmpegPath' setting,
// passed in by the caller), then the packaged @ffmpeg-installer binary, then PATH.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import { getSetting } from '../db/queries/settings.js';

export interface Rational {
  readonly num: number;
  readonly den: number;
}

export interface VideoProbe {
  readonly width: number;
  readonly height: number;
  /** Average frame rate of the video stream. */
  readonly fps: Rational;
  /** Seconds; NaN when the container does not say. */
  readonly duration: number;
  /** First presentation time of the stream, seconds. */
  readonly startTime: number;
}

function works(bin: string): boolean {
  try {
    return spawnSync(bin, ['-version'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

let cached: string | null = null;

export function findFfmpeg(configured?: string | null): string {
  const explicit = configured ?? process.env.CAUSE_STUDIO_FFMPEG;
  if (explicit) {
    if (works(explicit)) return explicit;
    const from = configured ? 'the ffmpegPath setting' : '$CAUSE_STUDIO_FFMPEG';
    throw new StudioError('unavailable', `${explicit}: configured ffmpeg does not run (\`${explicit} -version\` fails; set by ${from})`);
  }
  if (cached) return cached;
  const candidates: string[] = [];
  try {
    const req = createRequire(import.meta.url);
    const pkg = req('@ffmpeg-installer/ffmpeg') as { path?: string };
    // Packaged, the binary is unpacked beside the asar (electron-builder asarUnpack): a file inside app.asar cannot run.
    if (pkg.path) candidates.push(pkg.path.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`));
  } catch {
    /* optional dependency absent */
  }
  const sys = onPath('ffmpeg');
  if (sys) candidates.push(sys);
  for (const c of candidates) {
    if (works(c)) {
      cached = c;
      return c;
    }
  }
  throw new StudioError(
    'unavailable',
    'ffmpeg is not available: install it (e.g. apt install ffmpeg) or set CAUSE_STUDIO_FFMPEG to its path',
  );
}

/** ffmpeg as the workspace configures it: the 'ffmpegPath' setting (`cause-studio settings set`) wins over the rest. */
export function findConfiguredFfmpeg(db: Database | null): string {
  const configured = db ? getSetting(db, 'ffmpegPath') : null;
  return findFfmpeg(typeof configured === 'string' && configured !== '' ? configured : null);
}

export function parseRational(s: string): Rational | null {
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(s.trim());
  if (!m) return null;
  const num = Number(m[1]);
  const den = m[2] !== undefined ? Number(m[2]) : 1;
  if (!(num > 0) || !(den > 0)) return null;
  return Number.isInteger(num) ? { num, den } : toRational(num / den);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** A user's fps (e.g. 2.5 or 29.97) as a rational ffmpeg reads exactly; NTSC rates snap to x000/1001. */
export function toRational(fps: number): Rational {
  for (const base of [24, 30, 60, 120]) {
    if (Math.abs(fps - (base * 1000) / 1001) < 0.005) return { num: base * 1000, den: 1001 };
  }
  const num = Math.round(fps * 1000);
  const g = gcd(num, 1000);
  return { num: num / g, den: 1000 / g };
}

export function rationalValue(r: Rational): number {
  return r.num / r.den;
}

/** Stream facts from ffprobe when it is beside ffmpeg or on PATH, else from `ffmpeg -i`'s banner. */
export function probeVideo(ffmpeg: string, file: string): VideoProbe {
  if (!fs.existsSync(file)) throw new StudioError('not_found', `${file}: video file does not exist`);
  const beside = path.join(path.dirname(ffmpeg), 'ffprobe');
  const ffprobe = fs.existsSync(beside) ? beside : onPath('ffprobe');
  if (ffprobe) {
    const r = spawnSync(
      ffprobe,
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,avg_frame_rate,r_frame_rate,duration,start_time:format=duration', '-of', 'json', file],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (r.status !== 0) {
      throw new StudioError('invalid_input', `${file}: not a readable video (${(r.stderr || '').trim().split('\n').pop() ?? 'ffprobe failed'})`, { file });
    }
    const j = JSON.parse(r.stdout) as {
      streams?: { width?: number; height?: number; avg_frame_rate?: string; r_frame_rate?: string; duration?: string; start_time?: string }[];
      format?: { duration?: string };
    };
    const s = j.streams?.[0];
    if (!s || !s.width || !s.height) throw new StudioError('invalid_input', `${file}: has no video stream`, { file });
    const fps = parseRational(s.avg_frame_rate ?? '') ?? parseRational(s.r_frame_rate ?? '');
    if (!fps) throw new StudioError('invalid_input', `${file}: video stream has no frame rate`, { file });
    return {
      width: s.width,
      height: s.height,
      fps,
      duration: Number(s.duration ?? j.format?.duration ?? NaN),
      startTime: Number(s.start_time ?? 0) || 0,
    };
  }
  const r = spawnSync(ffmpeg, ['-hide_banner', '-i', file], { encoding: 'utf8', timeout: 60_000 });
  const text = r.stderr ?? '';
  const stream = /Stream #\d+:\d+.*?: Video: .*?(\d{2,5})x(\d{2,5})[^\n]*?([\d.]+) fps/.exec(text);
  if (!stream) throw new StudioError('invalid_input', `${file}: not a readable video (no video stream found)`, { file });
  const dur = /Duration: (\d+):(\d+):([\d.]+)/.exec(text);
  const start = /start: (-?[\d.]+)/.exec(text);
  return {
    width: Number(stream[1]),
    height: Number(stream[2]),
    fps: toRational(Number(stream[3])),
    duration: dur ? Number(dur[1]) * 3600 + Number(dur[2]) * 60 + Number(dur[3]) : NaN,
    startTime: start ? Number(start[1]) : 0,
  };
}
