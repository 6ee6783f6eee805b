import { beforeAll, describe, expect, it } from 'vitest';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import { trainCause } from '../../../main/engine/cause/trainer.js';
import { parseTrainConfig } from '../../../shared/contract/experiments.js';
import { kmeansClusterbook } from '../../../main/engine/cause/clusterbook-init.js';
import { initialTrainerState } from '../../../main/engine/cause/trainer-state.js';
import { plantedFeatures, tinyConfig } from './fixtures.js';

/** Concepts that own at least one token of the source (nearest by cosine). */
function conceptsUsed(cb: Float32Array, k: number, src: ReturnType<typeof plantedFeatures>): number {
  const D = src.dim;
  const used = new Set<number>();
  for (let i = 0; i < src.count; i++) {
    const g = src.read(i);
    for (let t = 0; t < g.length / D; t++) {
      let [best, bi] = [-Infinity, 0];
      for (let c = 0; c < k; c++) {
        let s = 0;
        let q = 0;
        for (let d = 0; d < D; d++) [s, q] = [s + g[t * D + d]! * cb[c * D + d]!, q + cb[c * D + d]! ** 2];
        s /= Math.sqrt(q) || 1;
        if (s > best) [best, bi] = [s, c];
      }
      used.add(bi);
    }
  }
  return used.size;
}

beforeAll(async () => {
  await initTfBackend('wasm');
});

describe('clusterbook k-means start', () => {
  const src = plantedFeatures(12, 8, 8, 6, 4);

  it('gives unit concepts that own tokens, the same for the same seed, others for another', () => {
    const config = tinyConfig('cause-mlp', { concepts: 4 });
    const a = kmeansClusterbook(src, config);
    expect(a.length).toBe(4 * src.dim);
    for (let c = 0; c < 4; c++) {
      const n = Math.hypot(...a.subarray(c * src.dim, (c + 1) * src.dim));
      expect(n).toBeCloseTo(1, 4);
    }
    expect(conceptsUsed(a, 4, src)).toBe(4);
    expect(kmeansClusterbook(src, config)).toEqual(a);
    expect(kmeansClusterbook(src, { ...config, seed: config.seed + 1 })).not.toEqual(a);
  });

  it("is what the run starts from with step1.init 'kmeans'; absent keeps the release's uniform start", () => {
    const base = tinyConfig('cause-mlp', { concepts: 4 });
    const uniform = initialTrainerState(src, base);
    const km = initialTrainerState(src, { ...base, step1: { ...base.step1, init: 'kmeans' } });
    expect(km.clusterbook.values).toEqual(kmeansClusterbook(src, base));
    expect(Math.max(...uniform.clusterbook.values.map(Math.abs))).toBeLessThanOrEqual(1 / 4);
    // the other seeded parts do not move with the choice
    expect(km.probe!.values).toEqual(uniform.probe!.values);
    expect(km.student!.get('head.f1.w')!.values).toEqual(uniform.student!.get('head.f1.w')!.values);
  });

  it('trains with no modularity epoch: the model keeps the k-means concepts, Steps 2-3 run', async () => {
    const base = tinyConfig('cause-mlp', { concepts: 4 });
    const config = { ...base, step1: { ...base.step1, init: 'kmeans' as const, epochs: 0 } };
    const model = await trainCause(src, config, { step2Engine: 'tfjs' });
    expect(model.clusterbook).toEqual(kmeansClusterbook(src, base));
    expect(model.centroids.every(Number.isFinite)).toBe(true);
  });

  it('refuses a clusterbook larger than the sampled tokens, naming the numbers', () => {
    expect(() => kmeansClusterbook(src, tinyConfig('cause-mlp', { concepts: 16 }), 10)).toThrow(/tokens for k = 16/);
  });

  it('the config schema takes the option and rejects an unknown start', () => {
    const c = tinyConfig('cause-mlp');
    expect(parseTrainConfig({ ...c, step1: { ...c.step1, init: 'kmeans' } }, 't').step1.init).toBe('kmeans');
    expect(() => parseTrainConfig({ ...c, step1: { ...c.step1, init: 'random' } }, 't')).toThrow(/step1.init/);
  });
});
