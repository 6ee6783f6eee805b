// Experiments: runs table, new-run form with presets, live uPlot curves fed by pushed metric events,
// progress/ETA, cancel/resume, predict/evaluate, each run's score (present-class mIoU first), and a
// 2–4 run comparison ranked by present-class mIoU.
import { useMemo, useState } from 'react';
import { PREDICT_TEMPORAL_DEFAULT, type ExperimentSummary, type MetricSeries } from '../../../shared/contract/experiments.js';
import { Curve } from '../components/Curve.js';
import { JobProgress } from '../components/JobProgress.js';
import { NewRunForm } from '../components/NewRunForm.js';
import { SelectableRow } from '../components/SelectableRow.js';
import { formatDuration } from '../lib/format.js';
import { useAction } from '../lib/use-action.js';
import { useJobStart } from '../lib/use-job-start.js';
import { useJobMetrics, useJobs, useQuery, useSelection, useStudio } from '../state/studio-context.js';
import { CompareScores, RunScore } from './experiments/RunScore.js';
import { mergeSeries } from './experiments/merge-series.js';
import { PretrainRuns } from './experiments/PretrainRuns.js';
import { TemporalSelect, type TemporalChoice } from './experiments/TemporalSelect.js';

export function ExperimentsView() {
  const { select } = useStudio();
  const selection = useSelection();
  const experiments = useQuery('experiments.list', {});
  const [creating, setCreating] = useState(false);
  const [compare, setCompare] = useState<readonly string[]>([]);
  const selected = experiments.data?.find((e) => e.id === selection.experimentId) ?? null;

  return (
    <section className="view" aria-label="Experiments">
      <div className="row">
        <h2 className="grow">Experiments</h2>
        <button
          type="button"
          className="primary"
          data-testid="new-run"
          onClick={() => setCreating((c) => !c)}
        >
          New run…
        </button>
      </div>
      {creating && (
        <NewRunForm
          onStarted={(experimentId) => (select({ experimentId }), setCreating(false))}
          onClose={() => setCreating(false)}
        />
      )}
      {experiments.error !== null && <div className="error-text">{experiments.error}</div>}
      {experiments.data !== undefined && experiments.data.length === 0 && !creating && (
        <div className="empty">
          No runs yet. Start one with “New run…” (the fast preset finishes in minutes on a CPU).
        </div>
      )}
      {experiments.data !== undefined && experiments.data.length > 0 && (
        <RunsTable
          runs={experiments.data}
          selectedId={selection.experimentId}
          compare={compare}
          onSelect={(id) => select({ experimentId: id, clusterId: null })}
          onCompare={(id) =>
            setCompare((c) => (c.includes(id) ? c.filter((x) => x !== id) : c.length >= 4 ? c : [...c, id]))
          }
        />
      )}
      {compare.length >= 2 && experiments.data !== undefined && (
        <CompareRuns runs={experiments.data.filter((e) => compare.includes(e.id))} />
      )}
      {selected !== null && <RunDetail run={selected} />}
      <PretrainRuns />
    </section>
  );
}

