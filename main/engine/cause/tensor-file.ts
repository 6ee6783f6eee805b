// A small binary container for named float32/int32 arrays plus a JSON header: checkpoints and trained
// models. Layout: "CSTF" | u32 header bytes | header JSON | pad to 4 | payloads (little-endian).
import { StudioError } from '../../../shared/contract/errors.js';

const MAGIC = 0x46545343; // "CSTF" little-endian

export type TensorArray = Float32Array | Int32Array;

interface Entry {
  readonly name: string;
  readonly dtype: 'float32' | 'int32';
  readonly shape: number[];
  readonly offset: number;
  readonly length: number;
}

export function encodeTensorFile(meta: unknown, arrays: ReadonlyMap<string, { shape: number[]; values: TensorArray }>): Uint8Array {
  const entries: Entry[] = [];
  let offset = 0;
  for (const [name, a] of arrays) {
    entries.push({ name, dtype: a.values instanceof Int32Array ? 'int32' : 'float32', shape: a.shape, offset, length: a.values.length });
    offset += a.values.length * 4;
  }
  const header = new TextEncoder().encode(JSON.stringify({ meta, entries }));
  const headerPadded = Math.ceil((8 + header.length) / 4) * 4;
  const out = new Uint8Array(headerPadded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.length, true);
  out.set(header, 8);
  let k = 0;
  for (const a of arrays.values()) {
    const e = entries[k++]!;
    out.set(new Uint8Array(a.values.buffer, a.values.byteOffset, a.values.byteLength), headerPadded + e.offset);
  }
  return out;
}

export function decodeTensorFile(
  bytes: Uint8Array,
  file: string,
): { meta: unknown; arrays: Map<string, { shape: number[]; values: TensorArray }> } {
  const bad = (why: string) => new StudioError('invalid_input', `${file}: not a readable Cause Studio tensor file (${why})`, { file });
  if (bytes.length < 8) throw bad('too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw bad('bad magic');
  const hlen = view.getUint32(4, true);
  if (8 + hlen > bytes.length) throw bad('truncated header');
  let header: { meta: unknown; entries: Entry[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen))) as typeof header;
  } catch {
    throw bad('corrupt header');
  }
  const base = Math.ceil((8 + hlen) / 4) * 4;
  const arrays = new Map<string, { shape: number[]; values: TensorArray }>();
  for (const e of header.entries) {
    const start = base + e.offset;
    if (start + e.length * 4 > bytes.length) throw bad(`truncated payload of ${e.name}`);
    // Copy so the result does not pin (or alias) the file buffer and is 4-byte aligned.
    // (Buffer.slice would return a view into Node's shared pool, so copy explicitly.)
    const raw = new Uint8Array(e.length * 4);
    raw.set(bytes.subarray(start, start + e.length * 4));
    const values = e.dtype === 'int32' ? new Int32Array(raw.buffer) : new Float32Array(raw.buffer);
    arrays.set(e.name, { shape: e.shape, values });
  }
  return { meta: header.meta, arrays };
}
