// Masks of the next frames go to the GPU when the page is idle, so showing them uploads nothing.
import { useCallback, useEffect, useRef } from 'react';
import type { FrameSummary } from '../../../../shared/contract/datasets.js';
import { prefetchOrder } from '../../gl/texture-ring.js';
import type { ImageCache } from '../../lib/image-cache.js';
import { asMask, type FrameUrls } from './frame-assets.js';
import type { GlStage } from './use-gl-stage.js';

const UPLOAD_AHEAD = 3;
const UPLOAD_BEHIND = 1;
/** The texture ring holds the idle-uploaded masks plus the shown ones (GT and clusters of each). */
export const MASK_RING = 2 * (UPLOAD_AHEAD + UPLOAD_BEHIND + 1) + 2;

/** Returns `scheduleUploads(at)`: replaces any pending idle upload with one around frame `at`. */
export function useGlUploads(
  stage: GlStage,
  frames: readonly FrameSummary[],
  urls: (f: FrameSummary) => FrameUrls,
  cache: ImageCache,
): (at: number) => void {
  const { rendererRef } = stage;
  const idleUpload = useRef<number | null>(null);
  const scheduleUploads = useCallback(
    (at: number): void => {
      if (idleUpload.current !== null) cancelIdle(idleUpload.current);
      idleUpload.current = requestIdle(() => {
        idleUpload.current = null;
        const r = rendererRef.current;
        if (r === null) return;
        for (const j of prefetchOrder(at, frames.length, UPLOAD_AHEAD, UPLOAD_BEHIND)) {
          const f = frames[j];
          if (f === undefined) continue;
          const u = urls(f);
          for (const url of [u.gt, u.clusters]) {
            const mask = url === null || !cache.has(url) ? null : asMask(cache.peek(url));
            if (mask !== null) r.preload(mask);
          }
        }
      });
    },
    [rendererRef, frames, urls, cache],
  );
  useEffect(
    () => () => {
      if (idleUpload.current !== null) cancelIdle(idleUpload.current);
    },
    [],
  );
  return scheduleUploads;
}

// requestIdleCallback where the browser has it (Chromium, Electron); a timer elsewhere.
function requestIdle(fn: () => void): number {
  return typeof requestIdleCallback === 'function'
    ? requestIdleCallback(fn, { timeout: 250 })
    : window.setTimeout(fn, 16);
}
function cancelIdle(handle: number): void {
  if (typeof cancelIdleCallback === 'function') cancelIdleCallback(handle);
  else window.clearTimeout(handle);
}
