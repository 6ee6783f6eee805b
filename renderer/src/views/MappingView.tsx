// Mapping session: every cluster beside a class selector (or ignore); Hungarian / majority proposals;
// per-class IoU, mIoU, pixel accuracy and the confusion matrix re-scored locally from the stored
// histogram on every edit (shared/metrics — no round trip); undo/redo; save as a version; export JSON.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { EvalHistogramData, EvalHistogramSummary } from '../../../shared/contract/evaluation.js';
import { confusionMatrix, hungarianMapping, majorityMapping, scoreHistogram } from '../../../shared/metrics/confusion.js';
import { mappingToDocument, type MappingMethod } from '../../../shared/metrics/mapping-file.js';
import { getBuiltinProtocol } from '../../../shared/protocols/builtin.js';
import type { RGB } from '../../../shared/protocols/cityscapes-labels.js';
import { ExperimentPicker } from '../components/ExperimentPicker.js';
import { JobProgress } from '../components/JobProgress.js';
import { isTypingTarget } from '../lib/keys.js';
import { clusterColor, cssColor } from '../lib/palettes.js';
import { useQuery, useSelection, useStudio } from '../state/studio-context.js';
import { ConfusionMatrix } from './mapping/ConfusionMatrix.js';
import { assignCluster, cycleClass, redo, replaceMapping, startSession, undo, type MappingSession } from './mapping/mapping-session.js';

export function MappingView() {
  const selection = useSelection();
  return (
    <section className="view" aria-label="Mapping">
      <div className="row">
        <h2 className="grow">Mapping</h2>
        <ExperimentPicker />
      </div>
      {selection.experimentId === null ? (
        <div className="empty">Train an experiment, then map its clusters to classes here.</div>
      ) : (
        <HistogramGate experimentId={selection.experimentId} />
      )}
    </section>
  );
}

/** Mapping needs the experiment's cluster×class histogram; offer to compute it when missing. */
function HistogramGate({ experimentId }: { experimentId: string }) {
  const { call } = useStudio();
  const histograms = useQuery('eval.histograms', { experimentId });
  const experiment = useQuery('experiments.get', { id: experimentId });
  const dataset = useQuery('datasets.get', experiment.data === undefined ? null : { id: experiment.data.datasetId });
  const [jobId, setJobId] = useState<string | null>(null);
  const newest: EvalHistogramSummary | undefined = histograms.data?.[0];
  if (histograms.error !== null) return <div className="error-text">{histograms.error}</div>;
  if (histograms.data === undefined) return <div className="muted">Loading…</div>;
  if (newest === undefined) {
    const protocol = dataset.data?.protocolId ?? null;
    return (
      <div className="panel">
        <p>
          No evaluation yet. Scoring needs the dataset's ground truth: the engine builds a cluster × class pixel histogram once,
          then every mapping edit re-scores from it instantly.
        </p>
        <button
          type="button"
          className="primary"
          data-testid="run-eval"
          disabled={jobId !== null || protocol === null}
          onClick={() =>
            void call('eval.run', { experimentId, ...(protocol !== null ? { protocol: evalProtocolFor(protocol) } : {}) }).then(
              (r) => (r.jobId !== null ? setJobId(r.jobId) : histograms.reload()),
              () => undefined,
            )
          }
        >
          Evaluate against ground truth
        </button>
        {protocol === null && dataset.data !== undefined && <div className="muted">This dataset has no ground truth to score against.</div>}
        {jobId !== null && <JobProgress jobId={jobId} label="Building the evaluation histogram" />}
      </div>
    );
  }
  return <HistogramLoader summary={newest} />;
}

/** Datasets store the protocol of their raw labels (e.g. cityscapes-34); CAUSE is scored on 27 classes. */
function evalProtocolFor(datasetProtocol: string): string {
  return datasetProtocol.startsWith('cityscapes') ? 'cityscapes-27' : datasetProtocol;
}

function HistogramLoader({ summary }: { summary: EvalHistogramSummary }) {
  const data = useQuery('eval.histogram', { id: summary.id });
  const saved = useQuery('mappings.list', { experimentId: summary.experimentId });
  if (data.error !== null) return <div className="error-text">{data.error}</div>;
  if (data.data === undefined || saved.data === undefined) return <div className="muted">Loading the histogram…</div>;
  return <MappingBoard key={summary.id} data={data.data} latestSavedId={saved.data[saved.data.length - 1]?.id ?? null} savedCount={saved.data.length} reloadSaved={saved.reload} />;
}

