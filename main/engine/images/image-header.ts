// Image headers without pixels: PNG IHDR and JPEG SOF give the size; the file's tail tells whether it was
// cut short. Indexing a 10 000-frame drive must not decode 10 000 images, so this reads two small slices.
//
// Truncation rule (documented in the report): a PNG must end with its IEND chunk (00 00 00 00 'IEND'
// AE 42 60 82) within the last 64 bytes — a file cut anywhere before its end loses IEND. A JPEG must
// have its EOI marker (FF D9) after its frame header: looked for in the last 1 KiB, then further back
// (phones append large trailers after EOI), never before the frame header, where an EXIF thumbnail's
// own EOI lives. Entropy-coded data cannot contain FF D9, so a cut file lacks it. A file that is complete but corrupt inside is caught only
// when its pixels are decoded (labels are decoded during preflight; images when first used).
import fs from 'node:fs';

export type ImageFormat = 'png' | 'jpeg';

export interface ImageHeader {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
  /** PNG: 1,2,4,8,16; JPEG: 8 (or 12). */
  readonly bitDepth: number;
  /** Samples per pixel as stored (palette PNG: 1). */
  readonly channels: number;
  /** PNG colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA); -1 for JPEG. */
  readonly colorType: number;
  readonly interlaced: boolean;
  readonly size: number;
  readonly mtimeMs: number;
}

export type HeaderResult =
  | { readonly ok: true; readonly header: ImageHeader }
  | { readonly ok: false; readonly reason: 'unreadable' | 'truncated'; readonly message: string; readonly size: number; readonly mtimeMs: number };

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IEND = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
const HEAD_BYTES = 64 * 1024; // JPEG SOF can sit behind large EXIF/ICC segments
const PNG_TAIL = 64;
const JPEG_TAIL = 1024;

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Largest frame accepted (64 megapixels, beyond 8K video): a header may declare 60000×60000 in a few
 * hundred bytes, and decoding that would take gigabytes. sharp and the label decoder use the same bound.
 */
export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;

/** The refusal for an over-large declared size, or null. */
export function oversizeMessage(width: number, height: number): string | null {
  return width * height > MAX_IMAGE_PIXELS
    ? `declares ${width}x${height} pixels (${((width * height) / 1e6).toFixed(0)} megapixels), above the ${MAX_IMAGE_PIXELS / 2 ** 20}-megapixel limit`
    : null;
}

