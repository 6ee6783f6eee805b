// Inline progress of one job, read from the live job list (pushed events), for dialogs and panels.
import { formatEta, formatPercent } from '../lib/format.js';
import { useJobs } from '../state/studio-context.js';

export function JobProgress({ jobId, label }: { jobId: string; label?: string }) {
  const job = useJobs().find((j) => j.id === jobId);
  if (job === undefined) return <div className="muted">Waiting for the job to start…</div>;
  return (
    <div className="job-progress" data-testid="job-progress-inline" data-job-state={job.state}>
      <div className="row">
        <span className="grow">{label ?? job.title}</span>
        <span>{job.state}</span>
      </div>
      <progress max={1} value={job.fraction} style={{ width: '100%' }} />
      <div className="row muted">
        <span>{formatPercent(job.fraction)}</span>
        <span>ETA {formatEta(job.etaSeconds)}</span>
        <span className="grow">{job.stage !== null ? `${job.stage} · ` : ''}{job.message}</span>
      </div>
      {job.error !== null && <div className="error-text">{job.error}</div>}
    </div>
  );
}
