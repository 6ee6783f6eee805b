// The one PRNG module keeps every pinned stream: the values below were produced by the three former
// implementations (cause/prng.ts' sfc32, shared/random.ts' mulberry32, synth/noise.ts' Rng and hash3)
// before they were merged, so a change to any generator's sequence fails here first.
import { describe, expect, it } from 'vitest';
import { hash3, mulberry32, Prng, Rng } from '../../../shared/random.js';

describe('shared/random', () => {
  it('Prng (sfc32) repeats the trainer stream, its seeding and its state round trip', () => {
    const p = new Prng(42);
    expect(p.state()).toEqual([525187462, 1481333944, 1177879824, 3317318729]);
    expect(Array.from({ length: 4 }, () => p.nextUint32())).toEqual([1028872839, 2516511472, 400437680, 853279530]);
    expect(Array.from(new Prng(7).permutation(8))).toEqual([0, 6, 3, 7, 4, 5, 2, 1]);
    expect(new Prng(3).normal()).toBe(-0.8321422937600136);
    const resumed = new Prng(p.state());
    expect(resumed.nextUint32()).toBe(p.nextUint32());
  });

  it('Rng and mulberry32 are the same mulberry32 sequence, with the world helpers unchanged', () => {
    const r = new Rng(42);
    expect([r.next(), r.int(0, 100), r.range(-1, 1), r.chance(0.5), r.pick(['x', 'y', 'z']), r.weighted([['a', 1], ['b', 3]] as const)]).toEqual([
      0.6011037519201636, 45, 0.7049315869808197, false, 'x', 'b',
    ]);
    expect(new Rng(42).fork(9).next()).toBe(0.061723801074549556);
    const m = mulberry32(42);
    expect([m(), m()]).toEqual([0.6011037519201636, 0.44829055899754167]);
  });

  it('hash3 mixes as before', () => {
    expect([hash3(1, 2, 3), hash3(-5, 0x7fffffff, 12345)]).toEqual([4045702151, 1683581005]);
  });
});
