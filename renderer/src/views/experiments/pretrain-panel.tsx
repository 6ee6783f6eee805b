// The pieces of a pretraining run in the Experiments view, without hooks (rendered to markup in unit
// tests): the runs table, and a run's status — progress with ETA, cancel / resume, and the latest health
// figures (loss, teacher entropy against log K, prototypes in use, feature spread: collapse shows here).
import type { JobSummary } from '../../../../shared/contract/jobs.js';
import type { CurveSeries } from '../../lib/align-series.js';
import { SelectableRow } from '../../components/SelectableRow.js';
import { formatDuration, formatEta, formatPercent } from '../../lib/format.js';

const HEALTH: readonly [string, string][] = [
  ['pretrain/loss', 'loss'],
  ['pretrain/teacher_entropy', 'teacher entropy (nats)'],
  ['pretrain/prototypes_used', 'prototypes used'],
  ['pretrain/feature_std', 'feature std'],
  ['pretrain/grad_norm', 'gradient norm'],
];

export const canCancel = (j: JobSummary) => j.state === 'running' || j.state === 'queued';
export const canResume = (j: JobSummary) =>
  j.state === 'interrupted' || j.state === 'cancelled' || j.state === 'failed';

export function PretrainRunsTable({
  jobs,
  selectedId,
  onSelect,
}: {
  jobs: readonly JobSummary[];
  selectedId: string | null;
  onSelect(id: string): void;
}) {
  return (
    <div className="table-wrap" style={{ maxHeight: 200 }}>
      <table className="table" data-testid="pretrain-runs-table">
        <thead>
          <tr>
            <th>Pretraining run</th>
            <th>Status</th>
            <th className="num">Step</th>
            <th className="num">Progress</th>
            <th className="num">Duration</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <SelectableRow key={j.id} id={j.id} selected={j.id === selectedId} status={j.state} testId="pretrain-run-row" onSelect={onSelect}>
              <td>{j.title}</td>
              <td data-testid="pretrain-run-status">{j.state}</td>
              <td className="num">{j.totalSteps > 0 ? `${j.step}/${j.totalSteps}` : '—'}</td>
              <td className="num">{formatPercent(j.fraction)}</td>
              <td className="num">
                {j.startedAt === null
                  ? '—'
                  : formatDuration(
                      (j.finishedAt === null ? Date.now() : Date.parse(j.finishedAt)) -
                        Date.parse(j.startedAt),
                    )}
              </td>
            </SelectableRow>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const last = (series: readonly CurveSeries[], name: string): number | null => {
  const s = series.find((x) => x.label === name);
  return s === undefined || s.values.length === 0 ? null : s.values[s.values.length - 1]!;
};

export function PretrainRunStatus({
  job,
  series,
  onCancel,
  onResume,
}: {
  job: JobSummary;
  series: readonly CurveSeries[];
  onCancel(): void;
  onResume(): void;
}) {
  return (
    <>
      <div className="row">
        <strong className="grow">{job.title}</strong>
        {canCancel(job) && (
          <button type="button" data-testid="cancel-pretrain" onClick={onCancel}>
            Cancel
          </button>
        )}
        {canResume(job) && (
          <button
            type="button"
            data-testid="resume-pretrain"
            onClick={onResume}
            title="Continues from the last checkpoint to the same weights as an uninterrupted run"
          >
            Resume
          </button>
        )}
      </div>
      {job.state !== 'succeeded' && (
        <div className="job-progress" data-testid="pretrain-progress" data-job-state={job.state}>
          <progress max={1} value={job.fraction} style={{ width: '100%' }} />
          <div className="row muted">
            <span>{formatPercent(job.fraction)}</span>
            <span data-testid="pretrain-eta">ETA {formatEta(job.etaSeconds)}</span>
            <span className="grow">
              {job.stage !== null ? `${job.stage} · ` : ''}
              {job.message}
            </span>
          </div>
        </div>
      )}
      {job.error !== null && (
        <div className="error-text" role="alert" data-testid="pretrain-error">
          {job.error}
        </div>
      )}
      <dl className="kv" data-testid="pretrain-health">
        {HEALTH.map(([name, label]) => {
          const v = last(series, name);
          return (
            <div key={name} style={{ display: 'contents' }}>
              <dt>{label}</dt>
              <dd className="num" data-metric={name}>
                {v === null ? '—' : Number(v.toPrecision(4))}
              </dd>
            </div>
          );
        })}
      </dl>
    </>
  );
}
