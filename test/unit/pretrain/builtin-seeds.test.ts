// The worlds behind builtin-vit's figures stay apart: it pretrains on one set, a candidate is chosen on
// another (labelled scores), and the figures are reported on a third that neither touched nor any
// training preset was tuned on.
import { describe, expect, it } from 'vitest';
import { BUILTIN_REPORT_WORLD_SEEDS, BUILTIN_TUNING_WORLD_SEEDS, BUILTIN_WORLD_SEEDS } from '../../../main/engine/pretrain/builtin-recipe.js';
import { tuningWorldSeeds } from '../../../main/engine/cause/tuning.js';

describe('builtin-vit world seeds', () => {
  it('pretraining, tuning and reporting worlds are disjoint, and none is a preset tuning world', () => {
    const sets: [string, readonly number[]][] = [
      ['pretraining', BUILTIN_WORLD_SEEDS],
      ['tuning', BUILTIN_TUNING_WORLD_SEEDS],
      ['reporting', BUILTIN_REPORT_WORLD_SEEDS],
    ];
    for (const [a, sa] of sets) for (const [b, sb] of sets) if (a < b) expect(sa.filter((s) => sb.includes(s)), `${a} ∩ ${b}`).toEqual([]);
    const presets = tuningWorldSeeds();
    for (const [name, s] of sets) expect(s.filter((x) => presets.has(x)), `${name} ∩ preset tuning worlds`).toEqual([]);
  });
});
