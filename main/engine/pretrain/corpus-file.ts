// A token corpus on disk (one float32 file with a JSON header), so a resumed run does not re-render or
// re-extract its frames.
import fs from 'node:fs';
import { StudioError } from '../../../shared/contract/errors.js';
import type { TokenCorpus } from './corpus.js';

export function writeCorpus(file: string, c: TokenCorpus, meta: Record<string, unknown>): void {
  const header = Buffer.from(
    JSON.stringify({ h: c.h, w: c.w, dim: c.dim, frames: c.frames.length, meta }),
    'utf8',
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const tmp = `${file}.tmp`;
  try {
    fs.writeFileSync(
      tmp,
      Buffer.concat([len, header, ...c.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))]),
    );
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    throw new StudioError(
      'internal',
      err.code === 'ENOSPC' ? `disk full while writing ${file}` : `cannot write ${file}: ${err.message}`,
      { file },
    );
  }
}

export function readCorpus(file: string): { corpus: TokenCorpus; meta: Record<string, unknown> } {
  const buf = fs.readFileSync(file);
  const len = buf.readUInt32LE(0);
  const h = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as {
    h: number;
    w: number;
    dim: number;
    frames: number;
    meta: Record<string, unknown>;
  };
  const per = h.h * h.w * h.dim;
  const off = 4 + len;
  if (buf.length !== off + h.frames * per * 4)
    throw new StudioError('invalid_input', `${file}: token corpus is truncated`, { file });
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + buf.length));
  const frames = Array.from({ length: h.frames }, (_, i) => all.subarray(i * per, (i + 1) * per));
  return { corpus: { frames, h: h.h, w: h.w, dim: h.dim }, meta: h.meta };
}
