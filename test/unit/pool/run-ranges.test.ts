// Frame ranges fix task ids: their size depends on the frame count alone, and they cover every frame
// once, in order.
import { describe, expect, it } from 'vitest';
import { frameRanges, rangeSize } from '../../../main/engine/pool/run-ranges.js';

describe('frame ranges for pool tasks', () => {
  it('about eight ranges, between 8 and 200 frames each', () => {
    expect(rangeSize(1)).toBe(8);
    expect(rangeSize(61)).toBe(8);
    expect(rangeSize(100)).toBe(13);
    expect(rangeSize(100_000)).toBe(200);
  });

  it('cover every frame once, in order, each range starting where it says', () => {
    const items = Array.from({ length: 61 }, (_, i) => i);
    const ranges = frameRanges(items);
    expect(ranges.map((r) => r.from)).toEqual([0, 8, 16, 24, 32, 40, 48, 56]);
    expect(ranges.flatMap((r) => r.slice)).toEqual(items);
    for (const r of ranges) expect(r.slice[0]).toBe(r.from);
    expect(frameRanges([])).toEqual([]);
  });
});
