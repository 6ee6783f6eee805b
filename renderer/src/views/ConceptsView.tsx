// Concepts: the experiment's clusters three ways — a grid (each cluster's top-scoring patches from across
// the dataset, pixel share, presence strip, mapped class), the atlas (UMAP of centroids or clusterbook,
// cells filled with patches, coloured by mapped class) and the similar-patch probe. Clicking a cluster
// selects it everywhere (the player lights it up); clicking a patch opens it in the probe.
import { useMemo, useState } from 'react';
import type { ConceptPatches, PatchRef } from '../../../shared/contract/concepts.js';
import type { EvalHistogramData } from '../../../shared/contract/evaluation.js';
import { ExperimentPicker } from '../components/ExperimentPicker.js';
import { clusterColor, cssColor } from '../lib/palettes.js';
import { useQuery, useSelection, useStudio } from '../state/studio-context.js';
import { ConceptAtlas } from './concepts/ConceptAtlas.js';
import { PatchProbe, type ProbeTarget } from './concepts/PatchProbe.js';
import { PatchThumb } from './concepts/PatchThumb.js';
import { PresenceStrip } from './concepts/PresenceStrip.js';
import { useClusterClasses } from './concepts/use-cluster-classes.js';

type Tab = 'grid' | 'atlas' | 'probe';

export function ConceptsView() {
  const selection = useSelection();
  const [tab, setTab] = useState<Tab>('grid');
  const [probe, setProbe] = useState<ProbeTarget | null>(null);
  const openProbe = (p: PatchRef): void => {
    setProbe({ frameId: p.frameId, gx: p.gx, gy: p.gy });
    setTab('probe');
  };
  return (
    <section className="view" aria-label="Concepts">
      <div className="row">
        <h2 className="grow">Concepts</h2>
        <div className="tabs" role="tablist">
          {(['grid', 'atlas', 'probe'] as const).map((t) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? 'active' : ''} data-testid={`concepts-tab-${t}`} onClick={() => setTab(t)}>
              {t === 'grid' ? 'Grid' : t === 'atlas' ? 'Atlas' : 'Similar-patch probe'}
            </button>
          ))}
        </div>
        <ExperimentPicker />
      </div>
      {selection.experimentId === null ? (
        <div className="empty">Train an experiment to see the concepts it found.</div>
      ) : tab === 'grid' ? (
        <ConceptSource experimentId={selection.experimentId} onPatch={openProbe} />
      ) : tab === 'atlas' ? (
        <ConceptAtlas experimentId={selection.experimentId} onPatch={openProbe} />
      ) : (
        <PatchProbe key={selection.experimentId} experimentId={selection.experimentId} target={probe} onTarget={setProbe} />
      )}
    </section>
  );
}

function ConceptSource({ experimentId, onPatch }: { experimentId: string; onPatch: (p: PatchRef) => void }) {
  const patches = useQuery('concepts.topPatches', { experimentId, perCluster: 6 });
  const histograms = useQuery('eval.histograms', { experimentId });
  const newest = histograms.data?.[0];
  const data = useQuery('eval.histogram', newest === undefined ? null : { id: newest.id, frames: true });
  const experiment = useQuery('experiments.get', { id: experimentId });
  if (patches.error !== null) return <div className="error-text" data-testid="concepts-error">{patches.error}</div>;
  if (experiment.data === undefined || patches.data === undefined) return <div className="muted">Indexing the experiment's patches…</div>;
  return (
    <>
      <div className="muted" data-testid="concepts-source">
        Top patches from {patches.data.frames} frames
        {patches.data.frames < patches.data.framesPredicted ? ` (evenly sampled of ${patches.data.framesPredicted})` : ''} · grid {patches.data.grid.w}×
        {patches.data.grid.h}
        {newest === undefined ? ' · run “Evaluate” in Mapping for pixel shares and presence strips' : ''}
      </div>
      <ConceptGrid patches={patches.data} data={data.data ?? null} datasetId={experiment.data.datasetId} onPatch={onPatch} />
    </>
  );
}

interface ConceptStats {
  readonly k: number;
  readonly share: number;
  /** Per-frame fraction of the frame's pixels in this cluster, in frame order (null without a histogram). */
  readonly presence: Float32Array | null;
  /** Index (into frames) of the frame where the cluster covers most pixels. */
  readonly topFrame: number | undefined;
}

