// A live uPlot line chart. Series are overlaid on the union of their steps (runs log different steps).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { alignSeries, type CurveSeries } from '../lib/align-series.js';

export type { CurveSeries };

const COLORS = ['#7aa2d6', '#e0a050', '#6cbf7b', '#d67ab8'];

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
    plot.current = new uPlot(opts, alignSeries(series) as uPlot.AlignedData, host.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of series changes; new points go through setData below.
  }, [title, labels, width, height]);

  useEffect(() => {
    plot.current?.setData(alignSeries(series) as uPlot.AlignedData);
  }, [series]);

  const points = series.reduce((n, s) => n + s.steps.length, 0);
  return <div className="curve" ref={host} data-testid={`curve-${title}`} data-points={points} />;
}
