import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import type { FeatureSource } from '../../../main/engine/cause/features.js';
import { decodeTrainerState, encodeTrainerState } from '../../../main/engine/cause/model-io.js';
import { trainCause, TrainingStopped, type CauseModel, type TrainerState } from '../../../main/engine/cause/trainer.js';
import { plantedFeatures, tinyConfig } from './fixtures.js';

beforeAll(async () => {
  await initTfBackend('wasm');
});

const same = (a: CauseModel, b: CauseModel) => {
  expect(Array.from(b.centroids)).toEqual(Array.from(a.centroids));
  expect(Array.from(b.clusterbook)).toEqual(Array.from(a.clusterbook));
  for (const [k, v] of a.teacher) expect(Array.from(b.teacher.get(k)!.values)).toEqual(Array.from(v.values));
};

describe('CAUSE trainer', () => {
  for (const method of ['cause-mlp', 'cause-tr'] as const) {
    it(`${method}: the tensor count does not grow across steps`, async () => {
      const src = plantedFeatures(12, 8, 8, 16);
      const counts: Record<string, number[]> = {};
      const start = tf.memory().numTensors;
      await trainCause(src, tinyConfig(method, { step2: { lr: 2e-3, epochs: 2 } }), {
        metrics: (_s, v) => {
          const stage = Object.keys(v).find((k) => k.includes('.loss'))!;
          (counts[stage] ??= []).push(tf.memory().numTensors);
        },
      });
      expect(Object.keys(counts).sort()).toEqual(['step1.loss', 'step2.loss', 'step3.loss']);
      for (const series of Object.values(counts)) expect(new Set(series).size).toBe(1);
      expect(tf.memory().numTensors).toBe(start);
    });

    it(`${method}: kill-and-resume equals an uninterrupted run`, async () => {
      const src = plantedFeatures(12, 8, 8, 16);
      // Step 2 long enough that the bank fills and the kill lands mid-stage.
      const config = tinyConfig(method, { step2: { lr: 2e-3, epochs: 2 }, checkpointEvery: 2 });
      const full = await trainCause(src, config);
      let stored: Uint8Array | undefined;
      const save = (s: TrainerState) => {
        stored = encodeTrainerState(s); // through the on-disk encoding, as the job does
      };
      await expect(trainCause(src, config, { saveCheckpoint: save, stopAfterStep: 6 })).rejects.toBeInstanceOf(TrainingStopped);
      const checkpointed = decodeTrainerState(stored!, 'memory');
      expect(checkpointed.globalStep).toBe(6);
      expect(checkpointed.stage).toBe(1); // mid step 2
      expect(checkpointed.bank!.ids.length).toBeGreaterThan(0);
      const resumed = await trainCause(src, config, { saveCheckpoint: save, loadCheckpoint: () => checkpointed });
      same(full, resumed);
    });
  }

  it('reads nothing but feature grids (no label can reach training)', async () => {
    const inner = plantedFeatures(8, 8, 8, 16);
    const allowed = new Set(['count', 'h', 'w', 'dim', 'read']);
    const touched = new Set<string>();
    const guarded = new Proxy(inner, {
      get(target, prop, receiver) {
        if (typeof prop === 'string') touched.add(prop);
        if (typeof prop === 'string' && !allowed.has(prop) && prop !== 'then') throw new Error(`training touched ${prop}`);
        return Reflect.get(target, prop, receiver) as unknown;
      },
    }) as FeatureSource;
    await trainCause(guarded, tinyConfig('cause-mlp'));
    expect(touched.has('truth')).toBe(false);
    // Poisoning the planted truth (what a label would be) changes nothing.
    const a = await trainCause(inner, tinyConfig('cause-mlp'));
    for (const t of inner.truth) t.fill(0);
    const b = await trainCause(inner, tinyConfig('cause-mlp'));
    same(a, b);
  });

  it('the same seed repeats a run; another seed differs', async () => {
    const src = plantedFeatures(8, 8, 8, 16);
    const a = await trainCause(src, tinyConfig('cause-mlp'));
    const b = await trainCause(src, tinyConfig('cause-mlp'));
    same(a, b);
    const c = await trainCause(src, tinyConfig('cause-mlp', { seed: 99 }));
    expect(Array.from(c.centroids)).not.toEqual(Array.from(a.centroids));
  });

  it('metrics carry every loss term, pair counts, bank fill, lr and step time', async () => {
    const names = new Set<string>();
    await trainCause(plantedFeatures(8, 8, 8, 16), tinyConfig('cause-mlp'), {
      metrics: (_s, v) => {
        for (const [k, x] of Object.entries(v)) {
          names.add(k);
          if (!k.endsWith('.loss') || !Number.isNaN(x)) expect(Number.isFinite(x)).toBe(true);
        }
      },
    });
    for (const n of ['step1.loss', 'step1.modularity', 'step2.loss', 'step2.posPairs', 'step2.negPairs', 'step2.bankFill', 'step2.skippedImages', 'step3.loss', 'lr', 'stepMs']) {
      expect(names.has(n)).toBe(true);
    }
  });

  it('cancellation stops between steps and leaves no tensors behind', async () => {
    const start = tf.memory().numTensors;
    let calls = 0;
    const cancelled = trainCause(plantedFeatures(8, 8, 8, 16), tinyConfig('cause-tr'), {
      throwIfCancelled: () => {
        if (++calls > 3) throw new Error('job cancelled');
      },
    });
    await expect(cancelled).rejects.toThrow(/cancelled/);
    expect(calls).toBe(4);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('rejects a grid with nothing to sample before doing any work', async () => {
    await expect(trainCause(plantedFeatures(2, 3, 8, 4), tinyConfig('cause-mlp'))).rejects.toThrow(/smaller than 4×4/);
  });
});
