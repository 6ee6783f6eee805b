// Row-normalised confusion matrix (true class rows × predicted class columns + "unmatched"), drawn on a
// canvas with class-coloured ticks; the selected class's row is outlined.
import { useEffect, useRef } from 'react';
import type { RGB } from '../../../../shared/protocols/cityscapes-labels.js';
import { cssColor } from '../../lib/palettes.js';

export function ConfusionMatrix({
  normalized,
  classNames,
  colors,
  selectedClass,
}: {
  normalized: Float64Array;
  classNames: readonly string[];
  colors: readonly (RGB | undefined)[];
  selectedClass: number | null;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const C = classNames.length;
  const cols = C + 1;
  const cell = Math.max(8, Math.min(18, Math.floor(420 / cols)));
  const tick = 6;
  useEffect(() => {
    const canvas = ref.current;
    if (canvas === null) return;
    const ctx = canvas.getContext('2d');
    if (ctx === null) return;
    ctx.fillStyle = '#1c1d1f';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (let t = 0; t < C; t++) {
      ctx.fillStyle = cssColor(colors[t] ?? [0, 0, 0]);
      ctx.fillRect(0, tick + t * cell, tick - 1, cell - 1);
      ctx.fillRect(tick + t * cell, 0, cell - 1, tick - 1);
      for (let p = 0; p < cols; p++) {
        const v = normalized[t * cols + p] ?? 0;
        const g = Math.round(28 + v * 227);
        ctx.fillStyle = p === t ? `rgb(${Math.round(g * 0.45)}, ${g}, ${Math.round(g * 0.55)})` : `rgb(${g}, ${Math.round(g * 0.55)}, ${Math.round(g * 0.45)})`;
        ctx.fillRect(tick + p * cell, tick + t * cell, cell - 1, cell - 1);
      }
    }
    ctx.fillStyle = '#888';
    ctx.fillRect(tick + C * cell, 0, cell - 1, tick - 1);
    if (selectedClass !== null && selectedClass < C) {
      ctx.strokeStyle = '#ffd84a';
      ctx.lineWidth = 2;
      ctx.strokeRect(tick, tick + selectedClass * cell, cols * cell, cell);
    }
  }, [normalized, C, cols, cell, colors, selectedClass]);
  return (
    <figure className="confusion" data-testid="confusion-matrix">
      <canvas
        ref={ref}
        width={tick + cols * cell}
        height={tick + C * cell}
        role="img"
        aria-label="Confusion matrix: rows are true classes, columns predicted classes, the last column unmatched clusters"
      />
      <figcaption className="muted">rows: ground truth · columns: predicted (last = unmatched) · row-normalised</figcaption>
    </figure>
  );
}
