// The fitted Step 3 variants through the trainer's extension point: each fits K live centroids once on
// the final teacher, counts them in the run's counters, and a run killed inside Step 3 resumes to the
// same model; 'centre' moves the teacher's outputs by their mean.
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import { trainCause, TrainingStopped, type CauseModel, type TrainerState } from '../../../main/engine/cause/trainer.js';
import { trainSchedule } from '../../../main/engine/cause/schedule.js';
import { clusterUse } from '../../../main/engine/cause/step3/tokens.js';
import { step3VariantFor } from '../../../main/engine/cause/steps/step3.js';
import type { TrainConfig } from '../../../shared/contract/experiments.js';
import { plantedFeatures, tinyConfig } from '../cause/fixtures.js';

beforeAll(async () => {
  await initTfBackend('cpu');
});

const source = plantedFeatures(12, 8, 8, 12, 4, 5);
const config = (step3: Partial<TrainConfig['step3']>): TrainConfig => {
  const c = tinyConfig('cause-mlp', { clusters: 4 });
  return { ...c, step3: { ...c.step3, epochs: 2, ...step3 } };
};

describe('fitted Step 3 variants in the trainer', () => {
  it('the config picks the variant; an unknown one is an error', () => {
    expect(step3VariantFor(config({})).name).toBe('probe');
    expect(step3VariantFor(config({ variant: 'balanced' })).name).toBe('balanced');
    expect(() => step3VariantFor(config({ variant: 'nope' as 'kmeans' }))).toThrow(/unknown Step 3 variant/);
  });

  for (const variant of ['kmeans', 'balanced', 'overcluster'] as const) {
    it(`${variant}: K centroids, none dead on the training grid, counted in the run's counters`, async () => {
      const model = await trainCause(source, config({ variant, overcluster: 2 }), { step2Engine: 'tfjs', step1Engine: 'tfjs' });
      expect(model.counters?.step3DeadClusters).toBe(0);
      expect(model.counters?.step3ClustersUsed).toBe(4);
      expect(model.centroids.length).toBe(4 * 8);
    }, 120_000);
  }

  it('a run stopped inside Step 3 (after the fit) resumes to the same model as an unbroken one', async () => {
    const c = config({ variant: 'kmeans', centre: true });
    const unbroken = await trainCause(source, c, { step2Engine: 'tfjs', step1Engine: 'tfjs' });
    const s = trainSchedule(c, source.count);
    const stopAt = s.stageSteps[0] + s.stageSteps[1] + 1;
    let saved: TrainerState | undefined;
    await trainCause(source, c, { step2Engine: 'tfjs', step1Engine: 'tfjs', checkpointEvery: 1, saveCheckpoint: (st) => void (saved = st), stopAfterStep: stopAt }).catch((e: unknown) => {
      if (!(e instanceof TrainingStopped)) throw e;
    });
    expect(saved?.stage).toBe(2);
    const resumed: CauseModel = await trainCause(source, c, { step2Engine: 'tfjs', step1Engine: 'tfjs', loadCheckpoint: () => saved });
    expect([...resumed.centroids]).toEqual([...unbroken.centroids]);
    expect([...resumed.teacher.get('head.f1.b')!.values]).toEqual([...unbroken.teacher.get('head.f1.b')!.values]);
    // centre: the teacher's last bias moved (the release path leaves the teacher as Step 2 left it).
    const plain = await trainCause(source, config({ variant: 'kmeans' }), { step2Engine: 'tfjs', step1Engine: 'tfjs' });
    expect([...unbroken.teacher.get('head.f1.b')!.values]).not.toEqual([...plain.teacher.get('head.f1.b')!.values]);
    const grid = source.read(0);
    expect(clusterUse(grid, 64, 12, new Float32Array(4 * 12).fill(1), 4).dead).toBe(3); // sanity of the counter itself
  }, 240_000);
});
