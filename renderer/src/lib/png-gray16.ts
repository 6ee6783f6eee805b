// 16-bit gray PNGs (cluster maps of K > 256) decoded to their stored values. The browser's image decoder
// hands a canvas 8 bits per channel, so ids 256 and up would come back wrong; this reads the samples
// as written. Only what the engine writes is accepted (colour type 0, depth 16, no interlace); anything
// else is the browser's to decode. Inflate is the platform's DecompressionStream (worker and Node alike).

/** The IHDR bit depth and colour type, or null when the bytes are not a PNG. */
export function pngFormat(bytes: Uint8Array): { depth: number; colorType: number } | null {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 33 || sig.some((b, i) => bytes[i] !== b)) return null;
  return { depth: bytes[24]!, colorType: bytes[25]! };
}

export function isGray16Png(bytes: Uint8Array): boolean {
  const f = pngFormat(bytes);
  return f !== null && f.depth === 16 && f.colorType === 0;
}

async function inflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data.slice()]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export async function decodeGray16Png(bytes: Uint8Array): Promise<{ ids: Uint16Array; width: number; height: number }> {
  if (!isGray16Png(bytes)) throw new Error('not a 16-bit gray PNG');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (bytes[28] !== 0) throw new Error('interlaced 16-bit PNGs are not supported');
  const parts: Uint8Array[] = [];
  for (let off = 8; off + 8 <= bytes.length; ) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(bytes[off + 4]!, bytes[off + 5]!, bytes[off + 6]!, bytes[off + 7]!);
    if (type === 'IDAT') parts.push(bytes.subarray(off + 8, off + 8 + len));
    if (type === 'IEND') break;
    off += 12 + len;
  }
  const idat = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    idat.set(p, at);
    at += p.length;
  }
  const raw = await inflate(idat);
  const stride = width * 2;
  if (raw.length < height * (stride + 1)) throw new Error(`PNG data too short for ${width}×${height}`);
  // Undo the per-row filters in place (bytes per pixel = 2), then read the big-endian samples.
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const prev = dst - stride;
    for (let x = 0; x < stride; x++) {
      const v = raw[src + x]!;
      const a = x >= 2 ? rows[dst + x - 2]! : 0;
      const b = y > 0 ? rows[prev + x]! : 0;
      const c = x >= 2 && y > 0 ? rows[prev + x - 2]! : 0;
      let out: number;
      switch (filter) {
        case 0: out = v; break;
        case 1: out = v + a; break;
        case 2: out = v + b; break;
        case 3: out = v + ((a + b) >> 1); break;
        case 4: out = v + paeth(a, b, c); break;
        default: throw new Error(`PNG row ${y}: unknown filter ${filter}`);
      }
      rows[dst + x] = out & 0xff;
    }
  }
  const ids = new Uint16Array(width * height);
  for (let i = 0; i < ids.length; i++) ids[i] = (rows[i * 2]! << 8) | rows[i * 2 + 1]!;
  return { ids, width, height };
}
