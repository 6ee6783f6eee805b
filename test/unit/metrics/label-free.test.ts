import { describe, expect, it } from 'vitest';
import { LabelFreeAccumulator } from '../../../shared/metrics/label-free.js';
import { TemporalConsistencyAccumulator } from '../../../shared/metrics/temporal-consistency.js';

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

  it('parts primed with the frame before them merge to the bits of one pass (the worker pool splits evaluation so)', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    const frames = Array.from({ length: 9 }, (_, i) => ({
      sequence: i < 5 ? 'a' : 'b',
      clusters: Uint8Array.from({ length: 64 }, () => rnd(4)),
      confidence: Uint16Array.from({ length: 64 }, () => rnd(65536)),
      luma: Uint8Array.from({ length: 64 }, () => 100 + rnd(10)),
      width: 8,
      height: 8,
      labels: Uint8Array.from({ length: 64 }, () => 1 + rnd(2)),
      motion: { u: new Float32Array(64).fill(1), v: new Float32Array(64) },
    }));
    const whole = new LabelFreeAccumulator(4);
    const wholeTc = new TemporalConsistencyAccumulator();
    for (const f of frames) {
      whole.addFrame(f);
      wholeTc.addFrame(f);
    }
    const merged = new LabelFreeAccumulator(4);
    const mergedTc = new TemporalConsistencyAccumulator();
    for (const [from, to] of [[0, 3], [3, 7], [7, 9]] as const) {
      const part = new LabelFreeAccumulator(4);
      const tc = new TemporalConsistencyAccumulator();
      if (from > 0) {
        part.prime(frames[from - 1]!);
        tc.prime(frames[from - 1]!);
      }
      for (const f of frames.slice(from, to)) {
        part.addFrame(f);
        tc.addFrame(f);
      }
      merged.merge(part.state());
      mergedTc.merge(tc.summary());
    }
    expect(merged.summary()).toEqual(whole.summary());
    expect(merged.summary().framePairs).toBe(7);
    expect(mergedTc.summary()).toEqual(wholeTc.summary());
    expect(mergedTc.summary().framePairs).toBe(7);
    // a visitor sees exactly the counted pixels, with their class, change and motion
    let seen = 0;
    let changed = 0;
    const byLabel = new Map<number, number>();
    const visited = new TemporalConsistencyAccumulator(
      (l) => l === 2,
      (l, c, u, v) => {
        seen++;
        if (c) changed++;
        byLabel.set(l, (byLabel.get(l) ?? 0) + 1);
        expect([u, v]).toEqual([1, 0]);
      },
    );
    for (const f of frames) visited.addFrame(f);
    expect(seen).toBe(visited.summary().pixels);
    expect(seen).toBeGreaterThan(0);
    expect(changed).toBe(visited.summary().changed);
    expect([...byLabel.keys()]).toEqual([1]);
  });
});
