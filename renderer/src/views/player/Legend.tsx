// Per-class and per-cluster legend: name beside swatch (colour is never the only signal), show/hide and
// isolate. Clusters show what they are mapped to.
import type { LabelProtocol } from '../../../../shared/protocols/label-protocol.js';
import { clusterColor, cssColor } from '../../lib/palettes.js';
import type { Isolation } from './player-rules.js';


export interface LegendProps {
  readonly protocol: LabelProtocol | null;
  readonly clusterCount: number;
  readonly clusterToClass: Int32Array | null;
  readonly hiddenClasses: ReadonlySet<number>;
  readonly hiddenClusters: ReadonlySet<number>;
  readonly isolation: Isolation | null;
  onToggleClass(c: number): void;
  onToggleCluster(k: number): void;
  onIsolate(iso: Isolation | null): void;
}

export function Legend(props: LegendProps) {
  const { protocol, clusterCount, clusterToClass, hiddenClasses, hiddenClusters, isolation } = props;
  return (
    <div className="legend" data-testid="legend">
      {protocol !== null && (
        <div>
          <h3>Classes · {protocol.name}</h3>
          <ul className="legend-list">
            {protocol.classNames.map((name, c) => (
              <li key={name} className={isolation?.kind === 'class' && isolation.id !== c ? 'dim' : ''}>
                <label>
                  <input type="checkbox" checked={!hiddenClasses.has(c)} onChange={() => props.onToggleClass(c)} aria-label={`Show ${name}`} />
                  <span className="swatch" style={{ background: cssColor(protocol.colors[c] ?? [0, 0, 0]) }} />
                  {name}
                </label>
                <button
                  type="button"
                  className="link"
                  aria-pressed={isolation?.kind === 'class' && isolation.id === c}
                  onClick={() => props.onIsolate({ kind: 'class', id: c })}
                >
                  isolate
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {clusterCount > 0 && (
        <div>
          <h3>Clusters · K = {clusterCount}</h3>
          <ul className="legend-list">
            {Array.from({ length: clusterCount }, (_, k) => {
              const mapped = clusterToClass?.[k] ?? -1;
              return (
                <li key={k} className={isolation?.kind === 'cluster' && isolation.id !== k ? 'dim' : ''}>
                  <label>
                    <input type="checkbox" checked={!hiddenClusters.has(k)} onChange={() => props.onToggleCluster(k)} aria-label={`Show cluster ${k}`} />
                    <span className="swatch" style={{ background: cssColor(clusterColor(k)) }} />
                    {k} → {mapped < 0 ? 'unmapped' : (protocol?.classNames[mapped] ?? mapped)}
                  </label>
                  <button
                    type="button"
                    className="link"
                    aria-pressed={isolation?.kind === 'cluster' && isolation.id === k}
                    onClick={() => props.onIsolate({ kind: 'cluster', id: k })}
                  >
                    isolate
                  </button>
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </div>
  );
}
