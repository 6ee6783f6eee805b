import { describe, expect, it } from 'vitest';
import {
  accumulate,
  confusionMatrix,
  hungarianMapping,
  majorityMapping,
  perFrameMiou,
  scoreCategories,
  scoreHistogram,
  sparseMiou,
} from '../../../shared/metrics/confusion.js';

// Hand-made 3 clusters × 3 classes; class 2 never occurs in the ground truth.
//            class0 class1 class2
// cluster0:    10     2      0
// cluster1:     1     5      0
// cluster2:     0     3      0
const H = Float64Array.from([10, 2, 0, 1, 5, 0, 0, 3, 0]);

describe('scoreHistogram', () => {
  it('matches a hand-computed confusion matrix (absent but predicted class scores 0)', () => {
    const s = scoreHistogram(H, 3, 3, Int32Array.from([0, 1, 2]));
    // class0: TP 10, FP 2, FN 1; class1: TP 5, FP 1, FN 5; class2: TP 0, FP 3, FN 0.
    expect(Array.from(s.tp)).toEqual([10, 5, 0]);
    expect(Array.from(s.fp)).toEqual([2, 1, 3]);
    expect(Array.from(s.fn)).toEqual([1, 5, 0]);
    expect(s.iou[0]).toBeCloseTo(10 / 13, 12);
    expect(s.iou[1]).toBeCloseTo(5 / 11, 12);
    expect(s.iou[2]).toBe(0);
    expect(s.classesScored).toBe(3);
    expect(s.miou).toBeCloseTo((10 / 13 + 5 / 11 + 0) / 3, 12);
    // Class 2 has no ground-truth pixels: present-class mIoU leaves its 0 out.
    expect(s.classesPresent).toBe(2);
    expect(s.miouPresent).toBeCloseTo((10 / 13 + 5 / 11) / 2, 12);
    expect(s.pixelAccuracy).toBeCloseTo(15 / 21, 12);
    expect(s.totalPixels).toBe(21);
    expect(s.unmatchedPixels).toBe(0);
  });

  it('leaves out a class that is absent and never predicted; unmatched pixels are errors', () => {
    const s = scoreHistogram(H, 3, 3, Int32Array.from([0, 1, -1]));
    expect(Number.isNaN(s.iou[2]!)).toBe(true);
    expect(s.classesScored).toBe(2);
    // Cluster 2's 3 pixels of class 1 are now FN for class 1 and FP for nothing.
    expect(Array.from(s.fp)).toEqual([2, 1, 0]);
    expect(s.fn[1]).toBe(5);
    expect(s.miou).toBeCloseTo((10 / 13 + 5 / 11) / 2, 12);
    expect(s.pixelAccuracy).toBeCloseTo(15 / 21, 12);
    expect(s.unmatchedPixels).toBe(3);
  });

  it('gives a present but never predicted class IoU 0 and keeps it in the mean', () => {
    // Both clusters map to class 0: class 1 is present (7 px) and never predicted.
    const h = Float64Array.from([4, 2, 1, 5]);
    const s = scoreHistogram(h, 2, 2, Int32Array.from([0, 0]));
    expect(s.iou[1]).toBe(0);
    expect(s.iou[0]).toBeCloseTo(5 / 12, 12);
    expect(s.miou).toBeCloseTo(5 / 24, 12);
  });

  it('returns NaN metrics for an empty histogram instead of dividing by zero silently', () => {
    const s = scoreHistogram(new Float64Array(6), 2, 3, Int32Array.from([0, 1]));
    expect(Number.isNaN(s.miou)).toBe(true);
    expect(Number.isNaN(s.pixelAccuracy)).toBe(true);
  });

  it('rejects mismatched shapes and out-of-range mappings', () => {
    expect(() => scoreHistogram(H, 3, 2, Int32Array.from([0, 1, 1]))).toThrow(/expected K×C/);
    expect(() => scoreHistogram(H, 3, 3, Int32Array.from([0, 1]))).toThrow(/one per cluster/);
    expect(() => scoreHistogram(H, 3, 3, Int32Array.from([0, 1, 3]))).toThrow(/outside -1\.\.2/);
  });
});

