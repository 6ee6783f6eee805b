import { describe, expect, it } from 'vitest';
import { resumePosition, sequenceOrder } from '../../../main/engine/temporal/sequence-order.js';

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

  it('a resumed run restarts at the first position of the interrupted sequence, in visiting order', () => {
    const back = sequenceOrder(frames, 'backward'); // [2, 1, 0, 4, 3, 5]
    expect(resumePosition(frames, back, 2)).toBe(0); // mid 'a' (frames 2, 1 done): 'a' again from frame 2
    expect(resumePosition(frames, back, 3)).toBe(3); // 'a' finished: 'b' from its last frame
    expect(resumePosition(frames, back, 4)).toBe(3);
    expect(resumePosition(frames, back, 6)).toBe(6); // all done
    expect(resumePosition(frames, sequenceOrder(frames, 'forward'), 4)).toBe(3);
    expect(resumePosition(frames, back, 99)).toBe(6);
  });
});
