import { describe, expect, it } from 'vitest';
import { scoreHistogram } from '../../../shared/metrics/confusion.js';
import { assignCluster, cycleClass, redo, replaceMapping, startSession, undo } from '../../../renderer/src/views/mapping/mapping-session.js';

describe('mapping session', () => {
  it('edits, undoes and redoes without mutating earlier states', () => {
    const s0 = startSession(Int32Array.from([0, 1, 2]), 'hungarian');
    const s1 = assignCluster(s0, 1, -1);
    expect([...s0.current]).toEqual([0, 1, 2]);
    expect([...s1.current]).toEqual([0, -1, 2]);
    expect(s1.origin).toBe('manual');
    const s2 = assignCluster(s1, 2, 0);
    const back = undo(s2);
    expect([...back.current]).toEqual([0, -1, 2]);
    const back2 = undo(back);
    expect([...back2.current]).toEqual([0, 1, 2]);
    expect(undo(back2)).toBe(back2);
    const fwd = redo(back2);
    expect([...fwd.current]).toEqual([0, -1, 2]);
    expect([...redo(fwd).current]).toEqual([0, -1, 0]);
    // A new edit after undo drops the redo branch.
    const branched = assignCluster(back, 0, 2);
    expect(branched.future).toHaveLength(0);
  });

  it('treats a no-op edit or identical proposal as no step', () => {
    const s0 = startSession(Int32Array.from([0, 1]), 'hungarian');
    expect(assignCluster(s0, 0, 0)).toBe(s0);
    expect(replaceMapping(s0, Int32Array.from([0, 1]), 'majority')).toBe(s0);
    const s1 = replaceMapping(s0, Int32Array.from([1, 1]), 'majority');
    expect(s1.origin).toBe('majority');
    expect(s1.past).toHaveLength(1);
  });

  it('rejects a cluster outside the experiment', () => {
    const s0 = startSession(Int32Array.from([0, 1]), 'hungarian');
    expect(() => assignCluster(s0, 2, 0)).toThrow(/cluster 2 outside 0..1/);
  });

  it('changes the local re-score when one cluster changes class', () => {
    // K = 2 clusters × C = 2 classes: cluster 0 is mostly class 0, cluster 1 mostly class 1.
    const hist = Float64Array.from([90, 10, 5, 95]);
    const s0 = startSession(Int32Array.from([0, 1]), 'hungarian');
    const before = scoreHistogram(hist, 2, 2, s0.current).miou;
    const s1 = assignCluster(s0, 1, 0);
    const after = scoreHistogram(hist, 2, 2, s1.current).miou;
    expect(before).toBeGreaterThan(0.8);
    expect(after).toBeLessThan(before);
    expect(scoreHistogram(hist, 2, 2, undo(s1).current).miou).toBe(before);
  });

  it('cycles classes through ignore', () => {
    expect(cycleClass(-1, 3, 1)).toBe(0);
    expect(cycleClass(0, 3, 1)).toBe(1);
    expect(cycleClass(2, 3, 1)).toBe(-1);
    expect(cycleClass(-1, 3, -1)).toBe(2);
    expect(cycleClass(0, 3, -1)).toBe(-1);
  });
});
