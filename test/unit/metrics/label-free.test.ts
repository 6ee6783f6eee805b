import { describe, expect, it } from 'vitest';
import { LabelFreeAccumulator } from '../../../shared/metrics/label-free.js';

describe('LabelFreeAccumulator', () => {
  it('computes pixel shares and mean confidence per cluster', () => {
    const acc = new LabelFreeAccumulator(3);
    acc.addFrame({ sequence: 's', clusters: Uint8Array.from([0, 0, 1, 1]), confidence: Float32Array.from([1, 0.5, 0.25, 0.75]) });
    acc.addFrame({ sequence: 's', clusters: Uint8Array.from([0, 1, 1, 1]), confidence: Uint8Array.from([0, 255, 255, 255]) });
    const s = acc.summary();
    expect(Array.from(s.pixelShare)).toEqual([3 / 8, 5 / 8, 0]);
    expect(s.meanConfidence[0]).toBeCloseTo(0.5, 12);
    expect(s.meanConfidence[1]).toBeCloseTo((0.25 + 0.75 + 3) / 5, 12);
    expect(Number.isNaN(s.meanConfidence[2]!)).toBe(true);
    expect(s.usedClusters).toBe(2);
    // No luma given: flicker cannot be measured.
    expect(s.framePairs).toBe(0);
    expect(Number.isNaN(s.flickerStatic)).toBe(true);
  });

  it('measures flicker on static pixels only, within a sequence', () => {
    const acc = new LabelFreeAccumulator(2, { staticThreshold: 5 });
    const luma1 = Uint8Array.from([10, 10, 10, 10]);
    const luma2 = Uint8Array.from([12, 10, 200, 200]); // pixels 2 and 3 moved
    acc.addFrame({ sequence: 's', clusters: Uint8Array.from([0, 0, 1, 1]), luma: luma1 });
    // pixel 0 (static) changes 0→1; pixel 2 (moving) changes 1→0; pixels 1 and 3 keep their cluster.
    acc.addFrame({ sequence: 's', clusters: Uint8Array.from([1, 0, 0, 1]), luma: luma2 });
    // A new sequence: no pair with the previous frame.
    acc.addFrame({ sequence: 't', clusters: Uint8Array.from([1, 1, 1, 1]), luma: luma1 });
    const s = acc.summary();
    expect(s.framePairs).toBe(1);
    expect(s.staticPixels).toBe(2);
    expect(s.flickerStatic).toBe(0.5);
    expect(s.flickerAll).toBe(0.5);
    expect(s.flickerStaticPerCluster[0]).toBe(0.5);
    expect(Number.isNaN(s.flickerStaticPerCluster[1]!)).toBe(true);
  });

  it('rejects a cluster id beyond K', () => {
    const acc = new LabelFreeAccumulator(2);
    expect(() => acc.addFrame({ sequence: 's', clusters: Uint8Array.from([3]) })).toThrow(/K = 2/);
  });
});
