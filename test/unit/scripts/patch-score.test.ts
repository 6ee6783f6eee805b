import { describe, expect, it } from 'vitest';
import { patchScore } from '../../../scripts/lib/patch-score.js';
import { classMeans } from '../../../scripts/lib/class-means.js';

// Two frames of 4 patches, 3 classes (class 2 absent); vectors are one-hot in 2 dims by class.
const N = 2;
const T = 4;
const C = 3;
const classes = [
  [0, 0, 1, 1],
  [0, 1, 1, 1],
];
const hist = new Float32Array(N * T * C);
classes.forEach((row, j) => row.forEach((c, t) => (hist[(j * T + t) * C + c] = 1)));
const vec = (j: number) => Float32Array.from(classes[j]!.flatMap((c) => (c === 0 ? [1, 0] : [0, 1])));

describe('diagnostic yardsticks', () => {
  it('patchScore: a partition that follows the classes scores 1 over the present classes', () => {
    expect(patchScore(hist, N, T, C, 2, vec, new Float32Array([2, 0, 0, 3]))).toEqual({ miouPresent: 1, clusters: 2 });
  });

  it('patchScore: one cluster for everything matches one class and scores its IoU / present classes', () => {
    // 5 of 8 patches are class 1: the cluster matches it, IoU 5/8; class 0 is unmatched (0)
    const r = patchScore(hist, N, T, C, 2, vec, new Float32Array([1, 1, -1, -1]));
    expect(r.clusters).toBe(1);
    expect(r.miouPresent).toBeCloseTo((5 / 8) / 2, 6);
  });

  it('classMeans: one mean per present class, unit-vector average', () => {
    const m = classMeans(hist, N, T, C, 2, vec);
    expect(Array.from(m)).toEqual([1, 0, 0, 1]);
  });
});
