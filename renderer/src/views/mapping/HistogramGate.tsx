// Mapping needs the experiment's cluster × class histogram: offer to compute it when missing, load it
// (with the saved versions) when present, then open a board on the newest one.
import { useState } from 'react';
import type { EvalHistogramSummary } from '../../../../shared/contract/evaluation.js';
import { JobProgress } from '../../components/JobProgress.js';
import { useQuery, useStudio } from '../../state/studio-context.js';
import { ConceptMappingGate } from './ConceptMappingBoard.js';
import { MappingBoard } from './MappingBoard.js';
import { useMappingData } from './use-mapping-data.js';

export function HistogramGate({ experimentId }: { experimentId: string }) {
  const histograms = useQuery('eval.histograms', { experimentId });
  const newest: EvalHistogramSummary | undefined = histograms.data?.[0];
  if (histograms.error !== null) return <div className="error-text">{histograms.error}</div>;
  if (histograms.data === undefined) return <div className="muted">Loading…</div>;
  // No ground truth scored yet: map the concepts by eye (evaluating stays one click away when labels exist).
  if (newest === undefined)
    return (
      <>
        <EvaluatePrompt experimentId={experimentId} onStored={histograms.reload} />
        <ConceptMappingGate key={experimentId} experimentId={experimentId} />
      </>
    );
  return <HistogramLoader summary={newest} />;
}

function EvaluatePrompt({ experimentId, onStored }: { experimentId: string; onStored(): void }) {
  const { call } = useStudio();
  const experiment = useQuery('experiments.get', { id: experimentId });
  const dataset = useQuery('datasets.get', experiment.data === undefined ? null : { id: experiment.data.datasetId });
  const [jobId, setJobId] = useState<string | null>(null);
  const protocol = dataset.data?.protocolId ?? null;
  if (dataset.data !== undefined && protocol === null) return null;
  return (
    <div className="panel">
      <p>
        This dataset has ground truth: evaluate to score the mapping. The engine builds a cluster × class pixel histogram once,
        then every mapping edit re-scores from it instantly.
      </p>
      <button
        type="button"
        className="primary"
        data-testid="run-eval"
        disabled={jobId !== null || protocol === null}
        onClick={() =>
          void call('eval.run', { experimentId, ...(protocol !== null ? { protocol: evalProtocolFor(protocol) } : {}) }).then(
            (r) => (r.jobId !== null ? setJobId(r.jobId) : onStored()),
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

/** Datasets store the protocol of their raw labels (e.g. cityscapes-34); CAUSE is scored on 27 classes. */
export function evalProtocolFor(datasetProtocol: string): string {
  return datasetProtocol.startsWith('cityscapes') ? 'cityscapes-27' : datasetProtocol;
}

function HistogramLoader({ summary }: { summary: EvalHistogramSummary }) {
  const m = useMappingData(summary);
  if (m.error !== null) return <div className="error-text">{m.error}</div>;
  if (m.data === undefined || m.loading) return <div className="muted">Loading the histogram…</div>;
  return (
    <MappingBoard
      key={summary.id}
      data={m.data}
      latestSavedId={m.latestSavedId}
      savedCount={m.savedCount}
      trainingFramesScored={m.trainingFramesScored}
      reloadSaved={m.reloadSaved}
    />
  );
}
