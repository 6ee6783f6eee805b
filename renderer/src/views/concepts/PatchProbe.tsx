// The similar-patch probe: click a pixel of a frame → the cosine similarity of every patch of that frame
// to the clicked patch (a heatmap over the frame, in backbone feature space) and the most similar patches
// across the dataset. Clicking a match moves the probe to it. Arrow keys move the probed cell.
import { useEffect, useRef, useState } from 'react';
import type { SimilarPatches } from '../../../../shared/contract/concepts.js';
import { useQuery, useStudio } from '../../state/studio-context.js';
import { PatchThumb } from './PatchThumb.js';

export type ProbeTarget = { readonly frameId: string; readonly gx: number; readonly gy: number } | { readonly frameId: string; readonly u: number; readonly v: number };

/** t (0..1, the stretched similarity) → dark purple → orange → yellow (an inferno-like ramp); t ≤ 0 is transparent. */
export function heatColour(cos: number): [number, number, number, number] {
  const t = Math.max(0, Math.min(1, cos));
  const stops: [number, number, number][] = [
    [20, 11, 52],
    [120, 28, 109],
    [212, 72, 66],
    [250, 160, 40],
    [252, 255, 164],
  ];
  const f = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(f));
  const a = stops[i]!;
  const b = stops[i + 1]!;
  const l = f - i;
  return [a[0] + (b[0] - a[0]) * l, a[1] + (b[1] - a[1]) * l, a[2] + (b[2] - a[2]) * l, t === 0 ? 0 : Math.round(80 + 175 * t)];
}

/** Display range of a heatmap: its minimum (floored at 0: dissimilar is dissimilar) to its maximum. */
export function heatRange(values: readonly number[]): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return { lo: Math.max(0, lo), hi };
}

