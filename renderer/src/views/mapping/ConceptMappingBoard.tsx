// Mapping without ground truth: every concept as a card (top patches, presence strip, share of pixels)
// with a class selector; tick several and merge them into one class; add a class the protocol lacks;
// undo/redo; save versions and reopen one; carry a mapping from another run. The mapping drives the
// player's class layer while it is edited, and video and pseudo-label exports once saved.
import { useMemo, useRef, useState } from 'react';
import type { ProtocolSummary } from '../../../../shared/contract/datasets.js';
import type { MappingDetail } from '../../../../shared/contract/evaluation.js';
import type { ConceptPixelStats } from '../../../../shared/contract/mapping.js';
import { IGNORE, mappingToDocument } from '../../../../shared/metrics/mapping-file.js';
import { JobProgress } from '../../components/JobProgress.js';
import { useQuery, useSelection, useStudio } from '../../state/studio-context.js';
import { EditBar, toggleTick } from './MergeBar.js';
import { CarryPanel } from './CarryPanel.js';
import { ConceptCard } from './ConceptCard.js';
import { useConceptSession } from './use-concept-session.js';

export function ConceptMappingGate({ experimentId }: { experimentId: string }) {
  const experiment = useQuery('experiments.get', { id: experimentId });
  const saved = useQuery('mappings.list', { experimentId });
  const newest = saved.data?.[0];
  const detail = useQuery('mappings.get', newest === undefined ? null : { id: newest.id });
  const protocols = useQuery('datasets.protocols', {});
  // The version the board opens with is read once: saving a new one must not remount it (and lose undo).
  const opened = useRef<{ experimentId: string; saved: MappingDetail | null } | null>(null);
  const error = experiment.error ?? saved.error ?? protocols.error;
  if (error !== null) return <div className="error-text">{error}</div>;
  if (opened.current?.experimentId !== experimentId) {
    if (experiment.data === undefined || saved.data === undefined || (newest !== undefined && detail.data === undefined)) {
      return <div className="muted">Loading…</div>;
    }
    opened.current = { experimentId, saved: detail.data ?? null };
  }
  if (experiment.data === undefined || saved.data === undefined || protocols.data === undefined) return <div className="muted">Loading…</div>;
  return (
    <ConceptMappingBoard
      key={experimentId}
      experimentId={experimentId}
      datasetId={experiment.data.datasetId}
      clusters={experiment.data.clusters}
      predicted={experiment.data.predictions.some((p) => p.datasetId === experiment.data!.datasetId)}
      saved={opened.current.saved}
      versions={saved.data.map((m) => ({ id: m.id, version: m.version, name: m.name }))}
      protocols={protocols.data}
      reload={() => (saved.reload(), protocols.reload())}
    />
  );
}

interface BoardProps {
  readonly experimentId: string;
  readonly datasetId: string;
  readonly clusters: number;
  /** Whether the run has cluster maps of its dataset (the concept views read them). */
  readonly predicted: boolean;
  readonly saved: MappingDetail | null;
  readonly versions: readonly { id: string; version: number; name: string }[];
  readonly protocols: readonly ProtocolSummary[];
  reload(): void;
}

