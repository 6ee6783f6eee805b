// A run's curves: the stored history plus the points pushed since, deduplicated by step (a resumed run
// re-emits the steps after its checkpoint). Shared by training and pretraining runs.
import type { MetricSeries } from '../../../../shared/contract/experiments.js';
import type { CurveSeries } from '../../lib/align-series.js';

export function mergeSeries(
  history: readonly MetricSeries[] | undefined,
  live: ReadonlyMap<string, { steps: number[]; values: number[] }> | undefined,
): CurveSeries[] {
  const byName = new Map<string, Map<number, number>>();
  for (const s of history ?? []) {
    const m = byName.get(s.name) ?? new Map<number, number>();
    s.steps.forEach((step, i) => m.set(step, s.values[i]!));
    byName.set(s.name, m);
  }
  for (const [name, s] of live ?? []) {
    const m = byName.get(name) ?? new Map<number, number>();
    s.steps.forEach((step, i) => m.set(step, s.values[i]!));
    byName.set(name, m);
  }
  return [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, m]) => {
      const steps = [...m.keys()].sort((a, b) => a - b);
      return { label, steps, values: steps.map((s) => m.get(s)!) };
    });
}
