import { describe, expect, it } from 'vitest';
import { ConceptBank } from '../../../main/engine/cause/bank.js';
import { Prng } from '../../../shared/random.js';

/** Projections whose first value is the token index, so rows can be traced back. */
function proj(T: number, dim: number, base = 0): Float32Array {
  const p = new Float32Array(T * dim);
  for (let t = 0; t < T; t++) p[t * dim] = base + t;
  return p;
}

describe('concept bank', () => {
  it('keeps ⌊count/2⌋ random rows per concept present, drawn in ascending concept order', () => {
    const bank = new ConceptBank(2, 100);
    const ids = Int32Array.from([5, 2, 5, 5, 2, 7, 5, 2, 2, 2]); // concept 2 ×5, 5 ×4, 7 ×1
    bank.insert(ids, proj(10, 2), new Prng(3));
    expect(bank.countOf(2)).toBe(2);
    expect(bank.countOf(5)).toBe(2);
    expect(bank.countOf(7)).toBe(0); // ⌊1/2⌋ = 0
    // The same draws by hand: concept 2 first, then 5.
    const rng = new Prng(3);
    const tokens2 = [1, 4, 7, 8, 9];
    const p2 = rng.permutation(5);
    const tokens5 = [0, 2, 3, 6];
    const p5 = rng.permutation(4);
    expect(bank.rowsOf(2).map((r) => r[0])).toEqual([tokens2[p2[0]!], tokens2[p2[1]!]]);
    expect(bank.rowsOf(5).map((r) => r[0])).toEqual([tokens5[p5[0]!], tokens5[p5[1]!]]);
    for (const r of bank.rowsOf(2)) expect(ids[r[0]!]).toBe(2);
  });

  it('is a FIFO: keeps the newest `cap` rows per concept', () => {
    const bank = new ConceptBank(1, 3);
    const rng = new Prng(1);
    for (let step = 0; step < 4; step++) bank.insert(Int32Array.from([0, 0]), proj(2, 1, step * 10), rng);
    // One row per step (⌊2/2⌋), from steps 1, 2, 3 — step 0's row was pushed out.
    const kept = bank.rowsOf(0).map((r) => Math.floor(r[0]! / 10));
    expect(kept).toEqual([1, 2, 3]);
    expect(bank.size).toBe(3);
  });

  it('snapshot and restore round-trip exactly', () => {
    const bank = new ConceptBank(3, 4);
    const rng = new Prng(9);
    for (let s = 0; s < 3; s++) bank.insert(Int32Array.from([1, 1, 3, 3, 3, 0]), proj(6, 3, s * 6), rng);
    const snap = bank.snapshot();
    const again = ConceptBank.restore(snap).snapshot();
    expect(Array.from(again.ids)).toEqual(Array.from(snap.ids));
    expect(Array.from(again.rows)).toEqual(Array.from(snap.rows));
    expect(Array.from(snap.ids)).toEqual([...snap.ids].sort((a, b) => a - b)); // grouped by concept
  });
});
