// The demo's table: mean ± sd over seeds, ranked by present-class mIoU, with the legend saying what each
// column averages.
import { describe, expect, it } from 'vitest';
import { formatDemoTable, meanSd, summarizeRuns, type DemoRun } from '../../../main/cli/demo-plan.js';

const runOf = (method: string, seed: number, miouPresent: number | null, miou: number): DemoRun => ({
  method,
  backbone: 'builtin',
  seed,
  experimentId: `${method}-${seed}-0123456789`,
  miouPresent,
  classesPresent: 19,
  miou,
  classesScored: 27,
  pixelAccuracy: 0.5,
  trainingFramesScored: 0,
  seconds: 10,
});

describe('meanSd', () => {
  it('gives the mean and the sample standard deviation, leaving out missing values', () => {
    expect(meanSd([0.1, 0.2, 0.3])).toEqual({ mean: expect.closeTo(0.2, 12), sd: expect.closeTo(0.1, 12), n: 3 });
    expect(meanSd([0.4, null])).toEqual({ mean: 0.4, sd: null, n: 1 });
    expect(meanSd([])).toEqual({ mean: null, sd: null, n: 0 });
  });
});

describe('summarizeRuns and formatDemoTable', () => {
  // k-means wins on the 27-class mIoU, CAUSE on present-class mIoU: the ranking must follow the latter
  const runs = [runOf('cause-mlp', 4, 0.12, 0.08), runOf('cause-mlp', 5, 0.1, 0.07), runOf('kmeans', 4, 0.09, 0.1), runOf('kmeans', 5, 0.11, 0.1)];

  it('groups by method and ranks by mean present-class mIoU', () => {
    const rows = summarizeRuns(runs);
    expect(rows.map((r) => r.method)).toEqual(['cause-mlp', 'kmeans']);
    expect(rows[0]!.miouPresent.mean).toBeCloseTo(0.11, 12);
    expect(rows[0]!.seeds).toEqual([4, 5]);
    expect(rows[1]!.miou).toBeCloseTo(0.1, 12);
  });

  it('leads with the present-class column and says what each column averages', () => {
    const lines = formatDemoTable(summarizeRuns(runs), (s) => `${s}s`);
    const header = lines[0]!.split('\n')[0]!;
    expect(header.indexOf('present-class mIoU %')).toBeLessThan(header.indexOf('mIoU-27 %'));
    expect(lines[0]).toMatch(/cause-mlp\s+builtin\s+11\.0 ± 1\.4\s+7\.5 ± 0\.7/);
    expect(lines.join('\n')).toMatch(/mean ± sd over 2 training seeds \(4, 5\); ranked by present-class mIoU/);
    expect(lines.join('\n')).toMatch(/present-class mIoU averages IoU over the 19 Cityscapes-27 classes with ground-truth pixels/);
  });
});
