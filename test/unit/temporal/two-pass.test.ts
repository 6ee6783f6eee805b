// Temporal prediction both ways (two-pass.ts): the stretches that share a carried state — runs of one
// sequence, cut at a length — in the order given.
import { describe, expect, it } from 'vitest';
import { TWO_PASS_STRETCH, twoPassStretches } from '../../../main/engine/temporal/two-pass.js';
import { sequenceOrder } from '../../../main/engine/temporal/sequence-order.js';

const frames = (...lengths: number[]) => lengths.flatMap((n, s) => Array.from({ length: n }, () => ({ sequenceId: `s${s}` })));

describe('twoPassStretches', () => {
  it('keeps each sequence whole when it is short, and never joins two sequences', () => {
    const f = frames(3, 1, 2);
    expect(twoPassStretches(f, sequenceOrder(f, 'forward'))).toEqual([[0, 1, 2], [3], [4, 5]]);
  });

  it('cuts a long sequence every `max` frames, the last stretch holding the rest', () => {
    const f = frames(7, 2);
    expect(twoPassStretches(f, sequenceOrder(f, 'forward'), 3)).toEqual([[0, 1, 2], [3, 4, 5], [6], [7, 8]]);
    const long = frames(TWO_PASS_STRETCH * 2 + 1);
    expect(twoPassStretches(long, sequenceOrder(long, 'forward')).map((s) => s.length)).toEqual([TWO_PASS_STRETCH, TWO_PASS_STRETCH, 1]);
  });

  it('follows a range of the list (a pool task), starting its first stretch at the range', () => {
    const f = frames(5, 4);
    expect(twoPassStretches(f, sequenceOrder(f, 'forward', 3, 7), 2)).toEqual([[3, 4], [5, 6]]);
  });
});