export function PatchProbe({ experimentId, target, onTarget }: { experimentId: string; target: ProbeTarget | null; onTarget: (t: ProbeTarget) => void }) {
  const { call, client } = useStudio();
  const experiment = useQuery('experiments.get', { id: experimentId });
  const frames = useQuery('datasets.frames', experiment.data === undefined ? null : { id: experiment.data.datasetId, limit: 1000 });
  const frameId = target?.frameId ?? frames.data?.items[0]?.id ?? null;
  const [result, setResult] = useState<SimilarPatches | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [opacity, setOpacity] = useState(0.6);
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    if (target === null) return;
    let cancelled = false;
    setBusy(true);
    setError(null);
    const at = 'u' in target ? { u: target.u, v: target.v } : { gx: target.gx, gy: target.gy };
    call('concepts.similar', { experimentId, frameId: target.frameId, ...at, limit: 24 }).then(
      (r) => !cancelled && (setResult(r), setBusy(false)),
      (e: unknown) => !cancelled && (setError((e as Error).message), setBusy(false)),
    );
    return () => {
      cancelled = true;
    };
  }, [call, experimentId, target]);

  const shown = result !== null && result.frameId === frameId ? result : null;

  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (c == null || ctx == null || shown === null) return;
    c.width = shown.grid.w;
    c.height = shown.grid.h;
    const img = ctx.createImageData(shown.grid.w, shown.grid.h);
    // Stretched to the frame's own range: backbone features of one image are often all similar
    // (cos 0.8–1), and an absolute scale would paint the whole frame one colour.
    const { lo, hi } = heatRange(shown.heatmap);
    shown.heatmap.forEach((v, i) => img.data.set(heatColour(hi > lo ? (v - lo) / (hi - lo) : 1), i * 4));
    ctx.putImageData(img, 0, 0);
  }, [shown]);

  const onClick = (e: React.MouseEvent<HTMLDivElement>): void => {
    if (frameId === null) return;
    const box = e.currentTarget.getBoundingClientRect();
    onTarget({ frameId, u: Math.min(1, Math.max(0, (e.clientX - box.left) / box.width)), v: Math.min(1, Math.max(0, (e.clientY - box.top) / box.height)) });
  };

  const onKey = (e: React.KeyboardEvent): void => {
    if (shown === null || frameId === null) return;
    const step: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const d = step[e.key];
    if (d === undefined) return;
    e.preventDefault();
    onTarget({
      frameId,
      gx: Math.min(shown.grid.w - 1, Math.max(0, shown.gx + d[0])),
      gy: Math.min(shown.grid.h - 1, Math.max(0, shown.gy + d[1])),
    });
  };

  const pct = (a: number, b: number) => `${(a / b) * 100}%`;
  return (
    <div className="probe-view">
      <div className="row">
        <label>
          Frame{' '}
          <select data-testid="probe-frame" value={frameId ?? ''} onChange={(e) => onTarget({ frameId: e.target.value, u: 0.5, v: 0.5 })}>
            {frames.data?.items.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          heatmap opacity <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} />
        </label>
        <span className="muted grow" data-testid="probe-status">
          {busy
            ? 'Searching…'
            : shown !== null
              ? `cell ${shown.gx},${shown.gy} · cluster ${shown.cluster} · ${shown.searched.toLocaleString()} patches compared · heatmap cosine ${heatRange(shown.heatmap).lo.toFixed(2)}–${heatRange(shown.heatmap).hi.toFixed(2)}`
              : 'Click a pixel of the frame to probe its patch.'}
        </span>
      </div>
      {(error ?? frames.error) !== null && <div className="error-text" data-testid="probe-error">{error ?? frames.error}</div>}
      {frameId !== null && (
        <div
          className="probe-frame"
          data-testid="probe-image"
          role="button"
          tabIndex={0}
          aria-label="Frame: click a pixel to probe its patch; arrow keys move the probed patch"
          onClick={onClick}
          onKeyDown={onKey}
          style={{ position: 'relative', maxWidth: 960, margin: '8px 0', cursor: 'crosshair', lineHeight: 0 }}
        >
          <img src={client.assetUrl('frame', frameId)} alt="probe frame" style={{ width: '100%', display: 'block' }} draggable={false} />
          {shown !== null && (
            <>
              <canvas
                ref={canvas}
                data-testid="probe-heatmap"
                style={{
                  position: 'absolute',
                  left: pct(shown.region.x, shown.frameWidth),
                  top: pct(shown.region.y, shown.frameHeight),
                  width: pct(shown.region.width, shown.frameWidth),
                  height: pct(shown.region.height, shown.frameHeight),
                  opacity,
                  imageRendering: 'pixelated',
                  pointerEvents: 'none',
                }}
              />
              <div
                data-testid="probe-cell"
                style={{
                  position: 'absolute',
                  left: pct(shown.region.x + (shown.gx * shown.region.width) / shown.grid.w, shown.frameWidth),
                  top: pct(shown.region.y + (shown.gy * shown.region.height) / shown.grid.h, shown.frameHeight),
                  width: pct(shown.region.width / shown.grid.w, shown.frameWidth),
                  height: pct(shown.region.height / shown.grid.h, shown.frameHeight),
                  outline: '2px solid #39f',
                  pointerEvents: 'none',
                }}
              />
            </>
          )}
        </div>
      )}
      {shown !== null && (
        <>
          <h3>Most similar patches across the dataset</h3>
          <div className="probe-matches" data-testid="probe-matches" style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(84px, 1fr))', gap: 6 }}>
            {shown.matches.map((m) => (
              <figure key={m.id} style={{ margin: 0 }}>
                <PatchThumb patch={m} size={96} testId="probe-match" label={`cosine ${m.score.toFixed(3)}`} onOpen={(p) => onTarget({ frameId: p.frameId, gx: p.gx, gy: p.gy })} />
                <figcaption className="muted num" style={{ fontSize: 11 }}>
                  {m.score.toFixed(3)} · #{m.cluster}
                </figcaption>
              </figure>
            ))}
          </div>
        </>
      )}
    </div>
  );
}
