// A minimal POSIX ustar writer/reader for experiment bundles: regular files only, fixed mtime and owner
// so the same experiment always gives the same bytes. No dependency needed for a format this small.
import { StudioError } from '../../../shared/contract/errors.js';

export interface TarEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

const BLOCK = 512;

function writeString(h: Uint8Array, offset: number, length: number, s: string): void {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length > length) throw new StudioError('bad_request', `tar: '${s}' is too long for its field`);
  h.set(bytes, offset);
}

function writeOctal(h: Uint8Array, offset: number, length: number, value: number): void {
  writeString(h, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  let size = 2 * BLOCK;
  for (const e of entries) size += BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const e of entries) {
    if (e.name.length === 0 || e.name.length > 100 || e.name.includes('..') || e.name.startsWith('/')) {
      throw new StudioError('bad_request', `tar: bad entry name '${e.name}'`);
    }
    const h = out.subarray(pos, pos + BLOCK);
    writeString(h, 0, 100, e.name);
    writeOctal(h, 100, 8, 0o644);
    writeOctal(h, 108, 8, 0);
    writeOctal(h, 116, 8, 0);
    writeOctal(h, 124, 12, e.data.length);
    writeOctal(h, 136, 12, 0);
    h.fill(0x20, 148, 156); // checksum counts its own field as spaces
    h[156] = 0x30; // '0' regular file
    writeString(h, 257, 6, 'ustar\0');
    writeString(h, 263, 2, '00');
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += h[i]!;
    writeString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
    out.set(e.data, pos + BLOCK);
    pos += BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK;
  }
  return out;
}

function readString(b: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && b[end] !== 0) end++;
  return new TextDecoder().decode(b.subarray(offset, end));
}

/** Parses a tar archive; errors name `source` and what is wrong. */
export function readTar(bytes: Uint8Array, source: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let pos = 0;
  while (pos + BLOCK <= bytes.length) {
    const h = bytes.subarray(pos, pos + BLOCK);
    if (h.every((v) => v === 0)) return entries;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    const stored = parseInt(readString(h, 148, 8).trim(), 8);
    if (stored !== sum) throw new StudioError('invalid_input', `${source}: not a bundle archive (tar header checksum mismatch at byte ${pos})`);
    const name = readString(h, 0, 100);
    const size = parseInt(readString(h, 124, 12).trim() || '0', 8);
    const type = h[156];
    if (!Number.isFinite(size) || size < 0 || pos + BLOCK + size > bytes.length) {
      throw new StudioError('invalid_input', `${source}: truncated archive (entry '${name}')`);
    }
    // Names are keys, never paths written to disk, but an archive that carries '../x', '/x', a link or
    // the same name twice was not written by the studio: refuse it rather than pick one reading.
    if (type !== 0x30 && type !== 0) {
      throw new StudioError('invalid_input', `${source}: entry '${name}' is not a regular file (tar type '${String.fromCharCode(type ?? 0x3f)}'); bundles hold regular files only`);
    }
    if (name === '' || name.startsWith('/') || name.split('/').includes('..') || name.includes('\\')) {
      throw new StudioError('invalid_input', `${source}: entry name '${name}' is absolute or leaves the archive`);
    }
    if (entries.some((e) => e.name === name)) throw new StudioError('invalid_input', `${source}: entry '${name}' appears twice`);
    entries.push({ name, data: bytes.slice(pos + BLOCK, pos + BLOCK + size) });
    pos += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new StudioError('invalid_input', `${source}: truncated archive (no end marker)`);
}
