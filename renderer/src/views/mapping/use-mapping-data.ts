// What a mapping board needs from the engine: the histogram's cells, the saved versions, and how many
// of its frames the experiment was trained on (for the held-out warning; the engine reads it from the
// feature manifests with the histogram, local re-scoring from the cells could not).
import type { EvalHistogramData, EvalHistogramSummary } from '../../../../shared/contract/evaluation.js';
import { useQuery } from '../../state/studio-context.js';

export interface MappingData {
  readonly data: EvalHistogramData | undefined;
  /** Newest saved mapping version, or null when none is saved. */
  readonly latestSavedId: string | null;
  readonly savedCount: number;
  /** Undefined until known (or when the engine does not report it). */
  readonly trainingFramesScored: number | undefined;
  readonly error: string | null;
  readonly loading: boolean;
  reloadSaved(): void;
}

export function useMappingData(summary: EvalHistogramSummary): MappingData {
  const data = useQuery('eval.histogram', { id: summary.id });
  const saved = useQuery('mappings.list', { experimentId: summary.experimentId });
  return {
    data: data.data,
    latestSavedId: saved.data?.[0]?.id ?? null, // mappings.list is newest first
    savedCount: saved.data?.length ?? 0,
    trainingFramesScored: data.data?.trainingFramesScored,
    error: data.error,
    loading: data.data === undefined || saved.data === undefined,
    reloadSaved: saved.reload,
  };
}