describe('categories and confusion matrix', () => {
  it('merges classes into categories before scoring', () => {
    const c = scoreCategories(H, 3, 3, Int32Array.from([0, 1, 2]), Int32Array.from([0, 0, 1]), 2);
    // category0 = classes 0+1: TP 18 (clusters 0 and 1), FN 3 (cluster 2 predicts category 1).
    expect(c.iou[0]).toBeCloseTo(18 / 21, 12);
    expect(c.iou[1]).toBe(0);
    expect(c.miou).toBeCloseTo(18 / 21 / 2, 12);
  });

  it('builds a row-normalised confusion matrix with an unmatched column', () => {
    const m = confusionMatrix(H, 3, 3, Int32Array.from([0, 1, -1]));
    expect(m.cols).toBe(4);
    // true class 1 (10 px): 2 → class 0, 5 → class 1, 3 → unmatched.
    expect(Array.from(m.counts.subarray(4, 8))).toEqual([2, 5, 0, 3]);
    expect(m.normalized[4]).toBeCloseTo(0.2, 12);
    expect(m.normalized[7]).toBeCloseTo(0.3, 12);
    // Absent class row stays zero.
    expect(Array.from(m.normalized.subarray(8, 12))).toEqual([0, 0, 0, 0]);
  });
});

describe('mappings', () => {
  it('hungarianMapping is one-to-one and leaves extra clusters unmatched (K > C)', () => {
    // 4 clusters × 2 classes. Majority would send clusters 0 and 1 both to class 0.
    const h = Float64Array.from([50, 10, 40, 30, 0, 5, 2, 1]);
    const m = hungarianMapping(h, 4, 2);
    // Best one-to-one: cluster0→0 (50) + cluster1→1 (30) = 80.
    expect(Array.from(m)).toEqual([0, 1, -1, -1]);
  });

  it('majorityMapping sends each cluster to its largest class, ties to the lower index', () => {
    const h = Float64Array.from([50, 10, 40, 30, 0, 5, 3, 3, 0, 0]);
    expect(Array.from(majorityMapping(h, 5, 2))).toEqual([0, 0, 1, 0, -1]);
  });

  it('sparse per-frame mIoU equals dense scoring on random frames and mappings', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 50; trial++) {
      const K = 2 + Math.floor(rand() * 6);
      const C = 2 + Math.floor(rand() * 5);
      const h = new Float64Array(K * C);
      const cells: number[] = [];
      const counts: number[] = [];
      for (let i = 0; i < h.length; i++) {
        if (rand() < 0.5) {
          h[i] = 1 + Math.floor(rand() * 9);
          cells.push(i);
          counts.push(h[i]!);
        }
      }
      const mapping = Int32Array.from({ length: K }, () => Math.floor(rand() * (C + 1)) - 1);
      const dense = scoreHistogram(h, K, C, mapping).miou;
      const sparse = sparseMiou(cells, counts, K, C, mapping);
      if (Number.isNaN(dense)) expect(Number.isNaN(sparse)).toBe(true);
      else expect(sparse).toBeCloseTo(dense, 12);
    }
  });

  it('scores per-frame mIoU', () => {
    const f1 = Float64Array.from([3, 0, 0, 1]);
    const f2 = Float64Array.from([1, 1, 1, 1]);
    const r = perFrameMiou([f1, f2], 2, 2, Int32Array.from([0, 1]));
    expect(r[0]).toBeCloseTo(1, 12);
    expect(r[1]).toBeCloseTo(1 / 3, 12);
  });
});

describe('accumulate', () => {
  it('counts cluster×class pixels and skips ignore (255)', () => {
    const hist = new Float64Array(2 * 3);
    const clusters = Uint16Array.from([0, 0, 1, 1, 1, 0]);
    const labels = Uint8Array.from([0, 2, 1, 255, 1, 0]);
    expect(accumulate(hist, clusters, labels, 2, 3)).toBe(5);
    expect(Array.from(hist)).toEqual([2, 0, 1, 0, 2, 0]);
  });

  it('rejects a cluster id ≥ K and mismatched geometry', () => {
    const hist = new Float64Array(2 * 3);
    expect(() => accumulate(hist, Uint8Array.from([0, 5]), Uint8Array.from([0, 1]), 2, 3)).toThrow(/K = 2/);
    expect(() => accumulate(hist, Uint8Array.from([0]), Uint8Array.from([0, 1]), 2, 3)).toThrow(/share a geometry/);
  });
});
