// The flicker layer: a canvas over the stage marking the pixels whose cluster changed since the previous
// frame (flicker-map.ts), drawn with the same fit/zoom/pan geometry as the frame, plus its toggle and a
// caption with the changed share. It reads the cluster maps through the player's decode cache.
import { useEffect, useRef, useState } from 'react';
import type { FrameSummary } from '../../../../shared/contract/datasets.js';
import { imageRect, type ViewTransform } from '../../gl/view-geometry.js';
import type { ImageCache } from '../../lib/image-cache.js';
import { flickerCaption, flickerMap, type FlickerMap } from './flicker-map.js';
import type { FrameUrls } from './frame-assets.js';
import type { GlStage } from './use-gl-stage.js';

export interface FlickerLayerProps {
  readonly on: boolean;
  readonly stage: GlStage;
  readonly frames: readonly FrameSummary[];
  readonly index: number;
  readonly urls: (f: FrameSummary) => FrameUrls;
  readonly cache: ImageCache;
  readonly view: ViewTransform;
}

/** The overlay canvas; it ignores the pointer so hover and drag still reach the mask canvas. */
export function FlickerLayer({ on, stage, frames, index, urls, cache, view }: FlickerLayerProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [map, setMap] = useState<{ index: number; map: FlickerMap | null } | null>(null);
  const cur = frames[index];
  const prev = index > 0 ? frames[index - 1] : undefined;
  useEffect(() => {
    if (!on || cur === undefined) return;
    const a = prev === undefined ? null : urls(prev).clusters;
    const b = urls(cur).clusters;
    if (b === null) return;
    if (a === null) {
      setMap({ index, map: null });
      return;
    }
    let cancelled = false;
    Promise.all([cache.load(a, 'ids'), cache.load(b, 'ids')]).then(
      ([pa, pb]) => {
        if (cancelled || pa.kind !== 'ids' || pb.kind !== 'ids') return;
        setMap({ index, map: pa.width === pb.width && pa.height === pb.height ? flickerMap(pa.ids, pb.ids, pb.width, pb.height) : null });
      },
      () => !cancelled && setMap({ index, map: null }),
    );
    return () => {
      cancelled = true;
    };
  }, [on, cur, prev, index, urls, cache]);

  useEffect(() => {
    const canvas = ref.current;
    const under = stage.canvasRef.current;
    if (canvas === null || under === null) return;
    canvas.width = under.width;
    canvas.height = under.height;
    const ctx = canvas.getContext('2d');
    if (ctx === null) return;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const m = map?.index === index ? map.map : null;
    canvas.setAttribute('data-flicker-frame', map?.index === index ? String(index) : '-1');
    canvas.setAttribute('data-changed', String(m?.changed ?? 0));
    if (!on || m === null) return;
    const tile = document.createElement('canvas');
    tile.width = m.width;
    tile.height = m.height;
    tile.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(m.rgba), m.width, m.height), 0, 0);
    const r = imageRect(canvas.width, canvas.height, m.width, m.height, view);
    // Nearest: a changed pixel stays one crisp block under zoom.
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tile, r.x, r.y, r.width, r.height);
  }, [on, map, index, view, stage.canvasRef, stage.redraw]);

  if (!on) return null;
  return (
    <>
      <canvas
        ref={ref}
        className="player-canvas"
        data-testid="flicker-canvas"
        style={{ position: 'absolute', inset: 0, pointerEvents: 'none' }}
        aria-hidden="true"
      />
      <div className="player-overlay muted" data-testid="flicker-caption" style={{ top: 4, left: 4, bottom: 'auto', right: 'auto' }}>
        {map?.index === index || index === 0 ? flickerCaption(map?.index === index ? map.map : null, index) : 'Comparing with the previous frame…'}
      </div>
    </>
  );
}

/** The layer's checkbox, beside the other layers (needs a run's cluster maps). */
export function FlickerToggle({ on, available, onToggle }: { on: boolean; available: boolean; onToggle(): void }) {
  return (
    <label className={available ? '' : 'muted'} title="Pixels whose cluster changed since the previous frame">
      <input type="checkbox" data-testid="layer-flicker" checked={on} disabled={!available} onChange={onToggle} /> Flicker map
    </label>
  );
}
