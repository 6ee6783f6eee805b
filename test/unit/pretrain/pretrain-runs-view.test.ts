// The Experiments view's pretraining pieces, rendered to markup (react-dom/server, no browser): only
// `pretrain.run` jobs are listed by the view's filter; a running run shows progress with its ETA and a
// Cancel button, an interrupted one a Resume button; the health figures are the last points of the
// merged history + live series (live points replace stored ones at the same step).
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { JobSummary } from '../../../shared/contract/jobs.js';
import type { MetricSeries } from '../../../shared/contract/experiments.js';
import { PRETRAIN_JOB_KIND, PRETRAIN_METRICS } from '../../../shared/contract/pretrain.js';

// TSX compiled by the renderer's config; loaded at run time as the other renderer tests do.
const dir = '../../../renderer/src/views/experiments';
const { PretrainRunsTable, PretrainRunStatus } = (await import(`${dir}/pretrain-panel.js`)) as {
  PretrainRunsTable: FunctionComponent<{
    jobs: readonly JobSummary[];
    selectedId: string | null;
    onSelect(id: string): void;
  }>;
  PretrainRunStatus: FunctionComponent<{
    job: JobSummary;
    series: readonly { label: string; steps: number[]; values: number[] }[];
    onCancel(): void;
    onResume(): void;
  }>;
};
const { mergeSeries } = (await import(`${dir}/merge-series.js`)) as {
  mergeSeries(
    h: readonly MetricSeries[] | undefined,
    l: ReadonlyMap<string, { steps: number[]; values: number[] }> | undefined,
  ): { label: string; steps: number[]; values: number[] }[];
};

function job(over: Partial<JobSummary>): JobSummary {
  return {
    id: 'j1',
    kind: PRETRAIN_JOB_KIND,
    title: 'Pretrain vit-a (tiny, depth 2, dense-distill, seed 1)',
    state: 'running',
    fraction: 0.42,
    step: 42,
    totalSteps: 100,
    message: 'step 42/100 loss 3.9',
    stage: 'pretrain',
    etaSeconds: 95,
    error: null,
    createdAt: '2026-12-06T00:00:00.000Z',
    startedAt: '2026-12-06T00:00:01.000Z',
    finishedAt: null,
    attempts: 0,
    ...over,
  };
}

const noop = () => undefined;

describe('pretraining runs in the Experiments view', () => {
  it('lists runs with their step and status', () => {
    const html = renderToStaticMarkup(
      createElement(PretrainRunsTable, {
        jobs: [job({}), job({ id: 'j2', state: 'interrupted', title: 'Pretrain b' })],
        selectedId: 'j1',
        onSelect: noop,
      }),
    );
    expect(html.match(/data-testid="pretrain-run-row"/g)).toHaveLength(2);
    expect(html).toContain('42/100');
    expect(html).toMatch(/data-status="interrupted"/);
  });

  it('a running run shows progress with ETA and Cancel; the health figures are the latest points', () => {
    const history: MetricSeries[] = PRETRAIN_METRICS.map((name) => ({
      name,
      steps: [0, 1],
      values: [5, 4.5],
    }));
    const live = new Map([['pretrain/loss', { steps: [1, 2], values: [4.4, 4.1] }]]);
    const series = mergeSeries(history, live);
    expect(series.find((s) => s.label === 'pretrain/loss')).toEqual({
      label: 'pretrain/loss',
      steps: [0, 1, 2],
      values: [5, 4.4, 4.1],
    });
    const html = renderToStaticMarkup(
      createElement(PretrainRunStatus, { job: job({}), series, onCancel: noop, onResume: noop }),
    );
    expect(html).toContain('data-testid="cancel-pretrain"');
    expect(html).not.toContain('data-testid="resume-pretrain"');
    expect(html).toMatch(/data-testid="pretrain-eta">ETA [^<]+</);
    expect(html).toMatch(/<progress max="1" value="0.42"/);
    expect(html).toMatch(/data-metric="pretrain\/loss">4\.1</);
    expect(html).toMatch(/data-metric="pretrain\/teacher_entropy">4\.5</);
  });

  it('an interrupted run offers Resume, a failed one shows its error, a finished one no progress bar', () => {
    const interrupted = renderToStaticMarkup(
      createElement(PretrainRunStatus, {
        job: job({ state: 'interrupted' }),
        series: [],
        onCancel: noop,
        onResume: noop,
      }),
    );
    expect(interrupted).toContain('data-testid="resume-pretrain"');
    expect(interrupted).not.toContain('data-testid="cancel-pretrain"');
    const failed = renderToStaticMarkup(
      createElement(PretrainRunStatus, {
        job: job({
          state: 'failed',
          error: 'pretraining diverged: the loss or its gradient was not finite for 5 steps in a row',
        }),
        series: [],
        onCancel: noop,
        onResume: noop,
      }),
    );
    expect(failed).toMatch(/data-testid="pretrain-error">pretraining diverged/);
    const done = renderToStaticMarkup(
      createElement(PretrainRunStatus, {
        job: job({ state: 'succeeded', fraction: 1 }),
        series: [],
        onCancel: noop,
        onResume: noop,
      }),
    );
    expect(done).not.toContain('pretrain-progress');
    expect(done).toMatch(/data-metric="pretrain\/loss">—</);
  });
});
