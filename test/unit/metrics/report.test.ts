import { describe, expect, it } from 'vitest';
import { buildEvalReport } from '../../../shared/metrics/report.js';

function toSparse(h: Float64Array): { cells: number[]; counts: number[] } {
  const cells: number[] = [];
  const counts: number[] = [];
  h.forEach((v, i) => {
    if (v !== 0) {
      cells.push(i);
      counts.push(v);
    }
  });
  return { cells, counts };
}

// 3 clusters × 3 classes (road, sidewalk in category flat; sky in sky), class sky absent from the GT.
const H = Float64Array.from([10, 2, 0, 1, 5, 0, 0, 3, 0]);
const base = {
  histogramId: 'h',
  experimentId: 'e',
  datasetId: 'd',
  protocolId: 'toy',
  geometry: 'full' as const,
  classNames: ['road', 'sidewalk', 'sky'],
  categories: ['flat', 'flat', 'sky'],
  K: 3,
  histogram: H,
  mappingId: null,
  mappingMethod: 'manual' as const,
  mappingName: 'hand',
  frameCount: 2,
};

describe('buildEvalReport', () => {
  it('reports per-class rows, categories and nulls for undefined IoU', () => {
    const r = buildEvalReport({ ...base, mapping: Int32Array.from([0, 1, -1]) });
    expect(r.perClass.map((c) => c.iou)).toEqual([10 / 13, 5 / 11, null]);
    expect(r.perClass.map((c) => c.clusters)).toEqual([[0], [1], []]);
    expect(r.perClass[1]).toMatchObject({ tp: 5, fp: 1, fn: 5, gtPixels: 10, category: 'flat' });
    expect(r.miou).toBeCloseTo((10 / 13 + 5 / 11) / 2, 12);
    expect(r.classesScored).toBe(2);
    // Categories: flat = road+sidewalk: TP 18, FN 3 (cluster 2 unmatched); sky undefined.
    expect(r.perCategory).toEqual([
      { name: 'flat', iou: 18 / 21 },
      { name: 'sky', iou: null },
    ]);
    expect(r.categoryMiou).toBeCloseTo(18 / 21, 12);
    expect(r.unmatchedPixels).toBe(3);
    expect(r.mapping).toEqual([0, 1, -1]);
  });

  it('lists the worst frames first, frames without labelled pixels last', () => {
    const good = Float64Array.from([5, 0, 0, 0, 5, 0, 0, 0, 0]);
    const bad = Float64Array.from([1, 4, 0, 4, 1, 0, 0, 0, 0]);
    const empty = new Float64Array(9);
    const r = buildEvalReport({
      ...base,
      mapping: Int32Array.from([0, 1, 2]),
      frames: [
        { frameId: 'a', name: 'good', ...toSparse(good) },
        { frameId: 'b', name: 'empty', ...toSparse(empty) },
        { frameId: 'c', name: 'bad', ...toSparse(bad) },
      ],
      worstFrames: 3,
    });
    expect(r.worstFrames.map((f) => f.name)).toEqual(['bad', 'good', 'empty']);
    expect(r.worstFrames[0]!.miou).toBeCloseTo(1 / 9, 12); // road and sidewalk: TP 1, FP 4, FN 4
    expect(r.worstFrames[2]!.miou).toBeNull();
  });
});