function RunsTable({
  runs,
  selectedId,
  compare,
  onSelect,
  onCompare,
}: {
  runs: readonly ExperimentSummary[];
  selectedId: string | null;
  compare: readonly string[];
  onSelect(id: string): void;
  onCompare(id: string): void;
}) {
  const datasets = useQuery('datasets.list', {});
  const names = new Map(datasets.data?.map((d) => [d.id, d.name]));
  return (
    <div className="table-wrap" style={{ maxHeight: 260 }}>
      <table className="table" data-testid="runs-table">
        <thead>
          <tr>
            <th title="Compare 2–4 runs">⇄</th>
            <th>Run</th>
            <th>Dataset</th>
            <th>Backbone</th>
            <th>Method</th>
            <th className="num">K</th>
            <th>Preset</th>
            <th>Status</th>
            <th className="num">Duration</th>
            <th>Backend</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <SelectableRow key={r.id} id={r.id} selected={r.id === selectedId} status={r.status} testId="run-row" onSelect={onSelect}>
              <td onClick={(e) => e.stopPropagation()}>
                <input
                  type="checkbox"
                  aria-label={`Compare ${r.name}`}
                  checked={compare.includes(r.id)}
                  onChange={() => onCompare(r.id)}
                />
              </td>
              <td>{r.name}</td>
              <td>{names.get(r.datasetId) ?? r.datasetId}</td>
              <td>{r.backbone}</td>
              <td>{r.method}</td>
              <td className="num">{r.clusters}</td>
              <td>{r.preset}</td>
              <td data-testid="run-status">{r.status}</td>
              <td className="num">
                {r.finishedAt === null
                  ? '—'
                  : formatDuration(Date.parse(r.finishedAt) - Date.parse(r.createdAt))}
              </td>
              <td>{r.backend ?? '—'}</td>
            </SelectableRow>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunDetail({ run }: { run: ExperimentSummary }) {
  const { call } = useStudio();
  const detail = useQuery('experiments.get', { id: run.id });
  const history = useQuery('experiments.metrics', { id: run.id });
  const live = useJobMetrics(run.trainJobId);
  const jobs = useJobs();
  const job = jobs.find((j) => j.id === run.trainJobId);
  const series = useMemo(() => mergeSeries(history.data, live), [history.data, live]);
  const predict = useJobStart();
  const action = useAction();
  const hasPredictions = (detail.data?.predictions.length ?? 0) > 0;
  const [crf, setCrf] = useState(false);
  const [temporal, setTemporal] = useState<TemporalChoice>(PREDICT_TEMPORAL_DEFAULT);

  return (
    <div className="panel run-detail" data-testid="run-detail">
      <div className="row">
        <strong className="grow">{run.name}</strong>
        {job !== undefined && (job.state === 'running' || job.state === 'queued') && (
          <button
            type="button"
            data-testid="cancel-run"
            onClick={() => action.run(() => call('jobs.cancel', { id: job.id }))}
          >
            Cancel
          </button>
        )}
        {job !== undefined && (job.state === 'interrupted' || job.state === 'cancelled') && (
          <button
            type="button"
            data-testid="resume-run"
            onClick={() => action.run(() => call('jobs.resume', { id: job.id }))}
          >
            Resume
          </button>
        )}
        {(run.status === 'failed' || run.status === 'cancelled') && (
          <button type="button" onClick={() => action.run(() => call('experiments.train', { id: run.id }))}>
            Train again
          </button>
        )}
        {run.status === 'trained' && (
          <label title="Refine with the release's dense CRF (10 mean-field iterations on the frame's colours)">
            <input
              type="checkbox"
              data-testid="predict-crf"
              checked={crf}
              onChange={(e) => setCrf(e.target.checked)}
            />{' '}
            Dense CRF
          </label>
        )}
        {run.status === 'trained' && <TemporalSelect value={temporal} onChange={setTemporal} disabled={crf} />}
        {run.status === 'trained' && (
          <button
            type="button"
            data-testid="predict-run"
            onClick={() =>
              void predict.start(() =>
                call('experiments.predict', { id: run.id, ...(crf ? { refine: 'crf' as const } : {}), ...(!crf && temporal.mode !== 'none' ? { temporal: temporal.mode, temporalDirection: temporal.direction } : {}) }),
              )
            }
          >
            {hasPredictions ? 'Predict again' : 'Predict cluster maps'}
          </button>
        )}
      </div>
      {run.trainJobId !== null && job !== undefined && job.state !== 'succeeded' && (
        <JobProgress jobId={run.trainJobId} label="Training" />
      )}
      {(action.error ?? predict.error) !== null && (
        <div className="error-text" role="alert" data-testid="run-action-error">
          {action.error ?? predict.error}
        </div>
      )}
      {predict.jobId !== null && <JobProgress jobId={predict.jobId} label="Predicting cluster maps" />}
      {run.status === 'trained' && <RunScore experimentId={run.id} hasPredictions={hasPredictions} />}
      {history.error !== null && <div className="error-text">{history.error}</div>}
      {series.length === 0 ? (
        <div className="muted">No metric points yet; curves appear as training reports them.</div>
      ) : (
        <div className="curves" data-testid="curves">
          {series.slice(0, 8).map((s) => (
            <Curve key={s.label} title={s.label} series={[s]} />
          ))}
        </div>
      )}
      {detail.data?.summary != null && (
        <dl className="kv">
          {Object.entries(detail.data.summary).map(([k, v]) => (
            <div key={k} style={{ display: 'contents' }}>
              <dt>{k}</dt>
              <dd className="num">{typeof v === 'number' ? Number(v.toPrecision(5)) : v}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

function CompareRuns({ runs }: { runs: readonly ExperimentSummary[] }) {
  return (
    <div className="panel" data-testid="compare">
      <strong>Comparing {runs.map((r) => r.name).join(' · ')}</strong>
      <CompareScores runs={runs} />
      <CompareCurves runs={runs} />
    </div>
  );
}

function CompareCurves({ runs }: { runs: readonly ExperimentSummary[] }) {
  // One query per run (2–4), in a fixed order so hooks stay stable.
  const a = useQuery('experiments.metrics', runs[0] ? { id: runs[0].id } : null);
  const b = useQuery('experiments.metrics', runs[1] ? { id: runs[1].id } : null);
  const c = useQuery('experiments.metrics', runs[2] ? { id: runs[2].id } : null);
  const d = useQuery('experiments.metrics', runs[3] ? { id: runs[3].id } : null);
  const all = [a.data, b.data, c.data, d.data];
  const names = [...new Set(all.flatMap((m) => m?.map((s) => s.name) ?? []))].sort();
  const final = (m: readonly MetricSeries[] | undefined, name: string): number | null => {
    const s = m?.find((x) => x.name === name);
    return s === undefined || s.values.length === 0 ? null : s.values[s.values.length - 1]!;
  };
  return (
    <>
      <table className="table" style={{ width: 'auto' }}>
        <thead>
          <tr>
            <th>metric (last value)</th>
            {runs.map((r) => (
              <th key={r.id} className="num">
                {r.name}
              </th>
            ))}
            <th className="num">Δ (last − first run)</th>
          </tr>
        </thead>
        <tbody>
          {names.map((n) => {
            const vals = runs.map((_, i) => final(all[i], n));
            const first = vals[0];
            const last = vals[vals.length - 1];
            return (
              <tr key={n}>
                <td>{n}</td>
                {vals.map((v, i) => (
                  <td key={i} className="num">
                    {v === null ? '—' : Number(v.toPrecision(4))}
                  </td>
                ))}
                <td className="num">
                  {first == null || last == null ? '—' : Number((last - first).toPrecision(3))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="curves">
        {names.slice(0, 6).map((n) => (
          <Curve
            key={n}
            title={n}
            series={runs.map((r, i) => {
              const s = all[i]?.find((x) => x.name === n);
              return { label: r.name, steps: s?.steps ?? [], values: s?.values ?? [] };
            })}
          />
        ))}
      </div>
    </>
  );
}