function MappingBoard({
  data,
  latestSavedId,
  savedCount,
  reloadSaved,
}: {
  data: EvalHistogramData;
  latestSavedId: string | null;
  savedCount: number;
  reloadSaved(): void;
}) {
  const { call, store, select } = useStudio();
  const selection = useSelection();
  const K = data.clusters;
  const C = data.classes;
  const hist = useMemo(() => Float64Array.from(data.histogram), [data.histogram]);
  const protocol = useMemo(() => getBuiltinProtocol(data.protocolId) ?? null, [data.protocolId]);
  const colors: (RGB | undefined)[] = useMemo(() => data.classNames.map((_, i) => protocol?.colors[i]), [data.classNames, protocol]);
  const [session, setSession] = useState<MappingSession>(() => startSession(hungarianMapping(hist, K, C), 'hungarian'));
  const [saving, setSaving] = useState(false);
  const [sortBy, setSortBy] = useState<'index' | 'iou'>('index');
  const boardRef = useRef<HTMLTableSectionElement>(null);

  // Open the newest saved version when there is one (the Hungarian proposal otherwise).
  useEffect(() => {
    if (latestSavedId === null) return;
    let cancelled = false;
    call('mappings.get', { id: latestSavedId }).then(
      (m) => !cancelled && m.mapping.length === K && setSession(startSession(Int32Array.from(m.mapping), 'saved')),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
    // Only on first open of this histogram; later saves must not reset the edit history.
  }, []);

  // The player shows the mapping being edited.
  useEffect(() => {
    store.update({ mapping: { experimentId: data.experimentId, protocolId: data.protocolId, values: session.current } });
  }, [store, data.experimentId, data.protocolId, session]);

  const score = useMemo(() => scoreHistogram(hist, K, C, session.current), [hist, K, C, session]);
  const confusion = useMemo(() => confusionMatrix(hist, K, C, session.current), [hist, K, C, session]);
  const clusterStats = useMemo(() => {
    const total = score.totalPixels || 1;
    return Array.from({ length: K }, (_, k) => {
      let sum = 0;
      let best = -1;
      let bestCount = 0;
      for (let t = 0; t < C; t++) {
        const h = hist[k * C + t]!;
        sum += h;
        if (h > bestCount) {
          bestCount = h;
          best = t;
        }
      }
      return { share: sum / total, topClass: best, purity: sum > 0 ? bestCount / sum : 0 };
    });
  }, [hist, K, C, score.totalPixels]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'z') return;
      if (isTypingTarget(e.target) && !(e.target instanceof HTMLSelectElement)) return;
      e.preventDefault();
      setSession((s) => (e.shiftKey ? redo(s) : undo(s)));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const method: MappingMethod = session.origin === 'saved' ? 'manual' : session.origin;
  const save = async (): Promise<void> => {
    setSaving(true);
    try {
      const document = mappingToDocument(session.current, { id: data.protocolId, classNames: data.classNames }, {
        name: `${method} v${savedCount + 1}`,
        method,
        experimentId: data.experimentId,
      });
      const parentId = latestSavedId ?? undefined;
      await call('mappings.save', { experimentId: data.experimentId, document, histogramId: data.id, ...(parentId !== undefined ? { parentId } : {}) });
      store.notify('info', `Saved mapping version ${savedCount + 1}.`);
      reloadSaved();
    } catch {
      // call() already showed the engine's message.
    } finally {
      setSaving(false);
    }
  };

  const download = (): void => {
    const document = mappingToDocument(session.current, { id: data.protocolId, classNames: data.classNames }, {
      name: `${method} mapping`,
      method,
      experimentId: data.experimentId,
    });
    const blob = new Blob([JSON.stringify(document, null, 2)], { type: 'application/json' });
    const a = window.document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `mapping-${data.experimentId}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  const onRowKey = (e: React.KeyboardEvent<HTMLTableRowElement>, k: number): void => {
    if (e.target instanceof HTMLSelectElement) return;
    const rows = boardRef.current?.querySelectorAll<HTMLTableRowElement>('tr[data-cluster]');
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      rows?.[Math.min(K - 1, Math.max(0, k + (e.key === 'ArrowDown' ? 1 : -1)))]?.focus();
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      setSession((s) => assignCluster(s, k, cycleClass(s.current[k]!, C, e.key === 'ArrowRight' ? 1 : -1)));
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      setSession((s) => assignCluster(s, k, -1));
    } else if (e.key === 'Enter') {
      select({ clusterId: selection.clusterId === k ? null : k });
    }
  };

  const classRows = useMemo(() => {
    const rows = data.classNames.map((name, t) => ({ t, name, iou: score.iou[t]!, gt: score.gt[t]! }));
    if (sortBy === 'iou') rows.sort((a, b) => (Number.isNaN(b.iou) ? -1 : b.iou) - (Number.isNaN(a.iou) ? -1 : a.iou));
    return rows;
  }, [data.classNames, score, sortBy]);

  return (
    <div className="mapping">
      <div className="row panel">
        <div className="metric">
          <div className="muted">mIoU</div>
          <div className="metric-value" data-testid="miou">
            {pct(score.miou)}
          </div>
        </div>
        <div className="metric">
          <div className="muted">pixel accuracy</div>
          <div className="metric-value" data-testid="pixel-accuracy">
            {pct(score.pixelAccuracy)}
          </div>
        </div>
        <div className="metric muted">
          {score.classesScored} of {C} classes scored · {data.frameCount} frames · K = {K} · {data.protocolId}
        </div>
        <span className="grow" />
        <button type="button" data-testid="propose-hungarian" onClick={() => setSession((s) => replaceMapping(s, hungarianMapping(hist, K, C), 'hungarian'))}>
          Hungarian
        </button>
        <button type="button" data-testid="propose-majority" onClick={() => setSession((s) => replaceMapping(s, majorityMapping(hist, K, C), 'majority'))}>
          Majority
        </button>
        <button type="button" data-testid="undo" disabled={session.past.length === 0} onClick={() => setSession(undo)} title="Ctrl/Cmd+Z">
          Undo
        </button>
        <button type="button" data-testid="redo" disabled={session.future.length === 0} onClick={() => setSession(redo)} title="Shift+Ctrl/Cmd+Z">
          Redo
        </button>
        <button type="button" className="primary" data-testid="save-mapping" disabled={saving} onClick={() => void save()}>
          Save version
        </button>
        <button type="button" data-testid="download-mapping" onClick={download}>
          Export JSON
        </button>
      </div>
      <div className="mapping-grid">
        <div className="table-wrap mapping-board">
          <table className="table">
            <thead>
              <tr>
                <th>Cluster</th>
                <th className="num">Pixels</th>
                <th>Mostly (GT)</th>
                <th>Class</th>
              </tr>
            </thead>
            <tbody ref={boardRef} data-testid="mapping-board">
              {Array.from({ length: K }, (_, k) => {
                const stat = clusterStats[k]!;
                const mapped = session.current[k]!;
                return (
                  <tr
                    key={k}
                    data-cluster={k}
                    data-testid={`cluster-row-${k}`}
                    tabIndex={0}
                    className={selection.clusterId === k ? 'selected' : ''}
                    onKeyDown={(e) => onRowKey(e, k)}
                    onClick={() => select({ clusterId: k })}
                    aria-label={`Cluster ${k}, mapped to ${mapped < 0 ? 'ignore' : data.classNames[mapped]}`}
                  >
                    <td>
                      <span className="swatch" style={{ background: cssColor(clusterColor(k)) }} />
                      {k}
                    </td>
                    <td className="num">{(stat.share * 100).toFixed(1)} %</td>
                    <td className="muted">
                      {stat.topClass < 0 ? '—' : `${data.classNames[stat.topClass]} ${(stat.purity * 100).toFixed(0)} %`}
                    </td>
                    <td>
                      {mapped >= 0 && <span className="swatch" style={{ background: cssColor(colors[mapped] ?? [0, 0, 0]) }} />}
                      <select
                        data-testid={`cluster-class-${k}`}
                        value={mapped}
                        aria-label={`Class of cluster ${k}`}
                        onChange={(e) => setSession((s) => assignCluster(s, k, Number(e.target.value)))}
                      >
                        <option value={-1}>ignore</option>
                        {data.classNames.map((name, t) => (
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
              {classRows.map((r) => (
                <tr
                  key={r.t}
                  className={selection.classId === r.t ? 'selected' : ''}
                  tabIndex={0}
                  onClick={() => select({ classId: selection.classId === r.t ? null : r.t })}
                  onKeyDown={(e) => e.key === 'Enter' && select({ classId: selection.classId === r.t ? null : r.t })}
                >
                  <td>
                    <span className="swatch" style={{ background: cssColor(colors[r.t] ?? [0, 0, 0]) }} />
                    {r.name}
                  </td>
                  <td className="num" data-testid={`iou-${r.name}`}>
                    {pct(r.iou)}
                  </td>
                  <td className="num">{r.gt.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <ConfusionMatrix normalized={confusion.normalized} classNames={data.classNames} colors={colors} selectedClass={selection.classId} />
      </div>
      <div className="muted">
        Keyboard: Tab to a cluster row, ↑/↓ move, ←/→ change its class, Delete ignores it, Enter lights it up in the player;
        Ctrl/Cmd+Z undo, Shift+Ctrl/Cmd+Z redo.
      </div>
    </div>
  );
}

function pct(v: number): string {
  return Number.isNaN(v) ? '—' : `${(v * 100).toFixed(1)} %`;
}
