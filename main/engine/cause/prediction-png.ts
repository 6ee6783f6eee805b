// Cluster maps as PNG: 8-bit gray when K ≤ 255, 16-bit gray when K > 255 (values are cluster ids);
// confidence maps as 8-bit gray (0..255).
import sharp from 'sharp';

export async function encodeClusterMap(ids: Uint16Array, width: number, height: number, clusters: number): Promise<Buffer> {
  if (clusters <= 255) {
    const u8 = Uint8Array.from(ids);
    return sharp(Buffer.from(u8.buffer), { raw: { width, height, channels: 1 } }).png({ compressionLevel: 6 }).toBuffer();
  }
  return sharp(ids, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png({ compressionLevel: 6 }).toBuffer();
}

export async function encodeConfidenceMap(conf: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.from(conf.buffer, conf.byteOffset, conf.byteLength), { raw: { width, height, channels: 1 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** A fixed, well-spread colour per cluster id (golden-angle hues), for viewing cluster maps. */
export function clusterColour(id: number): [number, number, number] {
  const h = (id * 137.508) % 360;
  const s = 0.65 + 0.35 * ((id * 7) % 3) / 2;
  const l = 0.45 + 0.15 * ((id * 5) % 2);
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

export async function colourClusterMap(ids: Uint8Array | Uint16Array, width: number, height: number): Promise<Buffer> {
  const rgb = new Uint8Array(width * height * 3);
  const cache = new Map<number, [number, number, number]>();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    let c = cache.get(id);
    if (!c) cache.set(id, (c = clusterColour(id)));
    rgb[i * 3] = c[0];
    rgb[i * 3 + 1] = c[1];
    rgb[i * 3 + 2] = c[2];
  }
  return sharp(Buffer.from(rgb.buffer), { raw: { width, height, channels: 3 } }).png().toBuffer();
}
