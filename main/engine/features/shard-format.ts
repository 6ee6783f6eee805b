// On-disk layout of one feature shard: a small JSON header followed by float16 tensors.
//
//   bytes 0..7   "CSFEAT01"
//   bytes 8..11  header length L (uint32 LE)
//   bytes 12..   header JSON (utf8), zero-padded so the payload starts on a 16-byte boundary
//   payload      `tensors` × (gridH × gridW × dim) float16 LE, row-major (y, x, channel)
//
// The header carries the payload's sha256, so a shard is self-checking: a flipped byte or a
// truncated file is detected on read (and the extraction job recomputes it).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { StudioError } from '../../../shared/contract/errors.js';
import { diskFullError, writeFileAtomic } from '../workspace.js';

export const SHARD_MAGIC = 'CSFEAT01';
export const SHARD_VERSION = 1;

export interface ShardEntry {
  /** Content hash of the frame (sha256 of the image file's bytes). */
  readonly contentHash: string;
  /** First tensor of this frame in the payload; crops follow contiguously. */
  readonly firstSlot: number;
  readonly crops: number;
}

export interface ShardHeader {
  readonly version: number;
  readonly gridH: number;
  readonly gridW: number;
  readonly dim: number;
  readonly tensors: number;
  readonly entries: readonly ShardEntry[];
  readonly payloadBytes: number;
  readonly payloadSha256: string;
}

export interface EncodedShard {
  readonly bytes: Uint8Array;
  readonly header: ShardHeader;
  /** sha256 of the whole file (what the DB records). */
  readonly fileSha256: string;
}

export function tensorHalfs(h: ShardHeader | { gridH: number; gridW: number; dim: number }): number {
  return h.gridH * h.gridW * h.dim;
}

export function encodeShard(
  meta: { gridH: number; gridW: number; dim: number },
  entries: readonly { contentHash: string; tensors: readonly Uint16Array[] }[],
): EncodedShard {
  const per = tensorHalfs(meta);
  let tensors = 0;
  const shardEntries: ShardEntry[] = [];
  for (const e of entries) {
    for (const t of e.tensors) {
      if (t.length !== per) throw new StudioError('internal', `feature tensor has ${t.length} values, expected ${per}`);
    }
    shardEntries.push({ contentHash: e.contentHash, firstSlot: tensors, crops: e.tensors.length });
    tensors += e.tensors.length;
  }
  const payloadBytes = tensors * per * 2;
  const payload = new Uint8Array(payloadBytes);
  let off = 0;
  for (const e of entries) {
    for (const t of e.tensors) {
      payload.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), off);
      off += t.byteLength;
    }
  }
  const header: ShardHeader = {
    version: SHARD_VERSION,
    gridH: meta.gridH,
    gridW: meta.gridW,
    dim: meta.dim,
    tensors,
    entries: shardEntries,
    payloadBytes,
    payloadSha256: crypto.createHash('sha256').update(payload).digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerEnd = 12 + json.length;
  const payloadStart = Math.ceil(headerEnd / 16) * 16;
  const bytes = new Uint8Array(payloadStart + payloadBytes);
  bytes.set(Buffer.from(SHARD_MAGIC, 'latin1'), 0);
  new DataView(bytes.buffer).setUint32(8, json.length, true);
  bytes.set(json, 12);
  bytes.set(payload, payloadStart);
  return { bytes, header, fileSha256: crypto.createHash('sha256').update(bytes).digest('hex') };
}

export function writeShard(file: string, shard: EncodedShard): void {
  writeFileAtomic(file, shard.bytes);
}

/**
 * writeShard without blocking the calling thread (temp file, fsync, rename): the extraction thread
 * spends its time blocked in inference, and the write proceeds on libuv's pool meanwhile.
 */
export async function writeShardAsync(file: string, shard: EncodedShard): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  try {
    const fh = await fs.promises.open(tmp, 'w');
    try {
      let off = 0;
      while (off < shard.bytes.length) off += (await fh.write(shard.bytes, off, shard.bytes.length - off)).bytesWritten;
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, file);
  } catch (e) {
    // A full disk or a vanished folder must not leave a half-written temp file behind.
    await fs.promises.rm(tmp, { force: true });
    throw diskFullError(e, file) ?? e;
  }
}

export interface ParsedShard {
  readonly header: ShardHeader;
  /** float16 payload, aligned (a view on the file buffer). */
  readonly halfs: Uint16Array;
}

/** Parses and verifies a shard file's bytes; throws `invalid_input` naming the file on any damage. */
export function parseShard(file: string, buf: Uint8Array, options: { verify?: boolean } = {}): ParsedShard {
  const bad = (what: string) =>
    new StudioError('invalid_input', `${file}: feature shard is damaged (${what}); recompute it with \`cause-studio features\``, {
      file,
    });
  if (buf.length < 12 || Buffer.from(buf.subarray(0, 8)).toString('latin1') !== SHARD_MAGIC) throw bad('bad magic');
  const len = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(8, true);
  if (12 + len > buf.length) throw bad('truncated header');
  let header: ShardHeader;
  try {
    header = JSON.parse(Buffer.from(buf.subarray(12, 12 + len)).toString('utf8')) as ShardHeader;
  } catch {
    throw bad('unreadable header');
  }
  if (header.version !== SHARD_VERSION) throw bad(`unknown version ${String(header.version)}`);
  const payloadStart = Math.ceil((12 + len) / 16) * 16;
  const expected = header.tensors * tensorHalfs(header) * 2;
  if (header.payloadBytes !== expected || buf.length !== payloadStart + expected) {
    throw bad(`size ${buf.length} bytes, expected ${payloadStart + expected}`);
  }
  const payload = buf.subarray(payloadStart);
  if (options.verify !== false) {
    const sha = crypto.createHash('sha256').update(payload).digest('hex');
    if (sha !== header.payloadSha256) throw bad('checksum mismatch');
  }
  // Copy when the view is not 2-byte aligned (Buffer pool slices can be odd).
  const aligned = payload.byteOffset % 2 === 0 ? payload : new Uint8Array(payload);
  return { header, halfs: new Uint16Array(aligned.buffer, aligned.byteOffset, expected / 2) };
}

export function readShardFile(file: string, options: { verify?: boolean } = {}): ParsedShard {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new StudioError('not_found', `${file}: feature shard missing (${(e as NodeJS.ErrnoException).code ?? 'read error'})`, {
      file,
    });
  }
  return parseShard(file, buf, options);
}
