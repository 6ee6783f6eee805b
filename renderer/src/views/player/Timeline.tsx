// A thumbnail strip along the sequence with the active-frame marker; a range input underneath keeps it
// keyboard- and screen-reader-usable.
import { useMemo } from 'react';
import type { FrameSummary } from '../../../../shared/contract/datasets.js';

const THUMBS = 16;

export function Timeline({
  frames,
  index,
  onSeek,
  thumbUrl,
}: {
  frames: readonly FrameSummary[];
  index: number;
  onSeek(i: number): void;
  thumbUrl(f: FrameSummary): string;
}) {
  const count = frames.length;
  const samples = useMemo(() => {
    const n = Math.min(THUMBS, count);
    return Array.from({ length: n }, (_, i) => Math.floor((i * count) / n));
  }, [count]);
  if (count === 0) return null;
  return (
    <div className="timeline" data-testid="timeline">
      <div
        className="timeline-strip"
        onClick={(e) => {
          const rect = e.currentTarget.getBoundingClientRect();
          onSeek(Math.floor(((e.clientX - rect.left) / rect.width) * count));
        }}
      >
        {samples.map((i) => {
          const f = frames[i]!;
          return <img key={f.id} src={thumbUrl(f)} alt="" draggable={false} loading="lazy" />;
        })}
        <div className="timeline-marker" style={{ left: `${((index + 0.5) / count) * 100}%` }} data-testid="timeline-marker" />
      </div>
      <input
        type="range"
        className="timeline-range"
        min={0}
        max={count - 1}
        value={index}
        onChange={(e) => onSeek(Number(e.target.value))}
        aria-label="Frame"
        data-testid="timeline-range"
      />
    </div>
  );
}
