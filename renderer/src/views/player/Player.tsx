// The sequence player: the frame on a 2-D canvas under a transparent WebGL2 canvas of palette-looked-up
// masks, transport controls, a thumbnail timeline, layers, a legend with show/hide/isolate, hover
// tooltip, zoom/pan and prefetch (decoded frames in memory, the next masks uploaded to the GPU when idle).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { FrameSummary } from '../../../../shared/contract/datasets.js';
import type { LabelProtocol } from '../../../../shared/protocols/label-protocol.js';
import { LAYER_BITS, type LayerName } from '../../gl/layers.js';
import { ImageLayer } from '../../gl/image-layer.js';
import { MaskRenderer, type DrawState, type MaskPixels } from '../../gl/mask-renderer.js';
import { prefetchOrder } from '../../gl/texture-ring.js';
import { canvasToImage } from '../../gl/view-geometry.js';
import { ImageCache, type Loaded } from '../../lib/image-cache.js';
import { isTypingTarget } from '../../lib/keys.js';
import { clusterColor, paletteTexture } from '../../lib/palettes.js';
import { useSelection, useStudio } from '../../state/studio-context.js';
import { Legend, type Isolation } from './Legend.js';
import { LAYER_ORDER, playerAction, resolveGoto, seekIndex } from './player-keys.js';
import { Timeline } from './Timeline.js';

export interface PlayerProps {
  readonly frames: readonly FrameSummary[];
  readonly protocol: LabelProtocol | null;
  /** URL of the cluster-id map of a frame under the selected experiment, when there is one. */
  readonly clusterUrl?: ((frame: FrameSummary) => string) | null;
  readonly clusterCount?: number;
  /** Cluster → class index (-1 unmapped). */
  readonly clusterToClass?: Int32Array | null;
}

const PREFETCH_AHEAD = 24;
const PREFETCH_BEHIND = 4;
// Masks uploaded to the GPU in idle time ahead of the playhead; the ring holds them plus the shown ones.
const UPLOAD_AHEAD = 3;
const UPLOAD_BEHIND = 1;
const MASK_RING = 2 * (UPLOAD_AHEAD + UPLOAD_BEHIND + 1) + 2;
const LAYER_LABELS: Record<LayerName, string> = {
  image: 'Image',
  gt: 'Ground truth',
  clusters: 'Clusters',
  classes: 'Classes',
  errors: 'Errors',
};

interface Hover {
  readonly x: number;
  readonly y: number;
  readonly px: number;
  readonly py: number;
  readonly gtClass: number | null;
  readonly cluster: number | null;
}