function conceptStats(patches: ConceptPatches, data: EvalHistogramData | null): ConceptStats[] {
  const K = patches.clusters;
  if (data === null || data.clusters !== K) {
    return patches.concepts.map((c) => ({ k: c.cluster, share: c.patchShare, presence: null, topFrame: undefined }));
  }
  const C = data.classes;
  const frames = data.frames ?? [];
  const rowSums = new Float64Array(K);
  for (let k = 0; k < K; k++) for (let t = 0; t < C; t++) rowSums[k] = rowSums[k]! + data.histogram[k * C + t]!;
  const total = rowSums.reduce((a, b) => a + b, 0) || 1;
  const presence = Array.from({ length: K }, () => new Float32Array(frames.length));
  frames.forEach((f, i) => {
    const pixels = f.pixels || 1;
    f.cells.forEach((cell, j) => {
      const p = presence[Math.floor(cell / C)];
      if (p !== undefined) p[i] = p[i]! + f.counts[j]! / pixels;
    });
  });
  return Array.from({ length: K }, (_, k) => {
    const p = presence[k]!;
    let top: number | undefined;
    p.forEach((v, i) => {
      if (v > 0 && (top === undefined || v > p[top]!)) top = i;
    });
    return { k, share: rowSums[k]! / total, presence: p, topFrame: top };
  });
}

function ConceptGrid({
  patches,
  data,
  datasetId,
  onPatch,
}: {
  patches: ConceptPatches;
  data: EvalHistogramData | null;
  datasetId: string;
  onPatch: (p: PatchRef) => void;
}) {
  const { select, store } = useStudio();
  const selection = useSelection();
  const classes = useClusterClasses(patches.experimentId);
  const stats = useMemo(() => conceptStats(patches, data), [patches, data]);
  const frames = data?.frames ?? [];
  const sorted = useMemo(() => [...stats].sort((a, b) => b.share - a.share), [stats]);

  const openInPlayer = (k: number, frameIdx: number | undefined, frameId?: string): void => {
    const f = frameIdx === undefined ? undefined : frames[frameIdx];
    select({ clusterId: k, datasetId, ...(f !== undefined ? { sequenceId: f.sequenceId } : {}) });
    if (f !== undefined) {
      // Frame position within its sequence: frames of one sequence are listed in order.
      const inSeq = frames.filter((x) => x.sequenceId === f.sequenceId);
      select({ frameIndex: Math.max(0, inSeq.findIndex((x) => x.frameId === (frameId ?? f.frameId))) });
    }
    store.update({ view: 'datasets' });
  };

  return (
    <div className="concept-grid" data-testid="concept-grid">
      {sorted.map((s) => {
        const mapped = classes.classOf(s.k);
        const best = patches.concepts[s.k]?.patches ?? [];
        return (
          <div
            key={s.k}
            className={selection.clusterId === s.k ? 'concept selected' : 'concept'}
            data-testid={`concept-${s.k}`}
            tabIndex={0}
            role="button"
            aria-label={`Cluster ${s.k}: ${(s.share * 100).toFixed(1)} % of ${s.presence === null ? 'patches' : 'pixels'}${mapped !== null ? `, mapped to ${mapped.name}` : ''}. Enter opens it in the player.`}
            onClick={() => select({ clusterId: s.k })}
            onDoubleClick={() => openInPlayer(s.k, s.topFrame)}
            onKeyDown={(e) => e.key === 'Enter' && e.target === e.currentTarget && openInPlayer(s.k, s.topFrame)}
          >
            <div className="concept-head">
              <span className="swatch" style={{ background: cssColor(clusterColor(s.k)) }} />
              <strong>#{s.k}</strong>
              <span className="num grow" title={s.presence === null ? 'share of patches' : 'share of pixels'}>
                {(s.share * 100).toFixed(1)} %
              </span>
            </div>
            <div className="concept-thumbs" data-testid="concept-patches">
              {best.length === 0 && <span className="muted">no patch</span>}
              {best.map((p) => (
                <PatchThumb key={p.id} patch={p} size={96} onOpen={onPatch} label={`score ${(p.score * 100).toFixed(0)} %`} />
              ))}
            </div>
            {s.presence !== null && <PresenceStrip values={s.presence} color={clusterColor(s.k)} />}
            <div className="muted">
              {mapped !== null ? (
                <>
                  → {mapped.color !== null && <span className="swatch" style={{ background: cssColor(mapped.color) }} />} {mapped.name}
                </>
              ) : (
                'not mapped yet'
              )}
            </div>
            <button type="button" className="link" onClick={(e) => (e.stopPropagation(), openInPlayer(s.k, s.topFrame))}>
              show in player
            </button>
          </div>
        );
      })}
    </div>
  );
}
