// The video the workload imports: made once per run by ffmpeg from a synthetic test pattern, then
// copied into every round so all rounds import the same bytes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { outDir } from './workload.js';

export function makeClip(file: string): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x96:rate=5:duration=1.6', '-c:v', 'libx264', '-threads', '1', '-pix_fmt', 'yuv420p', file]);
}

export function prepareHome(home: string, clip: string): void {
  fs.mkdirSync(outDir(home), { recursive: true });
  fs.copyFileSync(clip, path.join(outDir(home), 'clip.mp4'));
}