/** Reads only the header and the tail of an image file. Never throws for a bad file: it says why. */
export function readImageHeader(file: string): HeaderResult {
  let fd: number;
  try {
    // stat before open: opening a FIFO blocks until a writer comes, and a device or folder has no header
    const st = fs.statSync(file);
    if (!st.isFile()) {
      const kind = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a named pipe' : st.isSocket() ? 'a socket' : 'a device';
      return { ok: false, reason: 'unreadable', message: `not a regular file (${kind})`, size: 0, mtimeMs: st.mtimeMs };
    }
    fd = fs.openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    // readdir hands back U+FFFD for bytes that are not UTF-8: that name cannot be opened again
    const why = code === 'ENOENT' && file.includes('\ufffd') ? ': its name is not valid UTF-8; rename the file' : '';
    return { ok: false, reason: 'unreadable', message: `cannot open (${code})${why}`, size: 0, mtimeMs: 0 };
  }
  try {
    const st = fs.fstatSync(fd);
    const size = st.size;
    const fail = (reason: 'unreadable' | 'truncated', message: string): HeaderResult => ({ ok: false, reason, message, size, mtimeMs: st.mtimeMs });
    if (size === 0) return fail('truncated', 'empty file (0 bytes)');
    const head = Buffer.allocUnsafe(Math.min(HEAD_BYTES, size));
    const headLen = fs.readSync(fd, head, 0, head.length, 0);
    if (headLen >= 8 && PNG_SIG.every((b, i) => head[i] === b)) {
      return parsePng(fd, head.subarray(0, headLen), size, st.mtimeMs, fail);
    }
    if (headLen >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) {
      return parseJpeg(fd, head.subarray(0, headLen), size, st.mtimeMs, fail);
    }
    return fail('unreadable', 'not a PNG or JPEG file (unknown signature)');
  } catch (e) {
    return { ok: false, reason: 'unreadable', message: `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, size: 0, mtimeMs: 0 };
  } finally {
    fs.closeSync(fd);
  }
}

function readTail(fd: number, size: number, n: number): Buffer {
  const len = Math.min(n, size);
  const buf = Buffer.allocUnsafe(len);
  const got = fs.readSync(fd, buf, 0, len, size - len);
  return buf.subarray(0, got);
}

const JPEG_MAX_TRAILER = 8 * 1024 * 1024;

function hasJpegEoi(fd: number, size: number, dataStart: number): boolean {
  let end = size;
  let window = JPEG_TAIL;
  while (end > dataStart && size - end < JPEG_MAX_TRAILER) {
    const start = Math.max(dataStart, end - window);
    const buf = Buffer.allocUnsafe(end - start);
    const got = fs.readSync(fd, buf, 0, buf.length, start);
    for (let i = got - 2; i >= 0; i--) if (buf[i] === 0xff && buf[i + 1] === 0xd9) return true;
    if (start === dataStart) break;
    // overlap one byte so a marker split across two reads is still seen
    end = start + 1;
    window = 64 * 1024;
  }
  return false;
}

function parsePng(
  fd: number,
  head: Buffer,
  size: number,
  mtimeMs: number,
  fail: (r: 'unreadable' | 'truncated', m: string) => HeaderResult,
): HeaderResult {
  if (head.length < 33) return fail('truncated', `PNG cut short inside its header (${size} bytes)`);
  if (head.toString('latin1', 12, 16) !== 'IHDR') return fail('unreadable', 'PNG does not start with an IHDR chunk');
  const width = head.readUInt32BE(16);
  const height = head.readUInt32BE(20);
  const bitDepth = head[24]!;
  const colorType = head[25]!;
  const interlace = head[28]!;
  const channels = PNG_CHANNELS[colorType];
  if (width === 0 || height === 0 || channels === undefined) {
    return fail('unreadable', `PNG header is invalid (width ${width}, height ${height}, colour type ${colorType})`);
  }
  const oversize = oversizeMessage(width, height);
  if (oversize) return fail('unreadable', `PNG ${oversize}`);
  const tail = readTail(fd, size, PNG_TAIL);
  if (tail.indexOf(IEND) < 0) {
    return fail('truncated', `PNG is truncated: no IEND chunk at the end of the file (${size} bytes)`);
  }
  return {
    ok: true,
    header: { format: 'png', width, height, bitDepth, channels, colorType, interlaced: interlace === 1, size, mtimeMs },
  };
}

function parseJpeg(
  fd: number,
  head: Buffer,
  size: number,
  mtimeMs: number,
  fail: (r: 'unreadable' | 'truncated', m: string) => HeaderResult,
): HeaderResult {
  // Walk the marker segments until a start-of-frame; larger metadata than the head buffer is read on demand.
  let pos = 2;
  let buf = head;
  const ensure = (end: number): boolean => {
    if (end <= buf.length) return true;
    if (end > size) return false;
    const more = Buffer.allocUnsafe(Math.min(size, end + HEAD_BYTES));
    const got = fs.readSync(fd, more, 0, more.length, 0);
    buf = more.subarray(0, got);
    return end <= buf.length;
  };
  for (;;) {
    if (!ensure(pos + 4)) return fail('truncated', `JPEG cut short before its frame header (${size} bytes)`);
    if (buf[pos] !== 0xff) return fail('unreadable', `JPEG marker expected at byte ${pos}`);
    const marker = buf[pos + 1]!;
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    const len = buf.readUInt16BE(pos + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (!ensure(pos + 10)) return fail('truncated', 'JPEG cut short inside its frame header');
      const bitDepth = buf[pos + 4]!;
      const height = buf.readUInt16BE(pos + 5);
      const width = buf.readUInt16BE(pos + 7);
      const channels = buf[pos + 9]!;
      if (width === 0 || height === 0) return fail('unreadable', `JPEG frame header has size ${width}x${height}`);
      const oversize = oversizeMessage(width, height);
      if (oversize) return fail('unreadable', `JPEG ${oversize}`);
      if (!hasJpegEoi(fd, size, pos + 2 + len)) return fail('truncated', `JPEG is truncated: no end-of-image marker at the end of the file (${size} bytes)`);
      return {
        ok: true,
        header: { format: 'jpeg', width, height, bitDepth, channels, colorType: -1, interlaced: marker === 0xc2, size, mtimeMs },
      };
    }
    if (marker === 0xd9 || marker === 0xda) return fail('unreadable', 'JPEG has no frame header before its image data');
    pos += 2 + len;
  }
}
