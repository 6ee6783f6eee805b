// The presets' recipes (issue 21, session 8): `fast` uses the recipe chosen on the tuning worlds (k-means
// clusterbook start, strict concept thresholds, Step 3 over-clustering merged by similarity); `reference`
// stays the public release's. Both must validate against the stored-config schema, and the old `fast`
// recipe must stay expressible as overrides (scripts/studies/default-vs-kmeans.json relies on it).
import { describe, expect, it } from 'vitest';
import { parseTrainConfig, presetConfig } from '../../../shared/contract/experiments.js';
import { mergeOverrides, parseVariants } from '../../../main/engine/study/study-plan.js';

describe('preset recipes', () => {
  it('fast: k-means clusterbook, no modularity epochs, thresholds 0.9/0.7, Step 3 over-clustering ×6 by similarity', () => {
    const c = parseTrainConfig(presetConfig('fast', 'cause-mlp', 27, 21), 'fast preset');
    expect(c.step1).toMatchObject({ init: 'kmeans', epochs: 0 });
    expect([c.posThreshold, c.negThreshold]).toEqual([0.9, 0.7]);
    expect(c.step3).toMatchObject({ variant: 'overcluster', overcluster: 6, merge: 'similarity' });
    expect(c.step3.centre).toBeUndefined();
  });

  it('reference keeps the release: uniform clusterbook trained by modularity, thresholds 0.3/0.1, the release probe', () => {
    const c = parseTrainConfig(presetConfig('reference', 'cause-mlp', 27, 21), 'reference preset');
    expect(c.step1.init).toBeUndefined();
    expect(c.step1.epochs).toBeGreaterThan(0);
    expect([c.posThreshold, c.negThreshold]).toEqual([0.3, 0.1]);
    expect(c.step3.variant).toBeUndefined();
  });

  it("the study file's 'release-recipe' variant gives the old fast recipe back over the new preset", () => {
    const variants = parseVariants('scripts/studies/default-vs-kmeans.json');
    expect(variants.map((v) => v.name)).toEqual(['default', 'release-recipe', 'kmeans-features']);
    const old = variants[1]!;
    const merged = parseTrainConfig({ ...presetConfig('fast', 'cause-mlp', 27, 21), ...mergeOverrides('fast', 'cause-mlp', {}, old.overrides) }, 'release-recipe');
    expect(merged.step1).toMatchObject({ init: 'uniform', epochs: 4 });
    expect([merged.posThreshold, merged.negThreshold]).toEqual([0.3, 0.1]);
    expect(merged.step3.variant).toBe('release');
    // The default variant overrides nothing: it is the preset as shipped.
    expect(variants[0]!.overrides).toEqual({});
  });
});
