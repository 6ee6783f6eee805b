import { describe, expect, it } from 'vitest';
import { sequenceOrder } from '../../../main/engine/temporal/sequence-order.js';

const frames = ['a', 'a', 'a', 'b', 'b', 'c'].map((sequenceId) => ({ sequenceId }));

describe('sequenceOrder', () => {
  it('forward keeps the list; backward reverses each sequence, not the list', () => {
    expect(sequenceOrder(frames, 'forward')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sequenceOrder(frames, 'backward')).toEqual([2, 1, 0, 4, 3, 5]);
  });

  it('a range is cut on its own bounds (a pool task starts its own state)', () => {
    expect(sequenceOrder(frames, 'backward', 1, 4)).toEqual([2, 1, 3]);
    expect(sequenceOrder(frames, 'forward', 1, 4)).toEqual([1, 2, 3]);
    expect(sequenceOrder(frames, 'backward', 2, 2)).toEqual([]);
  });
});