function ConceptMappingBoard({ experimentId, datasetId, clusters, predicted, saved, versions, protocols, reload }: BoardProps) {
  const { call, select, store } = useStudio();
  const selection = useSelection();
  const [protocolId, setProtocolId] = useState(saved?.protocolId ?? 'cityscapes-27');
  const [added, setAdded] = useState<ProtocolSummary | null>(null);
  const protocol = protocols.find((p) => p.id === protocolId) ?? (added?.id === protocolId ? added : undefined) ?? protocols[0]!;
  const session = useConceptSession(experimentId, clusters, protocol, saved);
  const [ticked, setTicked] = useState<ReadonlySet<number>>(new Set());
  const [saving, setSaving] = useState(false);
  const [measureJob, setMeasureJob] = useState<string | null>(null);
  const stats = useQuery('mappings.conceptStats', { experimentId });
  const patches = useQuery('concepts.topPatches', predicted ? { experimentId, perCluster: 3 } : null);
  const [predictJob, setPredictJob] = useState<string | null>(null);
  const presence = useMemo(() => presenceOf(stats.data, clusters), [stats.data, clusters]);
  const current = session.session.current;

  const save = async (): Promise<void> => {
    setSaving(true);
    try {
      const method = session.session.origin === 'saved' ? 'manual' : session.session.origin;
      const document = mappingToDocument(current, { id: protocol.id, classNames: protocol.classNames }, {
        name: `manual v${versions.length + 1}`,
        method,
        experimentId,
      });
      await call('mappings.save', { experimentId, document, ...(versions[0] !== undefined ? { parentId: versions[0].id } : {}) });
      store.notify('info', `Saved mapping version ${versions.length + 1}.`);
      reload();
    } catch {
      // call() showed the engine's message.
    } finally {
      setSaving(false);
    }
  };

  const openVersion = async (id: string): Promise<void> => {
    const m = await call('mappings.get', { id }).catch(() => null);
    if (m === null) return;
    // By class name, so a version saved before a class was added (or under another protocol) opens too.
    const index = new Map(protocol.classNames.map((n, i) => [n, i]));
    const values = Int32Array.from({ length: clusters }, (_, k) => {
      const name = m.document.clusters[k] ?? IGNORE;
      return name === IGNORE ? -1 : (index.get(name) ?? -1);
    });
    session.replace(values);
  };

  const sharesOf = (k: number): { share: number | null; of: 'pixels' | 'patches' } => {
    if (stats.data !== undefined && stats.data.source !== null) return { share: stats.data.share[k] ?? 0, of: 'pixels' };
    const c = patches.data?.concepts[k];
    return { share: c === undefined ? null : c.patchShare, of: 'patches' };
  };
  const order = Array.from({ length: clusters }, (_, k) => k).sort((a, b) => (sharesOf(b).share ?? 0) - (sharesOf(a).share ?? 0));

  return (
    <div className="mapping" data-testid="concept-mapping">
      <div className="panel">
        <div className="row">
          <label>
            Protocol{' '}
            <select data-testid="mapping-protocol" value={protocol.id} onChange={(e) => setProtocolId(e.target.value)}>
              {protocols.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({p.classNames.length})
                </option>
              ))}
            </select>
          </label>
          <button type="button" data-testid="undo" disabled={session.session.past.length === 0} onClick={session.undo} title="Ctrl/Cmd+Z">
            Undo
          </button>
          <button type="button" data-testid="redo" disabled={session.session.future.length === 0} onClick={session.redo} title="Shift+Ctrl/Cmd+Z">
            Redo
          </button>
          <button type="button" className="primary" data-testid="save-mapping" disabled={saving} onClick={() => void save()}>
            Save version
          </button>
          <select data-testid="open-version" value="" onChange={(e) => e.target.value !== '' && void openVersion(e.target.value)} aria-label="Open a saved version">
            <option value="">{versions.length} saved version{versions.length === 1 ? '' : 's'}…</option>
            {versions.map((v) => (
              <option key={v.id} value={v.id}>
                v{v.version} · {v.name}
              </option>
            ))}
          </select>
        </div>
        <EditBar
          ticked={ticked}
          classNames={protocol.classNames}
          protocolId={protocol.id}
          onMerge={(ks, t) => {
            session.merge(ks, t);
            setTicked(new Set());
          }}
          onAdded={(p) => {
            setAdded(p);
            setProtocolId(p.id);
            reload();
          }}
        />
        <div className="muted" data-testid="concept-stats-source">
          {stats.data?.source === 'histogram'
            ? 'Pixel shares and presence from the evaluation histogram.'
            : stats.data?.source === 'label-free'
              ? `Pixel shares and presence measured on ${stats.data.frames.length} frames (no ground truth needed).`
              : 'Shares are of patches until pixels are measured.'}
          {stats.data?.source === null && predicted && (
            <button
              type="button"
              data-testid="measure-concepts"
              disabled={measureJob !== null}
              onClick={() => void call('eval.run', { experimentId, labelFree: true }).then((r) => setMeasureJob(r.jobId), () => undefined)}
            >
              Measure pixel shares and presence
            </button>
          )}
        </div>
        {measureJob !== null && stats.data?.source === null && <JobProgress jobId={measureJob} label="Measuring every frame's clusters" />}
        {!predicted && (
          <div className="row">
            <span className="muted grow">This run has not predicted its frames yet: the concepts' patches and pixels come from its cluster maps.</span>
            <button
              type="button"
              data-testid="predict-for-mapping"
              disabled={predictJob !== null}
              onClick={() => void call('experiments.predict', { id: experimentId, datasetId }).then((r) => setPredictJob(r.jobId), () => undefined)}
            >
              Predict
            </button>
          </div>
        )}
        {predictJob !== null && !predicted && <JobProgress jobId={predictJob} label="Predicting the run's frames" />}
      </div>
      {patches.error !== null && <div className="error-text">{patches.error}</div>}
      <div className="concept-grid" data-testid="concept-mapping-grid">
        {order.map((k) => {
          const s = sharesOf(k);
          return (
            <ConceptCard
              key={k}
              cluster={k}
              share={s.share}
              shareOf={s.of}
              presence={presence[k] ?? null}
              patches={patches.data?.concepts[k]?.patches ?? []}
              classNames={protocol.classNames}
              colors={protocol.colors}
              classIndex={current[k] ?? -1}
              ticked={ticked.has(k)}
              selected={selection.clusterId === k}
              onSelect={() => select({ clusterId: k })}
              onTick={(on) => setTicked((t) => toggleTick(t, k, on))}
              onAssign={(t) => session.assign(k, t)}
            />
          );
        })}
      </div>
      <CarryPanel
        experimentId={experimentId}
        datasetId={datasetId}
        onProtocol={(id) => id !== protocol.id && protocols.some((p) => p.id === id) && setProtocolId(id)}
        onAccept={(s) => session.assign(s.cluster, s.className === IGNORE ? -1 : protocol.classNames.indexOf(s.className))}
      />
      <div className="muted">Ctrl/Cmd+Z undo, Shift+Ctrl/Cmd+Z redo. The player shows the mapping as you edit it; save a version for exports.</div>
    </div>
  );
}

function presenceOf(stats: ConceptPixelStats | undefined, K: number): (Float32Array | null)[] {
  if (stats === undefined || stats.source === null || stats.frames.length === 0) return Array.from({ length: K }, () => null);
  const out = Array.from({ length: K }, () => new Float32Array(stats.frames.length));
  stats.frames.forEach((f, i) => {
    const pixels = f.pixels || 1;
    f.clusters.forEach((k, j) => {
      const p = out[k];
      if (p !== undefined) p[i] = f.counts[j]! / pixels;
    });
  });
  return out;
}
