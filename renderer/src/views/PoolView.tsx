// Pool: the worker pool this studio sends feature extraction and prediction to (issue 20) — which queue,
// the `cause-studio worker` processes connected to it, the tasks they run with their progress, the
// latest finished ones, and the workspace setting that names the queue. Live: re-read about once a second.
import type { PoolStatus } from '../../../shared/contract/pool.js';
import { formatPercent } from '../lib/format.js';
import { useJobs } from '../state/studio-context.js';
import { PoolTasks } from './pool/PoolTasks.js';
import { PoolWorkers } from './pool/PoolWorkers.js';
import { QueueSetting } from './pool/QueueSetting.js';
import { usePoolStatus } from './pool/use-pool-status.js';

export function PoolView() {
  const { status, error, refresh } = usePoolStatus();
  return (
    <section className="view pool" aria-label="Worker pool" data-testid="pool-view">
      <div className="row">
        <h2 className="grow">Worker pool</h2>
        {status !== null && <span className="muted" title="Re-read about once a second">checked {new Date(status.checkedAt).toLocaleTimeString()}</span>}
      </div>
      {error !== null && (
        <div className="error-text" role="alert">
          The engine did not answer: {error}
        </div>
      )}
      {status === null && error === null && <p className="muted">Reading the pool…</p>}
      {status !== null && <QueueLine status={status} />}
      {status !== null && status.queue !== null && status.connected && (
        <>
          <Counts status={status} />
          <PoolJobs />
          <PoolWorkers workers={status.workers} active={status.active} />
          <PoolTasks active={status.active} recent={status.recent} />
        </>
      )}
      <QueueSetting status={status} onChanged={refresh} />
    </section>
  );
}

function QueueLine({ status }: { status: PoolStatus }) {
  if (status.queue === null) {
    return (
      <div className="empty" data-testid="pool-none">
        No queue configured: feature extraction and prediction run on this machine. Name a Redis queue below (or start the studio
        with <code>--queue redis://host:6379</code>), then start workers with{' '}
        <code>cause-studio worker --queue redis://host:6379 --workspace SHARED_FOLDER</code>.
      </div>
    );
  }
  return (
    <div className="panel row" data-testid="pool-queue-line">
      <span className={`dot ${status.connected ? 'open' : 'closed'}`} aria-hidden="true" />
      <span>
        Queue <code data-testid="pool-queue">{status.queue}</code>
      </span>
      <span className="muted" data-testid="pool-source">
        {status.source === 'launch' ? 'from the launch (--queue); wins over the workspace setting' : 'workspace setting'}
      </span>
      <span className="grow" />
      <span data-testid="pool-connected">{status.connected ? 'connected' : 'not reachable'}</span>
      {status.error !== null && (
        <div className="error-text full-row" role="alert" data-testid="pool-error">
          {status.error}
        </div>
      )}
    </div>
  );
}

const COUNT_LABELS: readonly (keyof PoolStatus['counts'])[] = ['waiting', 'active', 'completed', 'failed', 'delayed'];

function Counts({ status }: { status: PoolStatus }) {
  return (
    <div className="row" aria-label="Tasks in the queue">
      <div className="metric">
        <span className="metric-value" data-testid="pool-worker-count">
          {status.workers.length}
        </span>
        <span className="muted">workers</span>
      </div>
      {COUNT_LABELS.map((k) => (
        <div className="metric" key={k}>
          <span className="metric-value" data-testid={`pool-count-${k}`}>
            {status.counts[k]}
          </span>
          <span className="muted">{k}</span>
        </div>
      ))}
    </div>
  );
}

/** This studio's running jobs: what the tasks below are slices of (their progress comes from pushed events). */
function PoolJobs() {
  const jobs = useJobs().filter((j) => j.state === 'running' || j.state === 'queued');
  if (jobs.length === 0) return null;
  return (
    <div>
      <h3>Studio jobs</h3>
      {jobs.map((j) => (
        <div key={j.id} className="pool-job" data-testid="pool-job" data-job-kind={j.kind}>
          <span className="grow">{j.title}</span>
          <progress max={1} value={j.fraction} aria-label={`${j.title} progress`} />
          <span className="num">{formatPercent(j.fraction)}</span>
          <span className="muted job-message">{j.message}</span>
        </div>
      ))}
    </div>
  );
}
