// A run's temporal figures beside its score: the ground-truth temporal inconsistency (followed along
// SynthDrive's true motion) and the label-free static-region flicker of its newest evaluation.
import { useQuery } from '../../state/studio-context.js';

export interface RunConsistency {
  /** undefined while loading or when the run has no label-free report for the dataset. */
  readonly inconsistency: number | null | undefined;
  readonly flickerStatic: number | null | undefined;
}

export function useRunConsistency(experimentId: string | null, datasetId: string | undefined): RunConsistency {
  const lf = useQuery('eval.labelFree', experimentId === null ? null : { experimentId });
  const r = lf.data?.find((x) => datasetId === undefined || x.datasetId === datasetId);
  return { inconsistency: r === undefined ? undefined : (r.temporalConsistency?.inconsistency ?? null), flickerStatic: r?.flickerStatic };
}

/** Percent with two decimals (flicker figures are small), '—' when unknown. */
export function formatConsistency(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${(x * 100).toFixed(2)} %`;
}
