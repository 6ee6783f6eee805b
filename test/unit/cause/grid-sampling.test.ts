import { describe, expect, it } from 'vitest';
import { gatherTokens, sampleGrid, sampledCount } from '../../../main/engine/cause/grid-sampling.js';
import { Prng } from '../../../shared/random.js';

describe('grid sampling', () => {
  it('takes one position per 4×4 window: 40×40 → 100, 23×23 → 25', () => {
    expect(sampledCount(40, 40)).toBe(100);
    expect(sampledCount(23, 23)).toBe(25);
    const rng = new Prng(1);
    const idx = sampleGrid(40, 40, rng);
    const windows = new Set<number>();
    for (const i of idx) windows.add(Math.floor(Math.floor(i / 40) / 4) * 10 + Math.floor((i % 40) / 4));
    expect(windows.size).toBe(100);
  });

  it('drops remainder rows and columns (23×23 samples only the top-left 20×20)', () => {
    const rng = new Prng(2);
    for (let rep = 0; rep < 50; rep++) {
      for (const i of sampleGrid(23, 23, rng)) {
        expect(Math.floor(i / 23)).toBeLessThan(20);
        expect(i % 23).toBeLessThan(20);
      }
    }
  });

  it('rejects grids smaller than 4 per side with a clear error', () => {
    expect(() => sampledCount(3, 40, 'features of x')).toThrow(/features of x: grid 3×40 is smaller than 4×4/);
    expect(() => sampleGrid(40, 2, new Prng(1))).toThrow(/smaller than 4×4/);
  });

  it('is repeatable from the seed and gathers the right tokens', () => {
    const a = sampleGrid(8, 8, new Prng(7));
    const b = sampleGrid(8, 8, new Prng(7));
    expect(Array.from(a)).toEqual(Array.from(b));
    const grid = new Float32Array(64 * 2).map((_, i) => i);
    const out = new Float32Array(4 * 2);
    gatherTokens(grid, 2, a, out, 0);
    expect(out[2]).toBe(a[1]! * 2);
  });
});