export function Player({
  frames,
  protocol,
  clusterUrl = null,
  clusterCount = 0,
  clusterToClass = null,
}: PlayerProps) {
  const { client, store } = useStudio();
  const selection = useSelection();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const imageCanvasRef = useRef<HTMLCanvasElement>(null);
  const rendererRef = useRef<MaskRenderer | null>(null);
  const imageLayerRef = useRef<ImageLayer | null>(null);
  const [glError, setGlError] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const cache = useMemo(() => new ImageCache(200), []);
  useEffect(() => () => cache.dispose(), [cache]);
  const hasGt = protocol !== null && frames.some((f) => f.labelRel !== null);
  const hasClusters = clusterUrl !== null;
  const [layers, setLayers] = useState<number>(
    LAYER_BITS.image | (hasClusters ? LAYER_BITS.classes : hasGt ? LAYER_BITS.gt : 0),
  );
  const [opacity, setOpacity] = useState(0.55);
  const [playing, setPlaying] = useState(false);
  const [fps, setFps] = useState(10);
  const [stepN, setStepN] = useState(10);
  const [hiddenClasses, setHiddenClasses] = useState<ReadonlySet<number>>(new Set());
  const [hiddenClusters, setHiddenClusters] = useState<ReadonlySet<number>>(new Set());
  const [isolation, setIsolation] = useState<Isolation | null>(null);
  const [view, setView] = useState({ zoom: 1, panX: 0, panY: 0 });
  const [hover, setHover] = useState<Hover | null>(null);
  const [gotoOpen, setGotoOpen] = useState(false);
  const [gotoText, setGotoText] = useState('');
  // Bumped when the canvas size or a palette changes: the same frame must be drawn again.
  const [redraw, setRedraw] = useState(0);
  const count = frames.length;
  const index = Math.min(Math.max(0, selection.frameIndex), Math.max(0, count - 1));
  const frame = frames[index];

  const urls = useCallback(
    (f: FrameSummary) => ({
      image: client.assetUrl('frame', f.id),
      // The engine maps raw labels to this protocol's class indices (255 = ignore), so the GT LUT is identity.
      gt:
        hasGt && f.labelRel !== null && protocol !== null
          ? client.assetUrl('gt', f.id, { protocol: protocol.id })
          : null,
      clusters: clusterUrl !== null ? clusterUrl(f) : null,
    }),
    [client, hasGt, clusterUrl, protocol],
  );

  const setIndex = useCallback(
    (i: number) => store.select({ frameIndex: Math.min(Math.max(0, i), Math.max(0, count - 1)) }),
    [store, count],
  );

  useEffect(() => {
    const canvas = canvasRef.current;
    const imageCanvas = imageCanvasRef.current;
    if (canvas === null || imageCanvas === null) return;
    try {
      imageLayerRef.current = new ImageLayer(imageCanvas);
      rendererRef.current = new MaskRenderer(canvas, MASK_RING);
    } catch (e) {
      setGlError((e as Error).message);
    }
    const resize = new ResizeObserver(() => {
      const dpr = window.devicePixelRatio || 1;
      for (const c of [canvas, imageCanvas]) {
        c.width = Math.max(1, Math.round(canvas.clientWidth * dpr));
        c.height = Math.max(1, Math.round(canvas.clientHeight * dpr));
      }
      setRedraw((n) => n + 1);
    });
    resize.observe(canvas);
    return () => {
      resize.disconnect();
    };
  }, []);

  // Palettes and lookup tables: cheap texture updates, so every legend/mapping edit redraws instantly.
  const drawState = useMemo<DrawState>(
    () => ({
      layers,
      opacity,
      highlightCluster: selection.clusterId,
      zoom: view.zoom,
      panX: view.panX,
      panY: view.panY,
    }),
    [layers, opacity, selection.clusterId, view],
  );

  useEffect(() => {
    const r = rendererRef.current;
    if (r === null) return;
    const classPalette = paletteTexture(
      (i) => protocol?.colors[i],
      (i) =>
        !hiddenClasses.has(i) && (isolation === null || isolation.kind !== 'class' || isolation.id === i),
    );
    const clusterPalette = paletteTexture(
      (i) => (i < Math.max(clusterCount, 1) ? clusterColor(i) : undefined),
      (i) =>
        !hiddenClusters.has(i) && (isolation === null || isolation.kind !== 'cluster' || isolation.id === i),
    );
    const c2c = new Uint8Array(256).fill(255);
    if (clusterToClass !== null) clusterToClass.forEach((c, k) => k < 256 && (c2c[k] = c < 0 ? 255 : c));
    r.setPalette('classPalette', classPalette);
    r.setPalette('clusterPalette', clusterPalette);
    r.setLut('clusterToClass', c2c);
    setRedraw((n) => n + 1);
  }, [protocol, clusterCount, clusterToClass, hiddenClasses, hiddenClusters, isolation]);

  // Masks of the next frames go to the GPU when the page is idle, so showing them uploads nothing.
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
    [frames, urls, cache],
  );
  useEffect(
    () => () => {
      if (idleUpload.current !== null) cancelIdle(idleUpload.current);
    },
    [],
  );

  // Draw the current frame: from the cache when prefetched (no wait), else after it loads.
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
  }, [frame, index, urls, cache, drawState, redraw, scheduleUploads]);

  // Prefetch around the playhead, nearest first (more ahead than behind: playback and → go forward).
  useEffect(() => {
    for (const j of prefetchOrder(index, frames.length, PREFETCH_AHEAD, PREFETCH_BEHIND)) {
      const f = frames[j];
      if (f !== undefined) loadFrame(cache, urls(f));
    }
  }, [frames, index, urls, cache]);

  // Playback: advance only onto decoded frames, so slow disks pause rather than skip.
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
        if (Object.values(urls(f)).every((u) => u === null || cache.has(u))) {
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
    const r = rendererRef.current;
    const canvas = canvasRef.current;
    if (r === null || canvas === null || frame === undefined) return;
    const rect = canvas.getBoundingClientRect();
    const dpr = canvas.width / rect.width;
    if (drag.current !== null) {
      const dx = ((e.clientX - drag.current.x) / rect.width) * 2;
      const dy = ((e.clientY - drag.current.y) / rect.height) * 2;
      drag.current = { x: e.clientX, y: e.clientY };
      setView((v) => ({ ...v, panX: v.panX + dx, panY: v.panY + dy }));
      return;
    }
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
    const gtClass = idsAt(u.gt, p[0], p[1], fw, fh);
    setHover({
      x: e.clientX - rect.left,
      y: e.clientY - rect.top,
      px: p[0],
      py: p[1],
      gtClass,
      cluster: idsAt(u.clusters, p[0], p[1], fw, fh),
    });
  };
  const drag = useRef<{ x: number; y: number } | null>(null);

  const className = (c: number | null | undefined): string =>
    c === null || c === undefined || c === 255 || c < 0
      ? 'unmapped'
      : (protocol?.classNames[c] ?? `class ${c}`);

  const isolateHovered = useCallback(() => {
    if (hover === null) {
      setIsolation(null);
      return;
    }
    const wantCluster = (layers & LAYER_BITS.clusters) !== 0 && hover.cluster !== null;
    const next: Isolation | null = wantCluster
      ? { kind: 'cluster', id: hover.cluster! }
      : hover.gtClass !== null && hover.gtClass !== 255
        ? { kind: 'class', id: hover.gtClass }
        : null;
    setIsolation((cur) =>
      cur !== null && next !== null && cur.kind === next.kind && cur.id === next.id ? null : next,
    );
  }, [hover, layers]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (isTypingTarget(e.target) || gotoOpen) return;
      const action = playerAction(e);
      if (action === null) return;
      e.preventDefault();
      switch (action.type) {
        case 'toggle-play':
          setPlaying((p) => !p);
          break;
        case 'step':
          setPlaying(false);
          setIndex(index + action.delta);
          break;
        case 'step-n':
          setPlaying(false);
          setIndex(index + action.sign * stepN);
          break;
        case 'seek-fraction':
          setIndex(seekIndex(action.fraction, count));
          break;
        case 'goto':
          setGotoText('');
          setGotoOpen(true);
          break;
        case 'opacity':
          setOpacity((o) => Math.round(Math.min(1, Math.max(0, o + action.delta)) * 20) / 20);
          break;
        case 'toggle-layer':
          setLayers((l) => l ^ LAYER_BITS[action.layer]);
          break;
        case 'isolate':
          isolateHovered();
          break;
        case 'fit':
          setView({ zoom: 1, panX: 0, panY: 0 });
          break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [index, count, stepN, setIndex, gotoOpen, isolateHovered]);

  const names = useMemo(() => frames.map((f) => f.name), [frames]);
  const submitGoto = (): void => {
    const i = resolveGoto(gotoText, names);
    if (i === null) {
      store.notify(
        'error',
        `No frame '${gotoText}' in this sequence (${count} frames: give an index 0–${count - 1} or a name).`,
      );
      return;
    }
    setIndex(i);
    setGotoOpen(false);
  };

  return (
    <div className="player" data-testid="player">
      <div className="player-stage">
        <canvas ref={imageCanvasRef} className="player-canvas" style={STACKED} aria-hidden="true" />
        <canvas
          ref={canvasRef}
          className="player-canvas"
          style={STACKED}
          // Focusable so keyboard users Tab into the player; its shortcuts work from anywhere but fields.
          tabIndex={0}
          data-testid="player-canvas"
          // Updated by the draw effect directly (see there); React only sets the initial value.
          data-rendered-frame={-1}
          aria-label={frame === undefined ? 'No frame' : `Frame ${index + 1} of ${count}: ${frame.name}`}
          onMouseMove={onMouseMove}
          onMouseLeave={() => {
            setHover(null);
            drag.current = null;
          }}
          onMouseDown={(e) => (drag.current = { x: e.clientX, y: e.clientY })}
          onMouseUp={() => (drag.current = null)}
          onWheel={(e) => {
            const factor = Math.pow(1.0015, -e.deltaY);
            setView((v) => ({ ...v, zoom: Math.min(32, Math.max(0.25, v.zoom * factor)) }));
          }}
        />
        {glError !== null && <div className="player-overlay error-text">{glError}</div>}
        {loadError !== null && (
          <div className="player-overlay error-text" data-testid="player-error">
            {loadError}
          </div>
        )}
        {hover !== null && (
          <div
            className="tooltip"
            style={{ left: hover.x + 14, top: hover.y + 14 }}
            data-testid="player-tooltip"
          >
            <div className="muted">
              x {hover.px}, y {hover.py}
            </div>
            {hover.gtClass !== null && <div>GT: {className(hover.gtClass)}</div>}
            {hover.cluster !== null && (
              <div>
                cluster {hover.cluster} → {className(clusterToClass?.[hover.cluster])}
              </div>
            )}
          </div>
        )}
        {gotoOpen && (
          <form
            className="goto"
            onSubmit={(e) => {
              e.preventDefault();
              submitGoto();
            }}
          >
            <label>
              Go to frame (index or name){' '}
              <input
                autoFocus
                data-testid="goto-input"
                value={gotoText}
                onChange={(e) => setGotoText(e.target.value)}
                onKeyDown={(e) => e.key === 'Escape' && setGotoOpen(false)}
              />
            </label>
          </form>
        )}
      </div>
      <div className="player-controls row">
        <button type="button" data-testid="play" onClick={() => setPlaying((p) => !p)} aria-pressed={playing}>
          {playing ? 'Pause' : 'Play'}
        </button>
        <button type="button" onClick={() => setIndex(index - 1)} aria-label="Previous frame">
          ◀
        </button>
        <button type="button" onClick={() => setIndex(index + 1)} aria-label="Next frame">
          ▶
        </button>
        <span className="num" data-testid="frame-counter">
          {count === 0 ? '0 / 0' : `${index + 1} / ${count}`}
        </span>
        <span className="muted frame-name" data-testid="frame-name">
          {frame?.name ?? ''}
        </span>
        <span className="grow" />
        <label>
          speed{' '}
          <select value={fps} onChange={(e) => setFps(Number(e.target.value))} aria-label="Playback speed">
            {[2, 5, 10, 15, 24, 30, 60].map((v) => (
              <option key={v} value={v}>
                {v} fps
              </option>
            ))}
          </select>
        </label>
        <label>
          step{' '}
          <input
            type="number"
            min={1}
            max={1000}
            value={stepN}
            onChange={(e) => setStepN(Math.max(1, Number(e.target.value) || 1))}
            aria-label="Frames per Shift+arrow step"
            style={{ width: 60 }}
          />
        </label>
        <label>
          opacity{' '}
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={opacity}
            data-testid="opacity"
            onChange={(e) => setOpacity(Number(e.target.value))}
          />{' '}
          <span className="num">{Math.round(opacity * 100)} %</span>
        </label>
      </div>
      <div className="row layers" role="group" aria-label="Layers">
        {LAYER_ORDER.map((name, i) => {
          const disabled =
            (name === 'gt' && !hasGt) ||
            ((name === 'clusters' || name === 'classes') && !hasClusters) ||
            (name === 'errors' && !(hasGt && hasClusters));
          return (
            <label key={name} className={disabled ? 'muted' : ''}>
              <input
                type="checkbox"
                data-testid={`layer-${name}`}
                checked={(layers & LAYER_BITS[name]) !== 0}
                disabled={disabled}
                onChange={() => setLayers((l) => l ^ LAYER_BITS[name])}
              />{' '}
              {LAYER_LABELS[name]} <kbd>⇧{i + 1}</kbd>
            </label>
          );
        })}
      </div>
      <Timeline
        frames={frames}
        index={index}
        onSeek={setIndex}
        thumbUrl={(f) => client.assetUrl('thumb', f.id)}
      />
      <Legend
        protocol={protocol}
        clusterCount={hasClusters ? clusterCount : 0}
        clusterToClass={clusterToClass}
        hiddenClasses={hiddenClasses}
        hiddenClusters={hiddenClusters}
        isolation={isolation}
        onToggleClass={(c) => setHiddenClasses((s) => toggle(s, c))}
        onToggleCluster={(k) => setHiddenClusters((s) => toggle(s, k))}
        onIsolate={(iso) =>
          setIsolation((cur) =>
            cur !== null && iso !== null && cur.kind === iso.kind && cur.id === iso.id ? null : iso,
          )
        }
      />
    </div>
  );
}

/** The two canvases share the stage: the frame below, the masks (and the pointer events) on top. */
const STACKED = { position: 'absolute', inset: 0 } as const;

function asMask(loaded: Loaded | null): MaskPixels | null {
  return loaded?.kind === 'ids'
    ? { key: loaded.url, ids: loaded.ids, width: loaded.width, height: loaded.height }
    : null;
}

function loadFrame(
  cache: ImageCache,
  u: { image: string; gt: string | null; clusters: string | null },
): void {
  cache.load(u.image, 'image').catch(() => undefined);
  if (u.gt !== null) cache.load(u.gt, 'ids').catch(() => undefined);
  if (u.clusters !== null) cache.load(u.clusters, 'ids').catch(() => undefined);
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

function toggle(set: ReadonlySet<number>, v: number): ReadonlySet<number> {
  const next = new Set(set);
  if (next.has(v)) next.delete(v);
  else next.add(v);
  return next;
}
