// A step's health figures as the job metrics `pretrain/*` (streamed live by the worker) and the same
// series read back from a run folder's metrics.jsonl (`pretrain.metrics`, for the Experiments view after
// a reload or once the run has finished).
import fs from 'node:fs';
import path from 'node:path';
import { PRETRAIN_METRICS } from '../../../shared/contract/pretrain.js';
import type { MetricSeries } from '../../../shared/contract/experiments.js';
import { METRICS_FILE } from './run.js';
import type { StepMetrics } from './trainer.js';

type MetricName = (typeof PRETRAIN_METRICS)[number];

export function metricValues(m: StepMetrics): [MetricName, number][] {
  return [
    ['pretrain/loss', m.loss],
    ['pretrain/teacher_entropy', m.teacherEntropy],
    ['pretrain/student_entropy', m.studentEntropy],
    ['pretrain/prototypes_used', m.prototypesUsed],
    ['pretrain/feature_std', m.featureStd],
    ['pretrain/grad_norm', m.gradNorm],
    ['pretrain/lr', m.lr],
  ];
}

/** The series of a job folder's run (empty before its first step). */
export function readMetricSeries(jobDir: string): MetricSeries[] {
  const file = path.join(jobDir, 'run', METRICS_FILE);
  const lines = fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
    : [];
  const series = new Map<MetricName, { steps: number[]; values: number[] }>(
    PRETRAIN_METRICS.map((n) => [n, { steps: [], values: [] }]),
  );
  for (const line of lines) {
    let m: StepMetrics;
    try {
      m = JSON.parse(line) as StepMetrics;
    } catch {
      continue; // a line cut by a kill mid-write; the resumed run writes it again
    }
    for (const [name, value] of metricValues(m)) {
      const s = series.get(name)!;
      s.steps.push(m.step);
      s.values.push(value);
    }
  }
  return [...series].map(([name, s]) => ({ name, ...s }));
}
