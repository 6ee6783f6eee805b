import { describe, expect, it } from 'vitest';
import { assignToCentroids, kmeans, mulberry32 } from '../../../main/engine/clustering/kmeans.js';

/** Gaussian-ish blobs around given centres: n points each, spread `s`. */
function blobs(
  centres: number[][],
  perBlob: number,
  s: number,
  seed: number,
): { data: Float32Array; truth: Int32Array; d: number } {
  const d = centres[0]!.length;
  const rand = mulberry32(seed);
  const n = centres.length * perBlob;
  const data = new Float32Array(n * d);
  const truth = new Int32Array(n);
  for (let b = 0; b < centres.length; b++) {
    for (let p = 0; p < perBlob; p++) {
      const i = b * perBlob + p;
      truth[i] = b;
      for (let j = 0; j < d; j++) data[i * d + j] = centres[b]![j]! + (rand() + rand() + rand() - 1.5) * s;
    }
  }
  return { data, truth, d };
}

/** Fraction of points whose cluster agrees with the majority cluster of their true blob. */
function purity(assign: Int32Array, truth: Int32Array, k: number): number {
  const counts = new Map<string, number>();
  for (let i = 0; i < assign.length; i++)
    counts.set(`${truth[i]}:${assign[i]}`, (counts.get(`${truth[i]}:${assign[i]}`) ?? 0) + 1);
  let good = 0;
  for (let t = 0; t < k; t++) {
    let best = 0;
    for (let c = 0; c < k; c++) best = Math.max(best, counts.get(`${t}:${c}`) ?? 0);
    good += best;
  }
  return good / assign.length;
}

describe('kmeans', () => {
  it('separates well-separated blobs (euclidean) and finds their centres', () => {
    const centres = [
      [0, 0, 0],
      [10, 0, 0],
      [0, 10, 0],
      [0, 0, 10],
      [10, 10, 10],
    ];
    const { data, truth, d } = blobs(centres, 200, 1, 7);
    const r = kmeans(data, truth.length, d, { k: 5, seed: 3 });
    expect(r.converged).toBe(true);
    expect(purity(r.assignments, truth, 5)).toBe(1);
    // every true centre has a centroid within 0.3
    for (const c of centres) {
      let best = Infinity;
      for (let q = 0; q < 5; q++) {
        let s = 0;
        for (let j = 0; j < 3; j++) s += (r.centroids[q * 3 + j]! - c[j]!) ** 2;
        best = Math.min(best, Math.sqrt(s));
      }
      expect(best).toBeLessThan(0.3);
    }
  });

  it('is deterministic for a seed and differs across seeds on ambiguous data', () => {
    const rand = mulberry32(1);
    const n = 500;
    const data = new Float32Array(n * 2);
    for (let i = 0; i < data.length; i++) data[i] = rand();
    const a = kmeans(data, n, 2, { k: 6, seed: 11 });
    const b = kmeans(data, n, 2, { k: 6, seed: 11 });
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
    expect(Array.from(a.assignments)).toEqual(Array.from(b.assignments));
    const c = kmeans(data, n, 2, { k: 6, seed: 12, maxIterations: 1 });
    const a1 = kmeans(data, n, 2, { k: 6, seed: 11, maxIterations: 1 });
    expect(Array.from(c.centroids)).not.toEqual(Array.from(a1.centroids));
  });

  it('assignments are nearest-centroid and inertia matches a direct computation (high-d blocked path)', () => {
    const d = 37;
    const centres = Array.from({ length: 4 }, (_, b) =>
      Array.from({ length: d }, (_, j) => ((b * 7 + j * 3) % 11) - 5),
    );
    const { data, truth } = blobs(centres, 150, 2, 5);
    const n = truth.length;
    const r = kmeans(data, n, d, { k: 4, seed: 1 });
    let inertia = 0;
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      let bestC = -1;
      for (let c = 0; c < 4; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (data[i * d + j]! - r.centroids[c * d + j]!) ** 2;
        if (s < best) {
          best = s;
          bestC = c;
        }
      }
      expect(r.assignments[i]).toBe(bestC);
      inertia += best;
    }
    expect(r.inertia).toBeCloseTo(inertia, -1);
    expect(Math.abs(r.inertia - inertia) / inertia).toBeLessThan(1e-4);
    expect(purity(r.assignments, truth, 4)).toBe(1);
  });

  it('cosine metric clusters by direction, not magnitude, and returns unit centroids', () => {
    // two directions 30° apart, magnitudes spanning three decades within each
    const n = 400;
    const d = 2;
    const data = new Float32Array(n * d);
    const truth = new Int32Array(n);
    const rand = mulberry32(9);
    for (let i = 0; i < n; i++) {
      const cls = i % 2;
      truth[i] = cls;
      const scale = 0.1 * 1000 ** rand();
      const angle = ((cls === 0 ? 10 : 40) + (rand() - 0.5) * 4) * (Math.PI / 180);
      data[i * d] = scale * Math.cos(angle);
      data[i * d + 1] = scale * Math.sin(angle);
    }
    const cos = kmeans(data, n, d, { k: 2, metric: 'cosine', seed: 2 });
    expect(purity(cos.assignments, truth, 2)).toBe(1);
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += cos.centroids[c * d + j]! ** 2;
      expect(Math.sqrt(s)).toBeCloseTo(1, 5);
    }
    // Euclidean on the same data splits by magnitude instead, so it must do worse.
    const euc = kmeans(data, n, d, { k: 2, seed: 2 });
    expect(purity(euc.assignments, truth, 2)).toBeLessThan(0.9);
  });

  it('keeps k clusters non-empty with duplicate points and rejects bad shapes', () => {
    const data = new Float32Array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 5, 5]);
    const r = kmeans(data, 6, 2, { k: 3, seed: 4 });
    expect(new Set(r.assignments).size).toBe(3);
    expect(() => kmeans(data, 6, 2, { k: 7 })).toThrow(/exceeds/);
    expect(() => kmeans(data, 6, 2, { k: 0 })).toThrow(/positive/);
    expect(() => kmeans(data, 7, 2, { k: 2 })).toThrow(/expected n×d/);
  });

  it('stops at maxIterations and reports that it did not converge', () => {
    const rand = mulberry32(3);
    const n = 3000;
    const data = new Float32Array(n * 2);
    for (let i = 0; i < data.length; i++) data[i] = rand();
    const capped = kmeans(data, n, 2, { k: 25, seed: 1, maxIterations: 2, tolerance: 0 });
    expect(capped.iterations).toBe(2);
    expect(capped.converged).toBe(false);
    const free = kmeans(data, n, 2, { k: 25, seed: 1, maxIterations: 500 });
    expect(free.converged).toBe(true);
    expect(free.inertia).toBeLessThan(capped.inertia);
    // a loose tolerance stops earlier than a strict one
    const loose = kmeans(data, n, 2, { k: 25, seed: 1, maxIterations: 500, tolerance: 1e-2 });
    expect(loose.iterations).toBeLessThan(free.iterations);
  });

  it('assignToCentroids agrees with the fitted assignments', () => {
    const { data, truth, d } = blobs(
      [
        [0, 0],
        [5, 5],
        [0, 5],
      ],
      100,
      1,
      3,
    );
    const r = kmeans(data, truth.length, d, { k: 3, seed: 8 });
    const again = assignToCentroids(data, truth.length, d, r.centroids, 3);
    expect(Array.from(again.assignments)).toEqual(Array.from(r.assignments));
  });
});
