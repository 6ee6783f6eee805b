// The engine-fallback determinism test: the same seed on onnxruntime and on the forced tfjs path gives
// the same model (within 1e-4) with dropout on, for both heads — every mask comes from the trainer's
// one stream, so a silent fallback to tfjs changes nothing but float rounding.
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import { trainCause, type CauseModel } from '../../../main/engine/cause/trainer.js';
import { plantedFeatures, relErr, tinyConfig } from './fixtures.js';

beforeAll(async () => {
  await initTfBackend('wasm');
});

const flat = (m: CauseModel) => {
  const names = [...m.teacher.keys()].sort();
  const out: number[] = [];
  for (const n of names) out.push(...m.teacher.get(n)!.values);
  return Float32Array.from(out);
};

describe('engine fallback: onnxruntime and tfjs train the same model for the same seed', () => {
  for (const [head, method] of [['MLP', 'cause-mlp'], ['TR', 'cause-tr']] as const) {
    it(`${head} head, dropout 0.1: teacher, clusterbook and centroids within 1e-4`, async () => {
      const src = plantedFeatures(12, 8, 8, 16);
      const config = tinyConfig(method, { dropout: 0.1, step2: { lr: 2e-3, epochs: 2 } });
      const run = async (step2Engine: 'auto' | 'tfjs') => {
        const series: Record<string, number>[] = [];
        const model = await trainCause(src, config, { step2Engine, metrics: (_s, v) => void ('step2.loss' in v && series.push(v)) });
        return { model, series };
      };
      const ort = await run('auto');
      const tfjs = await run('tfjs');
      expect(ort.model.step2Engine).toMatch(/^onnxruntime-/);
      expect(tfjs.model.step2Engine).toBe('tfjs');
      expect(tfjs.model.step3Engine).toBe('tfjs');
      // Same draws: the same plans and bank every step; the loss differs only by rounding.
      expect(ort.series.length).toBe(6);
      ort.series.forEach((v, i) => {
        const w = tfjs.series[i]!;
        for (const k of ['step2.terms', 'step2.posPairs', 'step2.negPairs', 'step2.bankFill']) expect(v[k], k).toBe(w[k]);
        expect(Math.abs(v['step2.loss']! - w['step2.loss']!) / Math.abs(w['step2.loss']!)).toBeLessThan(1e-4);
      });
      expect(relErr(flat(ort.model), flat(tfjs.model))).toBeLessThan(1e-4);
      expect(relErr(ort.model.clusterbook, tfjs.model.clusterbook)).toBeLessThan(1e-4);
      expect(relErr(ort.model.centroids, tfjs.model.centroids)).toBeLessThan(1e-4);
      // Dropout is really on: without it the first step's loss (same parameters, same batch) differs far beyond rounding.
      const offLosses: number[] = [];
      await trainCause(src, { ...config, dropout: 0 }, { metrics: (_s, v) => void ('step2.loss' in v && offLosses.push(v['step2.loss']!)) });
      expect(Math.abs(offLosses[0]! - ort.series[0]!['step2.loss']!) / Math.abs(offLosses[0]!)).toBeGreaterThan(1e-3);
    });
  }

  it('temporal positives move Step 2 to tfjs only when the source knows neighbours', async () => {
    const src = plantedFeatures(8, 8, 8, 16);
    const config = tinyConfig('cause-mlp', { step2: { lr: 2e-3, epochs: 1, temporal: { offset: 1, minSimilarity: 0.6 } } });
    const lone = await trainCause(src, config);
    expect(lone.step2Engine).toMatch(/^onnxruntime-/);
    const sequenced = await trainCause({ ...src, neighbour: (i) => (i + 1) % src.count }, config);
    expect(sequenced.step2Engine).toBe('tfjs');
  });
});
