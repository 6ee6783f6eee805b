// The score pieces of the Mapping and Experiments views, rendered to markup (react-dom/server, no
// browser): present-class mIoU leads, the legend is there, the held-out warning shows exactly when the
// report counts training frames, and compared runs are listed best present-class mIoU first.
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { EvalReport } from '../../../shared/contract/evaluation.js';
import type { ExperimentSummary } from '../../../shared/contract/experiments.js';
import { buildEvalReport } from '../../../shared/metrics/report.js';

// The components are TSX, compiled by the renderer's own config (JSX, DOM types); this node-side
// config loads them at run time rather than type-checking them a second time.
const renderer = '../../../renderer/src/views';
const { ScorePanel } = (await import(`${renderer}/mapping/ScorePanel.js`)) as { ScorePanel: FunctionComponent<Record<string, unknown>> };
const { RunScoreFigures, CompareScoresTable } = (await import(`${renderer}/experiments/RunScore.js`)) as {
  RunScoreFigures: FunctionComponent<{ report: EvalReport }>;
  CompareScoresTable: FunctionComponent<{ rows: { run: ExperimentSummary; report: EvalReport | undefined }[] }>;
};

const CLASSES = ['road', 'car', 'train'];

function reportOf(name: string, rows: number[][], mapping: number[], trainingFramesScored?: number): EvalReport {
  const report = buildEvalReport({
    histogramId: `h-${name}`,
    experimentId: name,
    datasetId: 'd',
    protocolId: 'p',
    geometry: 'reference',
    classNames: CLASSES,
    categories: CLASSES,
    K: rows.length,
    histogram: Float64Array.from(rows.flat()),
    mapping: Int32Array.from(mapping),
    mappingId: null,
    mappingMethod: 'hungarian',
    mappingName: 'hungarian',
    frameCount: 4,
  });
  return trainingFramesScored === undefined ? report : { ...report, trainingFramesScored };
}
const spendsOnAbsent = (t?: number) => reportOf('a', [[90, 10, 0], [0, 100, 0], [10, 0, 0]], [0, 1, 2], t);
const twoClusters = (t?: number) => reportOf('b', [[80, 30, 0], [20, 80, 0]], [0, 1], t);

function run(id: string): ExperimentSummary {
  return { id, name: `run ${id}` } as ExperimentSummary;
}

/** Text of the element carrying data-testid=`id` (first match). */
function testIdText(html: string, id: string): string | null {
  const m = new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(html);
  return m?.[1] ?? null;
}

describe('mapping score panel', () => {
  const panel = (trainingFramesScored: number | undefined) => {
    const r = spendsOnAbsent();
    const score = { miouPresent: r.miouPresent!, miou: r.miou!, pixelAccuracy: r.pixelAccuracy!, classesPresent: 2, classesScored: 3 };
    return renderToStaticMarkup(
      createElement(ScorePanel, { score, classes: 3, clusters: 3, frameCount: 4, protocolId: 'p', trainingFramesScored }),
    );
  };

  it('leads with present-class mIoU, then mIoU, with the legend', () => {
    const html = panel(0);
    // 90/110 and 100/110 on the two present classes; the absent class adds a 0 to plain mIoU.
    expect(testIdText(html, 'miou-present')).toBe('86.4 %');
    expect(testIdText(html, 'miou')).toBe('57.6 %');
    expect(html.indexOf('data-testid="miou-present"')).toBeLessThan(html.indexOf('data-testid="miou"'));
    expect(testIdText(html, 'score-legend')).toContain('present-class mIoU = mean IoU over the 2 classes with ground-truth pixels');
    expect(html).toContain('2 of 3 classes present, 3 scored');
  });

  it('warns when the frames scored were trained on, and only then', () => {
    expect(panel(0)).not.toContain('training-frames-warning');
    expect(panel(undefined)).not.toContain('training-frames-warning');
    const warned = panel(8);
    expect(warned).toContain('data-testid="training-frames-warning"');
    expect(warned).toContain('Scored on 8 frames this experiment was trained on — not a held-out score.');
  });
});

describe('experiments scores', () => {
  it("shows a run's present-class mIoU first, and the warning when it was trained on the frames", () => {
    const held = renderToStaticMarkup(createElement(RunScoreFigures, { report: twoClusters(0) }));
    expect(testIdText(held, 'run-miou-present')).toBe('61.5 %');
    expect(held.indexOf('run-miou-present')).toBeLessThan(held.indexOf('run-miou"'));
    expect(held).toContain('data-testid="score-legend"');
    expect(held).not.toContain('training-frames-warning');
    const notHeld = renderToStaticMarkup(createElement(RunScoreFigures, { report: twoClusters(3) }));
    expect(notHeld).toContain('Scored on 3 frames this experiment was trained on');
  });

  it('lists compared runs by present-class mIoU (not mIoU), unscored last, and marks training-frame scores', () => {
    const html = renderToStaticMarkup(
      createElement(CompareScoresTable, {
        rows: [
          { run: run('c'), report: undefined },
          { run: run('b'), report: twoClusters() },
          { run: run('a'), report: spendsOnAbsent(5) },
        ],
      }),
    );
    const order = [...html.matchAll(/data-testid="compare-score-row" data-run="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(html).toContain('⚠ trained on these frames');
    expect(html.match(/trained on these frames/g)).toHaveLength(1);
    expect(html).toContain('data-testid="score-legend"');
  });
});
