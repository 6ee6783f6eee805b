// How scores read in the Mapping and Experiments views: present-class mIoU leads and ranks, the legend
// says what each column averages, and a score on training frames carries a warning. The reports here
// are built by the engine's own report builder (shared/metrics/report) from small histograms.
import { describe, expect, it } from 'vitest';
import type { EvalReport } from '../../../shared/contract/evaluation.js';
import { buildEvalReport } from '../../../shared/metrics/report.js';
import {
  formatScore,
  rankByPresentMiou,
  scoreLegend,
  trainingFramesWarning,
} from '../../../renderer/src/components/score-format.js';

const CLASSES = ['road', 'car', 'train'];

/** A report over 3 classes where 'train' has no ground-truth pixels. `rows`: K rows of C counts. */
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

// Better on the two classes present, but a third cluster is matched to the absent 'train' (IoU 0).
const spendsOnAbsent = () => reportOf('a', [[90, 10, 0], [0, 100, 0], [10, 0, 0]], [0, 1, 2]);
// Worse on the present classes, and nothing matched to 'train'.
const twoClusters = () => reportOf('b', [[80, 30, 0], [20, 80, 0]], [0, 1]);

describe('score format', () => {
  it('formats fractions as percentages and undefined scores (null or NaN) as a dash', () => {
    expect(formatScore(0.6154)).toBe('61.5 %');
    expect(formatScore(0)).toBe('0.0 %');
    expect(formatScore(null)).toBe('—');
    expect(formatScore(undefined)).toBe('—');
    expect(formatScore(Number.NaN)).toBe('—');
  });

  it('the legend names what each column averages, with the counts of the score when given', () => {
    const r = spendsOnAbsent();
    expect(r.classesPresent).toBe(2);
    expect(r.classesScored).toBe(3);
    const legend = scoreLegend(r);
    expect(legend).toContain('present-class mIoU = mean IoU over the 2 classes with ground-truth pixels');
    expect(legend).toContain('mIoU = over the 3 classes with a defined IoU, incl. matched absent ones');
    expect(scoreLegend()).toContain('over the classes with ground-truth pixels');
  });

  it('warns only when the scored frames include training frames', () => {
    expect(trainingFramesWarning(undefined)).toBeNull();
    expect(trainingFramesWarning(null)).toBeNull();
    expect(trainingFramesWarning(0)).toBeNull();
    expect(trainingFramesWarning(1)).toBe('Scored on 1 frame this experiment was trained on — not a held-out score.');
    expect(trainingFramesWarning(1200)).toBe('Scored on 1,200 frames this experiment was trained on — not a held-out score.');
  });

  it('ranks by present-class mIoU, where plain mIoU would rank the other way', () => {
    const a = spendsOnAbsent();
    const b = twoClusters();
    // The two averages disagree on these two runs: this is the case the ranking must get right.
    expect(a.miou!).toBeLessThan(b.miou!);
    expect(a.miouPresent!).toBeGreaterThan(b.miouPresent!);
    const ranked = rankByPresentMiou([b, a], (r) => r);
    expect(ranked.map((r) => r.experimentId)).toEqual(['a', 'b']);
  });

  it('breaks ties on mIoU and puts unscored entries last in their given order', () => {
    const x = { id: 'x', s: { miouPresent: 0.5, miou: 0.4 } };
    const y = { id: 'y', s: { miouPresent: 0.5, miou: 0.45 } };
    const none1 = { id: 'n1', s: null };
    const none2 = { id: 'n2', s: { miouPresent: null, miou: null } };
    const ranked = rankByPresentMiou([none1, x, none2, y], (r) => r.s);
    expect(ranked.map((r) => r.id)).toEqual(['y', 'x', 'n1', 'n2']);
  });
});
