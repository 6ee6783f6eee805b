// What is under the pointer: the ground-truth class and the cluster, read from the decoded masks (not
// the GPU), for the tooltip and for I (isolate the hovered class or cluster; player-rules.ts).
import { useCallback, useState } from 'react';
import type { FrameSummary } from '../../../../shared/contract/datasets.js';
import type { DrawState } from '../../gl/mask-renderer.js';
import { canvasToImage } from '../../gl/view-geometry.js';
import type { ImageCache } from '../../lib/image-cache.js';
import type { FrameUrls } from './frame-assets.js';
import type { GlStage } from './use-gl-stage.js';
import type { Zoom } from './use-zoom.js';

export interface Hover {
  /** Pointer position in the stage, CSS pixels (where the tooltip goes). */
  readonly x: number;
  readonly y: number;
  /** Pixel of the frame under the pointer. */
  readonly px: number;
  readonly py: number;
  readonly gtClass: number | null;
  readonly cluster: number | null;
}

export interface HoverInput {
  readonly stage: GlStage;
  readonly frame: FrameSummary | undefined;
  readonly urls: (f: FrameSummary) => FrameUrls;
  readonly cache: ImageCache;
  readonly drawState: DrawState;
  readonly zoom: Zoom;
}

export interface HoverState {
  readonly hover: Hover | null;
  onMouseMove(e: React.MouseEvent<HTMLCanvasElement>): void;
  onMouseLeave(): void;
}

export function useHover({ stage, frame, urls, cache, drawState, zoom }: HoverInput): HoverState {
  const [hover, setHover] = useState<Hover | null>(null);
  const idsAt = useCallback(
    (url: string | null, px: number, py: number, fw: number, fh: number): number | null => {
      if (url === null) return null;
      const mask = cache.peek(url);
      if (mask?.kind !== 'ids') return null;
      const mx = Math.floor((px / fw) * mask.width);
      const my = Math.floor((py / fh) * mask.height);
      return mask.ids[my * mask.width + mx] ?? null;
    },
    [cache],
  );

  const onMouseMove = (e: React.MouseEvent<HTMLCanvasElement>): void => {
    const r = stage.rendererRef.current;
    const canvas = stage.canvasRef.current;
    if (r === null || canvas === null || frame === undefined) return;
    const rect = canvas.getBoundingClientRect();
    if (zoom.dragTo(e.clientX, e.clientY, rect)) return;
    const dpr = canvas.width / rect.width;
    const [fw, fh] = r.frameSize;
    const p = canvasToImage(
      (e.clientX - rect.left) * dpr,
      (e.clientY - rect.top) * dpr,
      canvas.width,
      canvas.height,
      fw,
      fh,
      drawState,
    );
    if (p === null) {
      setHover(null);
      return;
    }
    const u = urls(frame);
    setHover({
      x: e.clientX - rect.left,
      y: e.clientY - rect.top,
      px: p[0],
      py: p[1],
      gtClass: idsAt(u.gt, p[0], p[1], fw, fh),
      cluster: idsAt(u.clusters, p[0], p[1], fw, fh),
    });
  };
  const onMouseLeave = (): void => {
    setHover(null);
    zoom.endDrag();
  };
  return { hover, onMouseMove, onMouseLeave };
}
