// Draws the current frame: from the cache when prefetched (no wait, same task), else once it loads.
// Returns the last load failure, shown over the stage.
import { useEffect, useState } from 'react';
import type { FrameSummary } from '../../../../shared/contract/datasets.js';
import { LAYER_BITS } from '../../gl/layers.js';
import type { DrawState } from '../../gl/mask-renderer.js';
import type { ImageCache, Loaded } from '../../lib/image-cache.js';
import { asMask, type FrameUrls } from './frame-assets.js';
import type { GlStage } from './use-gl-stage.js';

export interface FrameDrawInput {
  readonly stage: GlStage;
  readonly frame: FrameSummary | undefined;
  readonly index: number;
  readonly urls: (f: FrameSummary) => FrameUrls;
  readonly cache: ImageCache;
  readonly drawState: DrawState;
  readonly scheduleUploads: (at: number) => void;
}

export function useFrameDraw({ stage, frame, index, urls, cache, drawState, scheduleUploads }: FrameDrawInput): string | null {
  const [loadError, setLoadError] = useState<string | null>(null);
  const { rendererRef, imageLayerRef, canvasRef, redraw } = stage;
  useEffect(() => {
    const r = rendererRef.current;
    const imageLayer = imageLayerRef.current;
    if (r === null || imageLayer === null || frame === undefined) return;
    let cancelled = false;
    const u = urls(frame);
    const wanted = [u.image, u.gt, u.clusters];
    const apply = (loaded: (Loaded | null)[]): void => {
      if (cancelled) return;
      const [img, gt, cl] = loaded;
      const image = img?.kind === 'image' ? img : null;
      const fw = image?.width ?? frame.width;
      const fh = image?.height ?? frame.height;
      imageLayer.draw(
        (drawState.layers & LAYER_BITS.image) !== 0 ? (image?.image ?? null) : null,
        fw,
        fh,
        drawState,
      );
      r.setFrameSize(fw, fh);
      const { layers: on, highlightCluster } = drawState;
      // A mask no visible layer uses stays off the GPU (hover reads the decoded bytes, not the texture).
      const needGt = (on & (LAYER_BITS.gt | LAYER_BITS.errors)) !== 0;
      const needClusters =
        (on & (LAYER_BITS.clusters | LAYER_BITS.classes | LAYER_BITS.errors)) !== 0 ||
        highlightCluster !== null;
      r.setMask('gt', needGt ? asMask(gt ?? null) : null);
      r.setMask('clusters', needClusters ? asMask(cl ?? null) : null);
      r.draw(drawState);
      // Published on the DOM, not in React state: a step must not cost a second render.
      canvasRef.current?.setAttribute('data-rendered-frame', String(index));
      scheduleUploads(index);
    };
    const immediate = wanted.map((w) => (w === null ? null : cache.peek(w)));
    if (wanted.every((w, i) => w === null || immediate[i] !== null)) {
      apply(immediate);
    } else {
      Promise.all(wanted.map((w, i) => (w === null ? null : cache.load(w, i === 0 ? 'image' : 'ids')))).then(
        (loaded) => {
          setLoadError(null);
          apply(loaded);
        },
        (e: unknown) => !cancelled && setLoadError((e as Error).message),
      );
    }
    return () => {
      cancelled = true;
    };
  }, [rendererRef, imageLayerRef, canvasRef, frame, index, urls, cache, drawState, redraw, scheduleUploads]);
  return loadError;
}
