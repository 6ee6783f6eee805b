// The mapping session without ground truth: a merge is one undoable step, a class added to the protocol
// keeps the history, another protocol re-expresses the mapping by class name.
import { describe, expect, it } from 'vitest';
import { assignCluster, assignClusters, redo, replaceMapping, startSession, switchProtocol, undo } from '../../../renderer/src/views/mapping/mapping-session.js';

describe('concept mapping session', () => {
  it('merges several clusters into one class as a single undoable step', () => {
    const s0 = startSession(new Int32Array(4).fill(-1), 'manual');
    const s1 = assignCluster(s0, 0, 2);
    const s2 = assignClusters(s1, [1, 3], 5);
    expect([...s2.current]).toEqual([2, 5, -1, 5]);
    expect(s2.past).toHaveLength(2);
    expect([...undo(s2).current]).toEqual([2, -1, -1, -1]);
    expect([...redo(undo(s2)).current]).toEqual([2, 5, -1, 5]);
    expect(assignClusters(s2, [1, 3], 5)).toBe(s2);
    expect(() => assignClusters(s2, [4], 0)).toThrow(RangeError);
  });

  it('keeps indices and history when the protocol only gains a class', () => {
    const s = assignCluster(startSession(Int32Array.from([0, 1, -1]), 'saved'), 2, 1);
    const after = switchProtocol(s, ['road', 'car'], ['road', 'car', 'bollard']);
    expect(after).toBe(s);
    const withNew = assignCluster(after, 0, 2);
    expect([...withNew.current]).toEqual([2, 1, 1]);
    expect([...undo(withNew).current]).toEqual([0, 1, 1]);
  });

  it('re-expresses the mapping by name in another protocol; classes it lacks become ignore', () => {
    const s = startSession(Int32Array.from([0, 1, 2, -1]), 'saved');
    const next = switchProtocol(s, ['road', 'car', 'bollard'], ['sky', 'car', 'road']);
    expect([...next.current]).toEqual([2, 1, -1, -1]);
    expect(next.past).toHaveLength(0);
  });

  it('reopening a saved version is one step that undo takes back', () => {
    const s = assignCluster(startSession(Int32Array.from([0, 0]), 'manual'), 1, 1);
    const reopened = replaceMapping(s, Int32Array.from([1, 1]), 'saved');
    expect([...reopened.current]).toEqual([1, 1]);
    expect([...undo(reopened).current]).toEqual([0, 1]);
  });
});
