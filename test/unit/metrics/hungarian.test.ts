import { describe, expect, it } from 'vitest';
import { assignmentWeight, hungarian } from '../../../shared/metrics/hungarian.js';
import { mulberry32 } from '../../../shared/random.js';


/** Best total weight over every injective matching of min(rows, cols) pairs. */
function bruteForce(w: Float64Array, rows: number, cols: number, mode: 'max' | 'min'): number {
  const better = (a: number, b: number) => (mode === 'max' ? a > b : a < b);
  const pairs = Math.min(rows, cols);
  let best = mode === 'max' ? -Infinity : Infinity;
  const usedCol = new Uint8Array(cols);
  // Enumerate: choose assignments row by row; rows may be skipped only while enough rows remain.
  const rec = (r: number, made: number, acc: number): void => {
    if (made === pairs) {
      if (better(acc, best)) best = acc;
      return;
    }
    if (r === rows) return;
    if (rows - r > pairs - made) rec(r + 1, made, acc); // leave row r unassigned
    for (let c = 0; c < cols; c++) {
      if (usedCol[c]) continue;
      usedCol[c] = 1;
      rec(r + 1, made + 1, acc + w[r * cols + c]!);
      usedCol[c] = 0;
    }
  };
  rec(0, 0, 0);
  return best;
}

function checkValid(a: Int32Array, rows: number, cols: number): void {
  expect(a.length).toBe(rows);
  const seen = new Set<number>();
  let made = 0;
  for (const c of a) {
    if (c === -1) continue;
    expect(c).toBeGreaterThanOrEqual(0);
    expect(c).toBeLessThan(cols);
    expect(seen.has(c)).toBe(false);
    seen.add(c);
    made++;
  }
  expect(made).toBe(Math.min(rows, cols));
}

describe('hungarian', () => {
  it('solves a known 3×3 minimisation', () => {
    const w = Float64Array.from([4, 1, 3, 2, 0, 5, 3, 2, 2]);
    const a = hungarian(w, 3, 3, 'min');
    expect(Array.from(a)).toEqual([1, 0, 2]);
    expect(assignmentWeight(w, 3, a)).toBe(5);
  });

  it('maximises a rectangular K > C matrix and leaves extra rows at -1', () => {
    // 4 clusters, 2 classes: cluster 2 is best for class 0, cluster 1 for class 1.
    const w = Float64Array.from([1, 0, 0, 9, 10, 8, 3, 3]);
    const a = hungarian(w, 4, 2, 'max');
    expect(Array.from(a)).toEqual([-1, 1, 0, -1]);
  });

  it('matches brute force on random square, tall and wide matrices, including ties', () => {
    const rand = mulberry32(12345);
    let cases = 0;
    for (let rows = 1; rows <= 6; rows++) {
      for (let cols = 1; cols <= 6; cols++) {
        for (let trial = 0; trial < 12; trial++) {
          // Half the trials use a tiny integer range so ties are frequent.
          const tiny = trial % 2 === 0;
          const w = new Float64Array(rows * cols);
          for (let i = 0; i < w.length; i++) {
            w[i] = tiny ? Math.floor(rand() * 3) : Math.round((rand() * 200 - 100) * 1000) / 1000;
          }
          for (const mode of ['max', 'min'] as const) {
            const a = hungarian(w, rows, cols, mode);
            checkValid(a, rows, cols);
            const got = assignmentWeight(w, cols, a);
            expect(got).toBeCloseTo(bruteForce(w, rows, cols, mode), 6);
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(6 * 6 * 12 * 2);
  });

  it('handles all-equal weights (every assignment is a tie)', () => {
    const w = new Float64Array(5 * 3).fill(7);
    const a = hungarian(w, 5, 3, 'max');
    checkValid(a, 5, 3);
    expect(assignmentWeight(w, 3, a)).toBe(21);
  });

  it('handles empty dimensions', () => {
    expect(Array.from(hungarian(new Float64Array(0), 3, 0, 'max'))).toEqual([-1, -1, -1]);
    expect(hungarian(new Float64Array(0), 0, 4, 'max').length).toBe(0);
  });

  it('rejects a wrong-sized or non-finite weight matrix', () => {
    expect(() => hungarian(new Float64Array(5), 2, 3, 'max')).toThrow(/expected rows×cols/);
    expect(() => hungarian(Float64Array.from([1, Number.NaN]), 1, 2, 'max')).toThrow(/not finite/);
  });

  it('scales to a 300×27 cluster-to-class problem with a valid, locally optimal result', () => {
    const rand = mulberry32(7);
    const rows = 300;
    const cols = 27;
    const w = new Float64Array(rows * cols);
    for (let i = 0; i < w.length; i++) w[i] = Math.floor(rand() * 1000);
    const a = hungarian(w, rows, cols, 'max');
    checkValid(a, rows, cols);
    // No pairwise swap (and no swap with an unassigned row) can improve an optimal assignment.
    const total = assignmentWeight(w, cols, a);
    for (let r1 = 0; r1 < rows; r1++) {
      for (let r2 = r1 + 1; r2 < rows; r2++) {
        const c1 = a[r1]!;
        const c2 = a[r2]!;
        if (c1 < 0 && c2 < 0) continue;
        let delta = 0;
        if (c1 >= 0) delta += w[r2 * cols + c1]! - w[r1 * cols + c1]!;
        if (c2 >= 0) delta += w[r1 * cols + c2]! - w[r2 * cols + c2]!;
        expect(delta).toBeLessThanOrEqual(1e-9);
      }
    }
    expect(total).toBeGreaterThan(0);
  });
});
