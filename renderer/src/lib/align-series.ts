// Overlaying series on one x axis: uPlot wants a shared, sorted x array and null where a series has no
// point (runs log metrics at different steps).
export interface CurveSeries {
  readonly label: string;
  readonly steps: readonly number[];
  readonly values: readonly number[];
}

export function alignSeries(series: readonly CurveSeries[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(series.flatMap((s) => s.steps))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    s.steps.forEach((step, i) => {
      const v = s.values[i];
      y[index.get(step)!] = v === undefined || !Number.isFinite(v) ? null : v;
    });
    return y;
  });
  return [xs, ...ys];
}
