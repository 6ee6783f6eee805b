// The concept atlas: the engine's UMAP layout of the experiment's centroids or clusterbook, each point a
// cell filled with its patch and framed in its mapped class's colour (cluster colour, dashed, when the
// cluster is not mapped). Click a cell to select its cluster; its patch opens in the probe.
import { useMemo, useState } from 'react';
import type { AtlasSource, PatchRef } from '../../../../shared/contract/concepts.js';
import { clusterColor, cssColor } from '../../lib/palettes.js';
import { useQuery, useSelection, useStudio } from '../../state/studio-context.js';
import { useClusterClasses } from './use-cluster-classes.js';

/** Cell sizes: big while there are few points (centroids), small for a clusterbook of hundreds. */
const cellSize = (points: number): number => (points <= 64 ? 88 : 52);

export function ConceptAtlas({ experimentId, onPatch }: { experimentId: string; onPatch: (p: PatchRef) => void }) {
  const { client, select } = useStudio();
  const selection = useSelection();
  const experiment = useQuery('experiments.get', { id: experimentId });
  const kmeans = experiment.data?.method === 'kmeans';
  const [chosen, setSource] = useState<AtlasSource>('centroids');
  const source: AtlasSource = kmeans ? 'centroids' : chosen;
  const atlas = useQuery('concepts.atlas', { experimentId, source });
  const classes = useClusterClasses(experimentId);
  const legend = useMemo(() => {
    const seen = new Map<string, string | null>();
    for (const p of atlas.data?.points ?? []) {
      const c = classes.classOf(p.cluster);
      if (c !== null && !seen.has(c.name)) seen.set(c.name, c.color === null ? null : cssColor(c.color));
    }
    return [...seen];
  }, [atlas.data, classes]);
  const CELL = cellSize(atlas.data?.points.length ?? 0);

  return (
    <div className="atlas-view">
      <div className="row">
        <label>
          Layout of{' '}
          <select data-testid="atlas-source" value={source} onChange={(e) => setSource(e.target.value as AtlasSource)}>
            <option value="centroids">cluster centroids</option>
            <option value="clusterbook" disabled={kmeans}>
              clusterbook (concepts){kmeans ? ' — CAUSE runs only' : ''}
            </option>
          </select>
        </label>
        <span className="muted grow">
          {atlas.data !== undefined && `${atlas.data.points.length} points · ${atlas.data.layout.toUpperCase()} · `}
          {classes.source === null ? 'coloured by cluster (no mapping yet)' : `coloured by the ${classes.source === 'editing' ? 'mapping being edited' : 'newest saved mapping'}`}
        </span>
      </div>
      {atlas.error !== null && <div className="error-text" data-testid="atlas-error">{atlas.error}</div>}
      {atlas.data === undefined && atlas.error === null && <div className="muted">Laying out the concepts…</div>}
      {atlas.data !== undefined && (
        <>
          <div
            className="atlas"
            data-testid="atlas"
            data-layout={atlas.data.layout}
            data-source={atlas.data.source}
            style={{ position: 'relative', height: 'min(64vh, 620px)', margin: '8px 0', background: '#141516', border: '1px solid var(--line)', borderRadius: 6, overflow: 'hidden' }}
          >
            {atlas.data.points.map((p) => {
              const mapped = classes.classOf(p.cluster);
              const colour = mapped?.color != null ? cssColor(mapped.color) : cssColor(clusterColor(p.cluster));
              const selected = selection.clusterId === p.cluster;
              const title = `${source === 'centroids' ? 'cluster' : 'concept'} ${p.index} · cluster ${p.cluster}${mapped !== null ? ` → ${mapped.name}` : ''}`;
              return (
                <button
                  key={p.index}
                  type="button"
                  data-testid="atlas-cell"
                  data-cluster={p.cluster}
                  title={title}
                  aria-label={`${title}. Enter selects the cluster; Shift+Enter probes its patch.`}
                  onClick={(e) => {
                    select({ clusterId: p.cluster });
                    if (e.shiftKey && p.patch !== null) onPatch(p.patch);
                  }}
                  onDoubleClick={() => p.patch !== null && onPatch(p.patch)}
                  style={{
                    position: 'absolute',
                    left: `calc(${p.x} * (100% - ${CELL + 8}px) + 4px)`,
                    top: `calc(${1 - p.y} * (100% - ${CELL + 8}px) + 4px)`,
                    width: CELL,
                    height: CELL,
                    padding: 0,
                    border: `3px ${mapped?.color != null ? 'solid' : 'dashed'} ${colour}`,
                    borderRadius: 4,
                    background: '#000',
                    overflow: 'hidden',
                    zIndex: selected ? 2 : 1,
                    boxShadow: selected ? '0 0 0 2px #ffd84a' : undefined,
                  }}
                >
                  {source === 'centroids' && (
                    <span style={{ position: 'absolute', left: 2, top: 0, fontSize: 11, color: '#fff', textShadow: '0 0 2px #000' }}>#{p.cluster}</span>
                  )}
                  {p.patch !== null ? (
                    <img src={client.assetUrl('patch', p.patch.id, { w: 64 })} alt="" style={{ width: '100%', height: '100%', objectFit: 'cover', display: 'block' }} />
                  ) : source === 'centroids' ? null : (
                    <span className="muted">#{p.cluster}</span>
                  )}
                </button>
              );
            })}
          </div>
          <div className="row muted" data-testid="atlas-legend" style={{ flexWrap: 'wrap', gap: 10 }}>
            {legend.map(([name, colour]) => (
              <span key={name}>
                <span className="swatch" style={{ background: colour ?? 'transparent', border: colour === null ? '1px dashed var(--fg-2)' : undefined }} /> {name}
              </span>
            ))}
            <span>Double-click a cell to probe its patch.</span>
          </div>
        </>
      )}
    </div>
  );
}
