// Engine status, compute backends and the live job list (ui.md's status bar), all from pushed events.
import { useState } from 'react';
import { formatEta, formatPercent } from '../lib/format.js';
import { useAction } from '../lib/use-action.js';
import { useConnection, useEngineInfo, useJobs, useStudio, useStudioState } from '../state/studio-context.js';

export function StatusBar() {
  const engine = useEngineInfo();
  const engineError = useStudioState((s) => s.engineError);
  const connection = useConnection();
  const jobs = useJobs();
  const [open, setOpen] = useState(false);
  const active = jobs.filter((j) => j.state === 'running' || j.state === 'queued');
  const running = active.find((j) => j.state === 'running');

  return (
    <footer className="statusbar" data-testid="status-bar">
      <span className={`dot ${connection}`} aria-hidden="true" />
      <span data-testid="connection-state">{connection === 'open' ? 'engine' : connection}</span>
      {engine !== null ? (
        <>
          <span className="status-item" data-testid="engine-version" title="Engine version">
            v{engine.version}
          </span>
          <span className="status-item path" data-testid="workspace-path" title={`Database ${engine.databasePath}`}>
            {engine.workspace}
          </span>
          <span className="status-item" data-testid="backends">
            {engine.backends.map((b) => (
              <span key={b.name} className={b.available ? 'backend ok' : 'backend missing'} title={b.detail}>
                {b.name} {b.available ? b.providers.join('/') : 'unavailable'}
              </span>
            ))}
          </span>
        </>
      ) : (
        <span className="status-item">{engineError ?? 'connecting to engine…'}</span>
      )}
      <span className="spacer" />
      <button type="button" className="jobs-toggle" data-testid="jobs-toggle" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
        jobs ▸ {active.length} active
        {running !== undefined && ` · ${formatPercent(running.fraction)} ETA ${formatEta(running.etaSeconds)}`}
      </button>
      <JobList visible={open} />
    </footer>
  );
}

function JobList({ visible }: { visible: boolean }) {
  const jobs = useJobs();
  const { call } = useStudio();
  const action = useAction();
  return (
    <div className={visible ? 'job-list open' : 'job-list'} data-testid="job-list" role="region" aria-label="Jobs" hidden={!visible}>
      {action.error !== null && (
        <div className="error-text" role="alert">
          {action.error}
        </div>
      )}
      {jobs.length === 0 && <div className="muted">No jobs yet.</div>}
      {jobs.slice(0, 20).map((job) => (
        <div key={job.id} className={`job job-${job.state}`} data-testid="job-row" data-job-id={job.id} data-job-kind={job.kind} data-job-state={job.state}>
          <div className="job-head">
            <span className="job-title">{job.title}</span>
            <span className="job-state" data-testid="job-state">{job.state}</span>
          </div>
          <progress max={1} value={job.fraction} aria-label={`${job.title} progress`} />
          <div className="job-meta">
            <span data-testid="job-progress">{formatPercent(job.fraction)}</span>
            <span>
              {job.step}/{job.totalSteps}
            </span>
            <span>ETA {formatEta(job.etaSeconds)}</span>
            <span className="muted job-message">{job.error ?? job.message}</span>
            {(job.state === 'running' || job.state === 'queued') && (
              <button type="button" onClick={() => action.run(() => call('jobs.cancel', { id: job.id }))}>
                Cancel
              </button>
            )}
            {(job.state === 'interrupted' || job.state === 'failed' || job.state === 'cancelled') && (
              <button type="button" onClick={() => action.run(() => call('jobs.resume', { id: job.id }))}>
                Resume
              </button>
            )}
          </div>
        </div>
      ))}
    </div>
  );
}
