// Per-class IoU under the mapping being edited, sortable by class or by IoU; a row selects its class
// (the confusion matrix highlights it).
import { useMemo, useState } from 'react';
import type { Score } from '../../../../shared/metrics/confusion.js';
import type { RGB } from '../../../../shared/protocols/cityscapes-labels.js';
import { formatScore } from '../../components/score-format.js';
import { cssColor } from '../../lib/palettes.js';

export interface ClassIouTableProps {
  readonly classNames: readonly string[];
  readonly colors: readonly (RGB | undefined)[];
  readonly score: Score;
  readonly selectedClass: number | null;
  onSelectClass(t: number | null): void;
}

export function ClassIouTable({ classNames, colors, score, selectedClass, onSelectClass }: ClassIouTableProps) {
  const [sortBy, setSortBy] = useState<'index' | 'iou'>('index');
  const rows = useMemo(() => {
    const all = classNames.map((name, t) => ({ t, name, iou: score.iou[t]!, gt: score.gt[t]! }));
    if (sortBy === 'iou') all.sort((a, b) => (Number.isNaN(b.iou) ? -1 : b.iou) - (Number.isNaN(a.iou) ? -1 : a.iou));
    return all;
  }, [classNames, score, sortBy]);
  const toggle = (t: number): void => onSelectClass(selectedClass === t ? null : t);

  return (
    <div className="table-wrap">
      <table className="table" data-testid="iou-table">
        <thead>
          <tr>
            <th>
              <button type="button" className="link" onClick={() => setSortBy('index')}>
                Class
              </button>
            </th>
            <th className="num">
              <button type="button" className="link" onClick={() => setSortBy('iou')}>
                IoU
              </button>
            </th>
            <th className="num">GT pixels</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={r.t}
              className={selectedClass === r.t ? 'selected' : ''}
              tabIndex={0}
              onClick={() => toggle(r.t)}
              onKeyDown={(e) => e.key === 'Enter' && toggle(r.t)}
            >
              <td>
                <span className="swatch" style={{ background: cssColor(colors[r.t] ?? [0, 0, 0]) }} />
                {r.name}
              </td>
              <td className="num" data-testid={`iou-${r.name}`}>
                {formatScore(r.iou)}
              </td>
              <td className="num">{r.gt.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
