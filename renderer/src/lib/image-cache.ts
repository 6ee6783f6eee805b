// Decoded images by URL, least-recently-used first out. The player prefetches around the playhead so a
// step only uploads an already-decoded image to the GPU.

export interface LoadedImage {
  readonly url: string;
  /** Decoded pixels: uploading an ImageBitmap to WebGL skips the decode an <img> may redo per upload. */
  readonly image: ImageBitmap;
  readonly width: number;
  readonly height: number;
}

export class ImageCache {
  private readonly entries = new Map<string, Promise<LoadedImage>>();
  private readonly ready = new Map<string, LoadedImage>();

  constructor(private readonly capacity = 160) {}

  /** The decoded image if it is already in memory (no waiting), else null. */
  peek(url: string): LoadedImage | null {
    const hit = this.ready.get(url);
    if (hit !== undefined) this.touch(url);
    return hit ?? null;
  }

  load(url: string): Promise<LoadedImage> {
    const existing = this.entries.get(url);
    if (existing !== undefined) {
      this.touch(url);
      return existing;
    }
    const promise = (async () => {
      const image = new Image();
      image.decoding = 'async';
      image.src = url;
      try {
        await image.decode();
      } catch {
        throw new Error(`Could not load ${url.replace(/token=[^&]+/, 'token=…')}: the engine did not serve a decodable image`);
      }
      // Id masks must stay byte-exact: no colour-space conversion, no premultiplication.
      const bitmap = await createImageBitmap(image, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
      const loaded = { url, image: bitmap, width: bitmap.width, height: bitmap.height };
      if (this.entries.has(url)) this.ready.set(url, loaded);
      return loaded;
    })();
    this.entries.set(url, promise);
    promise.catch(() => {
      // A failed load must be retried next time, not cached.
      this.entries.delete(url);
    });
    this.evict();
    return promise;
  }

  private touch(url: string): void {
    const p = this.entries.get(url);
    if (p === undefined) return;
    this.entries.delete(url);
    this.entries.set(url, p);
  }

  private evict(): void {
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
      this.ready.get(oldest)?.image.close();
      this.ready.delete(oldest);
    }
  }
}

/** Reads an id image's red channel (class / cluster ids) for hover tooltips. */
export function readIds(image: ImageBitmap): { data: Uint8Array; width: number; height: number } {
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
  if (ctx === null) throw new Error('2D canvas unavailable');
  ctx.drawImage(image, 0, 0);
  const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const data = new Uint8Array(canvas.width * canvas.height);
  for (let i = 0; i < data.length; i++) data[i] = rgba[i * 4]!;
  return { data, width: canvas.width, height: canvas.height };
}
