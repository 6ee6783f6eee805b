// Indexed (palette) PNG writer: pixel values are class ids, the palette holds the protocol's colours.
// One file is both the class-id map (read its indices) and the colour picture (any viewer shows colours),
// the way Cityscapes/VOC colour masks are usually shipped. sharp cannot write given palettes, so the
// chunks are written here (zlib for IDAT and CRC).
import zlib from 'node:zlib';

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

/**
 * `palette` is 256×3 bytes (index → RGB). Indices without a colour of their own (e.g. 255 = ignore)
 * take whatever the palette holds there (black by default).
 */
export function encodePalettePng(indices: Uint8Array, width: number, height: number, palette: Uint8Array): Buffer {
  if (indices.length !== width * height) throw new Error(`palette PNG: ${indices.length} indices for ${width}x${height}`);
  let maxIndex = 0;
  for (let i = 0; i < indices.length; i++) if (indices[i]! > maxIndex) maxIndex = indices[i]!;
  const entries = maxIndex + 1;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // colour type: palette
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0; // filter: none (flat label regions deflate well without prediction)
    raw.set(indices.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', palette.subarray(0, entries * 3)),
    chunk('IDAT', zlib.deflateSync(raw, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
