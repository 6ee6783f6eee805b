// Details of the current selection; each view contributes what it knows through the shared selection.
import { useEngineInfo, useJobs, useSelection } from '../state/studio-context.js';
import { formatEta, formatPercent } from '../lib/format.js';

export function Inspector() {
  const selection = useSelection();
  const engine = useEngineInfo();
  const jobs = useJobs();
  const running = jobs.filter((j) => j.state === 'running');
  return (
    <aside className="inspector" aria-label="Inspector" data-testid="inspector">
      <h3>Selection</h3>
      <dl className="kv">
        <dt>Dataset</dt>
        <dd>{selection.datasetId ?? '—'}</dd>
        <dt>Sequence</dt>
        <dd>{selection.sequenceId ?? '—'}</dd>
        <dt>Frame</dt>
        <dd>{selection.sequenceId === null ? '—' : selection.frameIndex}</dd>
        <dt>Experiment</dt>
        <dd>{selection.experimentId ?? '—'}</dd>
        <dt>Cluster</dt>
        <dd>{selection.clusterId ?? '—'}</dd>
        <dt>Class</dt>
        <dd>{selection.classId ?? '—'}</dd>
      </dl>
      {running.length > 0 && (
        <>
          <h3>Running</h3>
          {running.map((j) => (
            <div key={j.id} className="inspector-job">
              <div>{j.title}</div>
              <progress max={1} value={j.fraction} />
              <div className="muted">
                {formatPercent(j.fraction)} · ETA {formatEta(j.etaSeconds)} {j.stage !== null ? `· ${j.stage}` : ''}
              </div>
            </div>
          ))}
        </>
      )}
      {engine !== null && (
        <>
          <h3>Engine</h3>
          <dl className="kv">
            <dt>Platform</dt>
            <dd>{engine.platform}</dd>
            <dt>CPUs</dt>
            <dd className="num">{engine.cpus}</dd>
            <dt>Schema</dt>
            <dd className="num">{engine.schemaVersion}</dd>
          </dl>
        </>
      )}
    </aside>
  );
}
