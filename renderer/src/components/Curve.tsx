// A live uPlot line chart. Series are overlaid on the union of their steps (runs log different steps).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface CurveSeries {
  readonly label: string;
  readonly steps: readonly number[];
  readonly values: readonly number[];
}

const COLORS = ['#7aa2d6', '#e0a050', '#6cbf7b', '#d67ab8'];

export function alignSeries(series: readonly CurveSeries[]): uPlot.AlignedData {
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
  return [xs, ...ys] as uPlot.AlignedData;
}

export function Curve({ title, series, width = 360, height = 170 }: { title: string; series: readonly CurveSeries[]; width?: number; height?: number }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const labels = series.map((s) => s.label).join('|');

  useEffect(() => {
    if (host.current === null) return;
    const opts: uPlot.Options = {
      title,
      width,
      height,
      legend: { show: series.length > 1 },
      scales: { x: { time: false } },
      axes: [
        { stroke: '#a5a8ad', grid: { stroke: '#2d2f33' }, ticks: { stroke: '#3a3c41' } },
        { stroke: '#a5a8ad', grid: { stroke: '#2d2f33' }, ticks: { stroke: '#3a3c41' }, size: 56 },
      ],
      series: [{ label: 'step' }, ...series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true, points: { show: s.steps.length < 30 } }))],
    };
    plot.current = new uPlot(opts, alignSeries(series), host.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of series changes; new points go through setData below.
  }, [title, labels, width, height]);

  useEffect(() => {
    plot.current?.setData(alignSeries(series));
  }, [series]);

  const points = series.reduce((n, s) => n + s.steps.length, 0);
  return <div className="curve" ref={host} data-testid={`curve-${title}`} data-points={points} />;
}
