// Pipes raw RGB frames into ffmpeg (libx264, yuv420p, faststart) and writes the MP4 atomically: the
// output name appears only when the whole file is complete.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { removeStaleTemps } from '../workspace.js';

export class VideoEncoder {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly partial: string;
  private stderrTail = '';
  private exited: Promise<number | null>;
  private failed: Error | null = null;

  constructor(
    ffmpeg: string,
    private readonly out: string,
    readonly width: number,
    readonly height: number,
    fps: number,
  ) {
    if (width % 2 || height % 2) throw new StudioError('bad_request', `video size ${width}x${height} must be even (yuv420p)`);
    this.partial = `${out}.partial-${process.pid}.mp4`;
    // A killed engine's partial video (another pid) is never renamed: an export to the same file replaces it.
    removeStaleTemps(path.dirname(out), { prefix: `${path.basename(out)}.partial-` });
    this.proc = spawn(
      ffmpeg,
      [
        '-hide_banner', '-loglevel', 'error', '-y',
        '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
        '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', '-movflags', '+faststart',
        this.partial,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.proc.stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000);
    });
    this.proc.stdin.on('error', (e) => {
      this.failed ??= e;
    });
    this.exited = new Promise((resolve) => {
      this.proc.on('error', (e) => {
        this.failed ??= e;
        resolve(null);
      });
      this.proc.on('close', (code) => resolve(code));
    });
  }

  async write(rgb: Uint8Array): Promise<void> {
    if (rgb.length !== this.width * this.height * 3) throw new Error(`frame is ${rgb.length} bytes, expected ${this.width * this.height * 3}`);
    if (this.failed || this.proc.exitCode !== null) throw this.error('ffmpeg stopped accepting frames');
    if (!this.proc.stdin.write(rgb)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.proc.stdin.off('drain', done);
          this.proc.off('close', done);
          resolve();
        };
        this.proc.stdin.once('drain', done);
        this.proc.once('close', done);
      });
    }
  }

  /** Finishes the file and moves it into place. */
  async finish(): Promise<void> {
    this.proc.stdin.end();
    const code = await this.exited;
    if (code !== 0 || this.failed) {
      this.cleanup();
      throw this.error(`ffmpeg failed (exit ${code})`);
    }
    fs.renameSync(this.partial, this.out);
  }

  /** Stops ffmpeg and removes the partial file (cancel or error). */
  async abort(): Promise<void> {
    this.proc.stdin.destroy();
    this.proc.kill('SIGKILL');
    await this.exited;
    this.cleanup();
  }

  private cleanup(): void {
    fs.rmSync(this.partial, { force: true });
  }

  private error(what: string): StudioError {
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    const reason = this.failed ? `: ${this.failed.message}` : '';
    // ffmpeg's own words for a full disk, said the way every other job says it.
    if (/No space left on device/i.test(tail)) return new StudioError('io_error', `${this.out}: the disk is full (ffmpeg: No space left on device); free some space, then resume the job`, { file: this.out });
    return new StudioError('io_error', `${this.out}: ${what}${reason}${tail ? ` — ${tail}` : ''}`);
  }
}
