// Decodes frames around the playhead into the cache, nearest first, more ahead than behind (playback
// and → go forward), so a step draws pixels that are already there.
import { useEffect } from 'react';
import type { FrameSummary } from '../../../../shared/contract/datasets.js';
import { prefetchOrder } from '../../gl/texture-ring.js';
import type { ImageCache } from '../../lib/image-cache.js';
import { loadFrame, type FrameUrls } from './frame-assets.js';

const PREFETCH_AHEAD = 24;
const PREFETCH_BEHIND = 4;

export function usePrefetch(
  frames: readonly FrameSummary[],
  index: number,
  urls: (f: FrameSummary) => FrameUrls,
  cache: ImageCache,
): void {
  useEffect(() => {
    for (const j of prefetchOrder(index, frames.length, PREFETCH_AHEAD, PREFETCH_BEHIND)) {
      const f = frames[j];
      if (f !== undefined) loadFrame(cache, urls(f));
    }
  }, [frames, index, urls, cache]);
}
