// What the player loads for one frame (the image, its ground truth, its cluster map) and the small
// helpers that move those between the decode cache and the GPU. Pure of React, shared by the hooks.
import type { MaskPixels } from '../../gl/mask-renderer.js';
import type { ImageCache, Loaded } from '../../lib/image-cache.js';
import type { FrameUrls } from './player-rules.js';

export type { FrameUrls };

/** A decoded id mask as the mask renderer takes it; null for anything else (missing, an RGB image). */
export function asMask(loaded: Loaded | null): MaskPixels | null {
  return loaded?.kind === 'ids'
    ? { key: loaded.url, ids: loaded.ids, width: loaded.width, height: loaded.height }
    : null;
}

/** Starts decoding a frame's assets; failures surface when the frame is drawn, not here. */
export function loadFrame(cache: ImageCache, u: FrameUrls): void {
  cache.load(u.image, 'image').catch(() => undefined);
  if (u.gt !== null) cache.load(u.gt, 'ids').catch(() => undefined);
  if (u.clusters !== null) cache.load(u.clusters, 'ids').catch(() => undefined);
}
