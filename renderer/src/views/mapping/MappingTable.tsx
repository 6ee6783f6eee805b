// Every cluster beside its class selector (or ignore), its pixel share and the class most of it is.
// Tick rows to merge them into one class (MergeBar). Keyboard: ↑/↓ move between rows, ←/→ change the class, Delete ignores, Enter lights it up in the player.
import { useRef } from 'react';
import type { RGB } from '../../../../shared/protocols/cityscapes-labels.js';
import { clusterColor, cssColor } from '../../lib/palettes.js';
import type { ClusterStat } from './use-mapping-score.js';
import type { MappingSessionState } from './use-mapping-session.js';

export interface MappingTableProps {
  readonly classNames: readonly string[];
  readonly colors: readonly (RGB | undefined)[];
  readonly clusterStats: readonly ClusterStat[];
  readonly session: MappingSessionState;
  readonly selectedCluster: number | null;
  onSelectCluster(k: number | null): void;
  /** Clusters ticked for a merge (MergeBar). */
  readonly ticked: ReadonlySet<number>;
  onTick(k: number, on: boolean): void;
}

export function MappingTable({ classNames, colors, clusterStats, session, selectedCluster, onSelectCluster, ticked, onTick }: MappingTableProps) {
  const boardRef = useRef<HTMLTableSectionElement>(null);
  const mapping = session.session.current;
  const K = mapping.length;

  const onRowKey = (e: React.KeyboardEvent<HTMLTableRowElement>, k: number): void => {
    if (e.target instanceof HTMLSelectElement || e.target instanceof HTMLInputElement) return;
    const rows = boardRef.current?.querySelectorAll<HTMLTableRowElement>('tr[data-cluster]');
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      rows?.[Math.min(K - 1, Math.max(0, k + (e.key === 'ArrowDown' ? 1 : -1)))]?.focus();
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      session.cycle(k, e.key === 'ArrowRight' ? 1 : -1);
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      session.assign(k, -1);
    } else if (e.key === 'Enter') {
      onSelectCluster(selectedCluster === k ? null : k);
    }
  };

  return (
    <div className="table-wrap mapping-board">
      <table className="table">
        <thead>
          <tr>
            <th aria-label="Tick to merge" />
            <th>Cluster</th>
            <th className="num">Pixels</th>
            <th>Mostly (GT)</th>
            <th>Class</th>
          </tr>
        </thead>
        <tbody ref={boardRef} data-testid="mapping-board">
          {Array.from({ length: K }, (_, k) => {
            const stat = clusterStats[k]!;
            const mapped = mapping[k]!;
            return (
              <tr
                key={k}
                data-cluster={k}
                data-testid={`cluster-row-${k}`}
                tabIndex={0}
                className={selectedCluster === k ? 'selected' : ''}
                onKeyDown={(e) => onRowKey(e, k)}
                onClick={() => onSelectCluster(k)}
                aria-label={`Cluster ${k}, mapped to ${mapped < 0 ? 'ignore' : classNames[mapped]}`}
              >
                <td onClick={(e) => e.stopPropagation()}>
                  <input
                    type="checkbox"
                    data-testid={`cluster-tick-${k}`}
                    checked={ticked.has(k)}
                    aria-label={`Tick cluster ${k} to merge`}
                    onChange={(e) => onTick(k, e.target.checked)}
                  />
                </td>
                <td>
                  <span className="swatch" style={{ background: cssColor(clusterColor(k)) }} />
                  {k}
                </td>
                <td className="num">{(stat.share * 100).toFixed(1)} %</td>
                <td className="muted">
                  {stat.topClass < 0 ? '—' : `${classNames[stat.topClass]} ${(stat.purity * 100).toFixed(0)} %`}
                </td>
                <td>
                  {mapped >= 0 && <span className="swatch" style={{ background: cssColor(colors[mapped] ?? [0, 0, 0]) }} />}
                  <select
                    data-testid={`cluster-class-${k}`}
                    value={mapped}
                    aria-label={`Class of cluster ${k}`}
                    onChange={(e) => session.assign(k, Number(e.target.value))}
                  >
                    <option value={-1}>ignore</option>
                    {classNames.map((name, t) => (
                      <option key={name} value={t}>
                        {name}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
