// Decoded frames and id masks by URL, least-recently-used first out. The player prefetches around the
// playhead so a step draws already-decoded pixels: frames as ImageBitmaps for the 2-D image layer, masks
// as one byte per pixel for the R8 mask textures and the hover read-out. Decoding runs in a worker.
import type { DecodeKind, DecodeReply, DecodeRequest } from './decode-protocol.js';

export interface LoadedImage {
  readonly kind: 'image';
  readonly url: string;
  readonly image: ImageBitmap;
  readonly width: number;
  readonly height: number;
}

export interface LoadedIds {
  readonly kind: 'ids';
  readonly url: string;
  /** Row-major ids (the mask's red channel; 16-bit for cluster maps of K > 256). */
  readonly ids: Uint8Array | Uint16Array;
  readonly width: number;
  readonly height: number;
}

export type Loaded = LoadedImage | LoadedIds;

/** Hides the serve token when a URL is shown in an error. */
export function displayUrl(url: string): string {
  return url.replace(/token=[^&]+/, 'token=…');
}

class DecodeWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(r: DecodeReply): void; reject(e: Error): void }>();

  decode(url: string, kind: DecodeKind): Promise<DecodeReply> {
    const worker = this.ensure();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, url, kind } satisfies DecodeRequest);
    });
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new Error('the image cache was closed'));
    this.pending.clear();
  }

  private ensure(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(new URL('./decode.worker.ts', import.meta.url), {
      type: 'module',
      name: 'frame-decoder',
    });
    worker.onmessage = (e: MessageEvent<DecodeReply>) => {
      const p = this.pending.get(e.data.id);
      this.pending.delete(e.data.id);
      p?.resolve(e.data);
    };
    worker.onerror = (e) => {
      // A worker that failed to start or crashed answers nothing more: fail what waits, start afresh next time.
      const reason = new Error(`the frame decoder stopped: ${e.message || 'worker error'}`);
      for (const p of this.pending.values()) p.reject(reason);
      this.pending.clear();
      this.worker = null;
    };
    this.worker = worker;
    return worker;
  }
}

export class ImageCache {
  private readonly entries = new Map<string, Promise<Loaded>>();
  private readonly ready = new Map<string, Loaded>();
  private readonly decoder = new DecodeWorker();

  constructor(private readonly capacity = 160) {}

  /** The decoded entry if it is already in memory (no waiting), else null. */
  peek(url: string): Loaded | null {
    const hit = this.ready.get(url);
    if (hit !== undefined) this.touch(url);
    return hit ?? null;
  }

  /** Whether `url` is decoded, without touching its recency. */
  has(url: string): boolean {
    return this.ready.has(url);
  }

  load(url: string, kind: DecodeKind): Promise<Loaded> {
    const existing = this.entries.get(url);
    if (existing !== undefined) {
      this.touch(url);
      return existing;
    }
    const promise = this.decoder.decode(url, kind).then((reply): Loaded => {
      if (!reply.ok) throw new Error(`Could not load ${displayUrl(url)}: ${reply.message}`);
      const loaded: Loaded =
        reply.kind === 'image'
          ? { kind: 'image', url, image: reply.bitmap, width: reply.width, height: reply.height }
          : {
              kind: 'ids',
              url,
              ids: reply.ids,
              width: reply.width,
              height: reply.height,
            };
      if (this.entries.get(url) === promise) this.ready.set(url, loaded);
      else if (loaded.kind === 'image') loaded.image.close(); // evicted while decoding
      return loaded;
    });
    this.entries.set(url, promise);
    promise.catch(() => {
      // A failed load must be retried next time, not cached.
      if (this.entries.get(url) === promise) this.entries.delete(url);
    });
    this.evict();
    return promise;
  }

  /** Releases the decoded bitmaps and the worker. */
  dispose(): void {
    this.decoder.terminate();
    for (const e of this.ready.values()) if (e.kind === 'image') e.image.close();
    this.ready.clear();
    this.entries.clear();
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
      const e = this.ready.get(oldest);
      if (e?.kind === 'image') e.image.close();
      this.ready.delete(oldest);
    }
  }
}
