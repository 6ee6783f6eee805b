// Pretraining runs (`pretrain.run` jobs) in the Experiments view, shown like training runs: a table, and
// for the selected run its progress with ETA, cancel / resume, health figures and live curves of the job
// metrics `pretrain/*` (history from `pretrain.metrics`, then the points pushed as the run goes).
import { useMemo, useState } from 'react';
import { PRETRAIN_JOB_KIND } from '../../../../shared/contract/pretrain.js';
import { Curve } from '../../components/Curve.js';
import { useAction } from '../../lib/use-action.js';
import { useJobMetrics, useJobs, useQuery, useStudio } from '../../state/studio-context.js';
import { mergeSeries } from './merge-series.js';
import { PretrainRunStatus, PretrainRunsTable } from './pretrain-panel.js';

export function PretrainRuns() {
  const jobs = useJobs().filter((j) => j.kind === PRETRAIN_JOB_KIND);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  if (jobs.length === 0) return null;
  const selected = jobs.find((j) => j.id === selectedId) ?? null;
  return (
    <div className="panel" data-testid="pretrain-runs">
      <h3>Pretraining runs</h3>
      <PretrainRunsTable jobs={jobs} selectedId={selectedId} onSelect={setSelectedId} />
      {selected !== null && <PretrainRunDetail jobId={selected.id} />}
    </div>
  );
}

function PretrainRunDetail({ jobId }: { jobId: string }) {
  const { call } = useStudio();
  const job = useJobs().find((j) => j.id === jobId);
  const history = useQuery('pretrain.metrics', { jobId });
  const live = useJobMetrics(jobId);
  const series = useMemo(() => mergeSeries(history.data, live), [history.data, live]);
  const action = useAction();
  if (job === undefined) return null;
  return (
    <div className="panel run-detail" data-testid="pretrain-run-detail">
      <PretrainRunStatus
        job={job}
        series={series}
        onCancel={() => action.run(() => call('jobs.cancel', { id: jobId }))}
        onResume={() => action.run(() => call('jobs.resume', { id: jobId }))}
      />
      {action.error !== null && <div className="error-text">{action.error}</div>}
      {history.error !== null && <div className="error-text">{history.error}</div>}
      {series.every((s) => s.steps.length === 0) ? (
        <div className="muted">No steps yet; curves appear as pretraining reports them.</div>
      ) : (
        <div className="curves" data-testid="pretrain-curves">
          {series
            .filter((s) => s.steps.length > 0)
            .map((s) => (
              <Curve key={s.label} title={s.label} series={[s]} />
            ))}
        </div>
      )}
    </div>
  );
}
