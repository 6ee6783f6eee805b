// Concepts: the experiment's clusters as a grid — the frames where each is most present, its pixel share,
// a presence strip along the sequence, and what it is mapped to. Clicking a cluster lights it up in the player.
import { useMemo } from 'react';
import type { EvalHistogramData } from '../../../shared/contract/evaluation.js';
import { ExperimentPicker } from '../components/ExperimentPicker.js';
import { clusterColor, cssColor } from '../lib/palettes.js';
import { useQuery, useSelection, useStudio, useStudioState } from '../state/studio-context.js';
import { PresenceStrip } from './concepts/PresenceStrip.js';

export function ConceptsView() {
  const selection = useSelection();
  return (
    <section className="view" aria-label="Concepts">
      <div className="row">
        <h2 className="grow">Concepts</h2>
        <ExperimentPicker />
      </div>
      {selection.experimentId === null ? <div className="empty">Train an experiment to see the concepts it found.</div> : <ConceptSource experimentId={selection.experimentId} />}
    </section>
  );
}

function ConceptSource({ experimentId }: { experimentId: string }) {
  const histograms = useQuery('eval.histograms', { experimentId });
  const newest = histograms.data?.[0];
  const data = useQuery('eval.histogram', newest === undefined ? null : { id: newest.id, frames: true });
  const experiment = useQuery('experiments.get', { id: experimentId });
  if (histograms.error !== null) return <div className="error-text">{histograms.error}</div>;
  if (experiment.data === undefined || histograms.data === undefined) return <div className="muted">Loading…</div>;
  if (newest === undefined) {
    return (
      <div className="empty">
        No evaluation of this experiment yet: open Mapping and run “Evaluate” — the concept grid reads the per-frame cluster
        statistics that evaluation stores.
      </div>
    );
  }
  if (data.error !== null) return <div className="error-text">{data.error}</div>;
  if (data.data === undefined) return <div className="muted">Loading cluster statistics…</div>;
  return <ConceptGrid data={data.data} datasetId={experiment.data.datasetId} />;
}

interface ConceptStats {
  readonly k: number;
  readonly share: number;
  /** Per-frame fraction of the frame's pixels in this cluster, in frame order. */
  readonly presence: Float32Array;
  /** Indices (into frames) of the frames where the cluster covers most pixels. */
  readonly topFrames: number[];
}

function conceptStats(data: EvalHistogramData): ConceptStats[] {
  const K = data.clusters;
  const C = data.classes;
  const frames = data.frames ?? [];
  const rowSums = new Float64Array(K);
  for (let k = 0; k < K; k++) for (let t = 0; t < C; t++) rowSums[k] = rowSums[k]! + data.histogram[k * C + t]!;
  const total = rowSums.reduce((a, b) => a + b, 0) || 1;
  const presence = Array.from({ length: K }, () => new Float32Array(frames.length));
  frames.forEach((f, i) => {
    const pixels = f.pixels || 1;
    f.cells.forEach((cell, j) => {
      const k = Math.floor(cell / C);
      const p = presence[k];
      if (p !== undefined) p[i] = p[i]! + f.counts[j]! / pixels;
    });
  });
  return Array.from({ length: K }, (_, k) => {
    const p = presence[k]!;
    const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]!);
    return { k, share: rowSums[k]! / total, presence: p, topFrames: order.slice(0, 3).filter((i) => p[i]! > 0) };
  });
}

function ConceptGrid({ data, datasetId }: { data: EvalHistogramData; datasetId: string }) {
  const { client, select, store } = useStudio();
  const selection = useSelection();
  const mapping = useStudioState((s) => s.mapping);
  const stats = useMemo(() => conceptStats(data), [data]);
  const frames = data.frames ?? [];
  const sorted = useMemo(() => [...stats].sort((a, b) => b.share - a.share), [stats]);
  const mappedName = (k: number): string | null => {
    if (mapping === null || mapping.experimentId !== data.experimentId) return null;
    const t = mapping.values[k] ?? -1;
    return t < 0 ? 'ignore' : (data.classNames[t] ?? null);
  };

  const openInPlayer = (k: number, frameIdx: number | undefined): void => {
    const f = frameIdx === undefined ? undefined : frames[frameIdx];
    select({ clusterId: k, datasetId, ...(f !== undefined ? { sequenceId: f.sequenceId } : {}) });
    if (f !== undefined) {
      // Frame position within its sequence: frames of one sequence are listed in order.
      const inSeq = frames.filter((x) => x.sequenceId === f.sequenceId);
      select({ frameIndex: Math.max(0, inSeq.findIndex((x) => x.frameId === f.frameId)) });
    }
    store.update({ view: 'datasets' });
  };

  return (
    <div className="concept-grid" data-testid="concept-grid">
      {sorted.map((s) => {
        const name = mappedName(s.k);
        return (
          <div
            key={s.k}
            className={selection.clusterId === s.k ? 'concept selected' : 'concept'}
            data-testid={`concept-${s.k}`}
            tabIndex={0}
            role="button"
            aria-label={`Cluster ${s.k}: ${(s.share * 100).toFixed(1)} % of pixels${name !== null ? `, mapped to ${name}` : ''}. Enter opens it in the player.`}
            onClick={() => select({ clusterId: s.k })}
            onDoubleClick={() => openInPlayer(s.k, s.topFrames[0])}
            onKeyDown={(e) => e.key === 'Enter' && openInPlayer(s.k, s.topFrames[0])}
          >
            <div className="concept-head">
              <span className="swatch" style={{ background: cssColor(clusterColor(s.k)) }} />
              <strong>#{s.k}</strong>
              <span className="num grow">{(s.share * 100).toFixed(1)} %</span>
            </div>
            <div className="concept-thumbs">
              {s.topFrames.map((i) => (
                <img key={i} src={client.assetUrl('thumb', frames[i]!.frameId)} alt={`${frames[i]!.name}`} title={`${frames[i]!.name}: ${(s.presence[i]! * 100).toFixed(0)} % of the frame`} />
              ))}
            </div>
            <PresenceStrip values={s.presence} color={clusterColor(s.k)} />
            <div className="muted">{name !== null ? `→ ${name}` : 'not mapped yet'}</div>
            <button type="button" className="link" onClick={(e) => (e.stopPropagation(), openInPlayer(s.k, s.topFrames[0]))}>
              show in player
            </button>
          </div>
        );
      })}
    </div>
  );
}
