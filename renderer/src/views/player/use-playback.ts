// Playback at a chosen frame rate. The loop advances only onto decoded frames, so a slow disk pauses
// playback rather than skipping frames; it stops at the last frame.
import { useEffect, useState } from 'react';
import type { FrameSummary } from '../../../../shared/contract/datasets.js';
import type { ImageCache } from '../../lib/image-cache.js';
import { loadFrame, type FrameUrls } from './frame-assets.js';
import { isFrameCached } from './player-rules.js';

export const PLAYBACK_RATES = [2, 5, 10, 15, 24, 30, 60] as const;

export interface Playback {
  readonly playing: boolean;
  readonly fps: number;
  setPlaying: React.Dispatch<React.SetStateAction<boolean>>;
  setFps(fps: number): void;
}

export function usePlayback(
  frames: readonly FrameSummary[],
  index: number,
  urls: (f: FrameSummary) => FrameUrls,
  cache: ImageCache,
  setIndex: (i: number) => void,
): Playback {
  const [playing, setPlaying] = useState(false);
  const [fps, setFps] = useState(10);
  useEffect(() => {
    if (!playing) return;
    let raf = 0;
    let last = performance.now();
    let current = index;
    const tick = (now: number): void => {
      if (now - last >= 1000 / fps) {
        const next = current + 1;
        const f = frames[next];
        if (f === undefined) {
          setPlaying(false);
          return;
        }
        if (isFrameCached(cache, urls(f))) {
          current = next;
          last = now;
          setIndex(next);
        } else {
          loadFrame(cache, urls(f));
        }
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
    // `index` is left out on purpose: the loop owns the playhead while playing.
  }, [playing, fps, frames, urls, cache, setIndex]);
  return { playing, fps, setPlaying, setFps };
}
