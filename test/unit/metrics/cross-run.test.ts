import { describe, expect, it } from 'vitest';
import { accumulateCooccurrence, compareRuns } from '../../../shared/metrics/cross-run.js';

describe('compareRuns', () => {
  it('matches identical runs with permuted ids perfectly', () => {
    const a = Uint8Array.from([0, 0, 1, 1, 2, 2, 2]);
    const b = Uint8Array.from([2, 2, 0, 0, 1, 1, 1]);
    const co = new Float64Array(9);
    accumulateCooccurrence(co, a, b, 3, 3);
    const r = compareRuns(co, 3, 3);
    expect(r.matches.map((m) => [m.a, m.b])).toEqual([
      [0, 2],
      [1, 0],
      [2, 1],
    ]);
    expect(r.agreement).toBe(1);
    expect(r.meanMatchedIou).toBe(1);
    expect(r.stable).toBe(3);
    expect(r.split).toEqual([]);
    expect(r.merged).toEqual([]);
  });

  it('detects a split, a merge, a vanished and an appeared concept', () => {
    // A: cluster 0 = px 0..9; cluster 1 = 10..14; cluster 2 = 15..19; cluster 3 = 20..23 (scattered in B)
    // B: cluster 0 = px 0..4, cluster 1 = px 5..9 (A0 split in two), cluster 2 = px 10..19 (A1+A2 merged),
    //    cluster 3 takes A3's pixels 20,21 and cluster 4 its 22,23 — neither is a clean counterpart.
    const a = new Uint8Array(24);
    const b = new Uint8Array(24);
    for (let i = 0; i < 24; i++) {
      a[i] = i < 10 ? 0 : i < 15 ? 1 : i < 20 ? 2 : 3;
      b[i] = i < 5 ? 0 : i < 10 ? 1 : i < 20 ? 2 : i < 22 ? 3 : 4;
    }
    // Make A3 vanish: move most of its pixels to B clusters that mostly belong elsewhere.
    const a2 = Uint8Array.from([...a, 3, 3, 3, 3, 3, 3, 3, 3]);
    const b2 = Uint8Array.from([...b, 0, 1, 2, 0, 1, 2, 0, 1]);
    // And an appeared B concept 5 made of bits of A0, A1 and A2.
    const a3 = Uint8Array.from([...a2, 0, 1, 2, 0, 1, 2]);
    const b3 = Uint8Array.from([...b2, 5, 5, 5, 5, 5, 5]);
    const co = new Float64Array(4 * 6);
    accumulateCooccurrence(co, a3, b3, 4, 6);
    const r = compareRuns(co, 4, 6);
    expect(r.split.map((s) => [s.a, [...s.into]])).toEqual([[0, [0, 1]]]);
    expect(r.merged.map((m) => [m.b, [...m.from]])).toEqual([[2, [1, 2]]]);
    expect(r.vanished.map((v) => v.a)).toEqual([3]);
    expect(r.appeared.map((x) => x.b)).toContain(5);
    expect(r.pixels).toBe(38);
  });

  it('lists clusters unused on the compared frames and rejects mismatched maps', () => {
    const co = new Float64Array(2 * 3);
    accumulateCooccurrence(co, Uint8Array.from([0, 0]), Uint8Array.from([1, 1]), 2, 3);
    const r = compareRuns(co, 2, 3);
    expect(r.unusedA).toEqual([1]);
    expect(r.unusedB).toEqual([0, 2]);
    expect(() => accumulateCooccurrence(co, Uint8Array.from([0]), Uint8Array.from([0, 1]), 2, 3)).toThrow(/one geometry/);
  });
});
