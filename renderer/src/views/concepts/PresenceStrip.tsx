// Where along the frames a cluster appears: one column per frame, brightness = share of the frame.
import { useEffect, useRef } from 'react';
import type { RGB } from '../../../../shared/protocols/cityscapes-labels.js';

export function PresenceStrip({ values, color }: { values: Float32Array; color: RGB }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (canvas == null || ctx == null) return;
    const n = values.length;
    canvas.width = Math.max(1, Math.min(400, n));
    ctx.fillStyle = '#141516';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    let max = 0;
    for (const v of values) max = Math.max(max, v);
    if (max === 0) return;
    for (let x = 0; x < canvas.width; x++) {
      const from = Math.floor((x * n) / canvas.width);
      const to = Math.max(from + 1, Math.floor(((x + 1) * n) / canvas.width));
      let v = 0;
      for (let i = from; i < to; i++) v = Math.max(v, values[i]!);
      ctx.globalAlpha = Math.min(1, 0.15 + (0.85 * v) / max);
      ctx.fillStyle = `rgb(${color[0]}, ${color[1]}, ${color[2]})`;
      const h = Math.max(1, (v / max) * canvas.height);
      ctx.fillRect(x, canvas.height - h, 1, h);
    }
    ctx.globalAlpha = 1;
  }, [values, color]);
  return <canvas ref={ref} className="presence" height={18} role="img" aria-label="Presence along the frames" />;
}
