// Optimal assignment (Kuhn-Munkres with Jonker-Volgenant style shortest augmenting paths and dual
// potentials). Used to map unsupervised clusters to ground-truth classes and to match concepts across
// runs, so it must handle rectangular matrices (K clusters ≫ C classes is the normal case) and ties.
//
// Complexity O(n² m) for an n×m problem with n ≤ m. All scratch arrays are allocated once per call;
// the inner loops only read and write typed arrays.

import { StudioError } from '../contract/errors.js';

/**
 * Assign rows to columns so that the total weight is maximal ('max') or minimal ('min').
 * `weights` is row-major rows×cols. Returns, for each row, its assigned column or -1 when the row is
 * left unassigned (only possible when rows > cols). Every column is used at most once, and exactly
 * min(rows, cols) pairs are made.
 */
export function hungarian(
  weights: Float64Array,
  rows: number,
  cols: number,
  mode: 'max' | 'min',
): Int32Array {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new StudioError('bad_request', `hungarian: rows and cols must be non-negative integers (got ${rows}×${cols})`);
  }
  if (weights.length !== rows * cols) {
    throw new StudioError(
      'bad_request',
      `hungarian: weights has ${weights.length} entries, expected rows×cols = ${rows}×${cols} = ${rows * cols}`,
    );
  }
  const result = new Int32Array(rows).fill(-1);
  if (rows === 0 || cols === 0) return result;

  // The algorithm needs n ≤ m; when there are more rows than columns, solve the transpose.
  const transposed = rows > cols;
  const n = transposed ? cols : rows;
  const m = transposed ? rows : cols;
  const sign = mode === 'max' ? -1 : 1;

  // Cost matrix (n×m, row-major), minimisation form. Validate finiteness once here.
  const cost = new Float64Array(n * m);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const w = weights[r * cols + c]!;
      if (!Number.isFinite(w)) {
        throw new StudioError('bad_request', `hungarian: weight at (${r}, ${c}) is not finite (${w})`);
      }
      if (transposed) cost[c * m + r] = sign * w;
      else cost[r * m + c] = sign * w;
    }
  }

  // 1-based indexing for columns, with column 0 as the virtual source (classic formulation).
  const u = new Float64Array(n + 1); // row potentials
  const v = new Float64Array(m + 1); // column potentials
  const p = new Int32Array(m + 1); // p[j] = row (1-based) matched to column j, 0 = free
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);

  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      const rowBase = (i0 - 1) * m - 1; // so cost[rowBase + j] is cost(i0, j) for 1-based j
      const ui0 = u[i0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j] === 0) {
          const cur = cost[rowBase + j]! - ui0 - v[j]!;
          if (cur < minv[j]!) {
            minv[j] = cur;
            way[j] = j0;
          }
          if (minv[j]! < delta) {
            delta = minv[j]!;
            j1 = j;
          }
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j] === 1) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    // Flip the augmenting path back to the source.
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }

  for (let j = 1; j <= m; j++) {
    const i = p[j]!;
    if (i === 0) continue;
    if (transposed) result[j - 1] = i - 1; // original row j-1 ↔ original column i-1
    else result[i - 1] = j - 1;
  }
  return result;
}

/** Total weight of an assignment produced by `hungarian` (ignores -1 rows). */
export function assignmentWeight(weights: Float64Array, cols: number, assignment: Int32Array): number {
  let total = 0;
  for (let r = 0; r < assignment.length; r++) {
    const c = assignment[r]!;
    if (c >= 0) total += weights[r * cols + c]!;
  }
  return total;
}
