// A run's score as the engine reports it: its newest evaluation histogram under its newest saved
// mapping of the same protocol (the Hungarian mapping when none is saved), without the per-frame list.
import type { EvalHistogramSummary, EvalReport } from '../../../../shared/contract/evaluation.js';
import { useQuery } from '../../state/studio-context.js';

export interface RunScore {
  /** The histogram scored; undefined when the run has none (not evaluated) or while loading. */
  readonly histogram: EvalHistogramSummary | undefined;
  readonly report: EvalReport | undefined;
  /** False until the histogram list has loaded; then whether the run has been evaluated at all. */
  readonly evaluated: boolean | undefined;
  readonly error: string | null;
}

export function useRunScore(experimentId: string | null): RunScore {
  const histograms = useQuery('eval.histograms', experimentId === null ? null : { experimentId });
  const saved = useQuery('mappings.list', experimentId === null ? null : { experimentId });
  const histogram = histograms.data?.[0];
  const mapping =
    histogram === undefined || saved.data === undefined
      ? null
      : ([...saved.data].reverse().find((m) => m.protocolId === histogram.protocolId)?.id ?? 'hungarian');
  const report = useQuery(
    'eval.score',
    histogram === undefined || mapping === null
      ? null
      : { histogramId: histogram.id, mapping, worstFrames: 0 },
  );
  return {
    histogram,
    report: histogram === undefined ? undefined : report.data,
    evaluated: histograms.data === undefined ? undefined : histogram !== undefined,
    error: histograms.error ?? saved.error ?? report.error,
  };
}
