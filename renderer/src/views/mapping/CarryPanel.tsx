// Carry a saved mapping of another run to this one: the engine matches the two runs' concepts on this
// run's frames ('eval.compare', predicting the other run there first if need be), then suggests a class
// per cluster with its strength; each suggestion is accepted into the session or rejected, one by one.
import { useState } from 'react';
import type { MappingSuggestion } from '../../../../shared/contract/mapping.js';
import { JobProgress } from '../../components/JobProgress.js';
import { useQuery, useStudio } from '../../state/studio-context.js';

export interface CarryPanelProps {
  readonly experimentId: string;
  readonly datasetId: string;
  /** The session adopts the suggestions' protocol so their class names exist in it. */
  onProtocol(protocolId: string): void;
  onAccept(s: MappingSuggestion): void;
}

export function CarryPanel({ experimentId, datasetId, onProtocol, onAccept }: CarryPanelProps) {
  const { call, store } = useStudio();
  const experiments = useQuery('experiments.list', {});
  const suggestions = useQuery('mappings.suggestions', { experimentId });
  const others = (experiments.data ?? []).filter((e) => e.id !== experimentId && e.status === 'trained');
  const [from, setFrom] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const source = from || others[0]?.id || '';

  const suggest = async (): Promise<void> => {
    setBusy(true);
    try {
      const mapping = (await call('mappings.list', { experimentId: source }))[0];
      if (mapping === undefined) {
        store.notify('error', `Run ${source} has no saved mapping to carry: map it and save a version first.`);
        return;
      }
      // Both runs' cluster maps of these frames are compared; predict either where it has none yet.
      for (const id of [source, experimentId]) {
        const run = await call('experiments.get', { id });
        if (run.predictions.some((p) => p.datasetId === datasetId)) continue;
        const predict = await call('experiments.predict', { id, datasetId });
        setJobId(predict.jobId);
        if ((await call('jobs.wait', { id: predict.jobId })).state !== 'succeeded') return;
      }
      const compare = await call('eval.compare', { experimentA: source, experimentB: experimentId, datasetId });
      setJobId(compare.jobId);
      if ((await call('jobs.wait', { id: compare.jobId })).state !== 'succeeded') return;
      const set = await call('mappings.suggest', { experimentId, fromMappingId: mapping.id, comparisonJobId: compare.jobId });
      onProtocol(set.protocolId);
      suggestions.reload();
    } catch {
      // call() showed the engine's message.
    } finally {
      setBusy(false);
      setJobId(null);
    }
  };

  const decide = async (s: MappingSuggestion, decision: 'accept' | 'reject'): Promise<void> => {
    const set = suggestions.data;
    if (set == null) return;
    try {
      await call('mappings.decide', { suggestionSetId: set.id, clusters: [s.cluster], decision, apply: false });
      if (decision === 'accept') onAccept(s);
      suggestions.reload();
    } catch {
      // shown by call()
    }
  };

  const set = suggestions.data ?? null;
  return (
    <div className="panel" data-testid="carry-panel">
      <div className="row">
        <strong className="grow">Carry a mapping from another run</strong>
        <select data-testid="carry-from" value={source} onChange={(e) => setFrom(e.target.value)} aria-label="Run to carry the mapping from">
          {others.map((e) => (
            <option key={e.id} value={e.id}>
              {e.name} (K = {e.clusters})
            </option>
          ))}
        </select>
        <button type="button" data-testid="carry-suggest" disabled={busy || source === ''} onClick={() => void suggest()}>
          Suggest
        </button>
      </div>
      {jobId !== null && <JobProgress jobId={jobId} label="Matching the two runs' concepts" />}
      {set !== null && (
        <table className="table" data-testid="carry-suggestions">
          <thead>
            <tr>
              <th>Cluster</th>
              <th>Class</th>
              <th className="num">Strength</th>
              <th>From</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {set.suggestions.map((s) => (
              <tr key={s.cluster} data-testid={`carry-row-${s.cluster}`} data-status={s.status}>
                <td>#{s.cluster}</td>
                <td>{s.className}</td>
                <td className="num" title="share of the cluster's pixels the other run put in this class">
                  <meter min={0} max={1} value={s.strength} /> {(s.strength * 100).toFixed(0)} %
                </td>
                <td className="muted">
                  #{s.fromCluster} · IoU {s.iou.toFixed(2)}
                </td>
                <td>
                  {s.status === 'pending' ? (
                    <>
                      <button type="button" data-testid={`carry-accept-${s.cluster}`} onClick={() => void decide(s, 'accept')}>
                        Accept
                      </button>
                      <button type="button" data-testid={`carry-reject-${s.cluster}`} onClick={() => void decide(s, 'reject')}>
                        Reject
                      </button>
                    </>
                  ) : (
                    <span className="muted">{s.status}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
