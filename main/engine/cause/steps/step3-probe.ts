// The release's Step 3: a cluster probe (K centroids) trained by the modularity loss on the frozen
// teacher's outputs of grid-sampled tokens, with the studio's options (init from the teacher, dead
// centroid revival, one graph per batch).
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../../../shared/contract/experiments.js';
import { sampledCount } from '../grid-sampling.js';
import { disposeGraph, modularityGraph, modularityLoss } from '../modularity.js';
import { Prng } from '../prng.js';
import { kmeansCentroids, ownership, PROBE_INIT_ITERATIONS, reviveDeadCentroids } from '../probe.js';
import { trainSchedule } from '../schedule.js';
import type { Step3Context, Step3Variant } from './step3.js';

/** Tokens the probe's k-means initialisation reads at most (grid-sampled, evenly spread over the images). */
const PROBE_INIT_TOKENS = 20_000;

export const releaseProbe: Step3Variant = {
  name: 'probe',
  async step(s: Step3Context, items: readonly number[]): Promise<Record<string, number>> {
    const { config, spec, state } = s.engine;
    const adam = state.adam!;
    const B = items.length;
    const K = config.clusters;
    const r = spec.headDim;
    const epoch = Math.floor(s.stageStep / s.stepsPerEpoch);
    adam.lr = config.step3.lr * Math.pow(config.step3.decayFactor, Math.floor(epoch / config.step3.decayEvery));
    const init = config.step3.init ?? 'uniform';
    // Studio: centroids start on the trained teacher's outputs. Done at the stage's first step (the teacher
    // is final only now), so a run resumed from a step-2 checkpoint initialises exactly as an unbroken one.
    if (s.stageStep === 0 && init !== 'uniform') {
      const values = await probeInitFromTeacher(s, config, init === 'kmeans' ? PROBE_INIT_ITERATIONS : 0);
      tf.tidy(() => state.probe.assign(tf.tensor2d(values, [K, r])));
    }
    // The head is frozen here: its outputs are constants and only the centroids learn.
    const { out, n } = await s.teacherOutputs(items, state.rng);
    try {
      const tokens = out.dataSync() as Float32Array;
      const T = B * n;
      let revived = 0;
      let used: number;
      if (config.step3.reviveDead) {
        const centroids = Float32Array.from(state.probe.dataSync() as Float32Array);
        const rv = reviveDeadCentroids(tokens, T, r, centroids, K);
        used = rv.usedBefore;
        revived = rv.revived;
        if (revived > 0) tf.tidy(() => state.probe.assign(tf.tensor2d(centroids, [K, r])));
      } else used = ownership(tokens, T, r, state.probe.dataSync() as Float32Array, K).used;
      state.counters.probeRevived = (state.counters.probeRevived ?? 0) + revived;
      // Studio option: one graph over every sampled token of the step, so communities are found across
      // images rather than within each image's 100 tokens (the release builds it per image).
      const [gB, gn] = config.step3.graph === 'batch' ? [1, T] : [B, n];
      return tf.tidy(() => {
        const g = modularityGraph(out.reshape([gB, gn, r]) as tf.Tensor3D);
        const P = state.probe as unknown as tf.Tensor2D;
        const { value, grads } = tf.variableGrads(() => modularityLoss(g, P, config.tau, gB, gn), [state.probe]);
        const loss = value.dataSync()[0]!;
        const gradNorm = adam.apply(grads, null);
        disposeGraph(g);
        return {
          'step3.loss': loss,
          'step3.modularity': -loss,
          'step3.gradNorm': gradNorm,
          'step3.clustersUsed': used,
          'step3.revived': revived,
          lr: adam.lr,
        };
      });
    } finally {
      out.dispose();
    }
  },
};

/**
 * Studio: K centroids by k-means++ (cosine) on the frozen teacher's outputs of grid-sampled tokens of the
 * training images — label-free, the same inputs the modularity loss sees. Its own PRNG stream, so the
 * release path's draws are unchanged.
 */
async function probeInitFromTeacher(s: Step3Context, config: TrainConfig, iterations: number): Promise<Float32Array> {
  const { source, spec } = s.engine;
  const { images } = trainSchedule(config, source.count);
  const n = sampledCount(source.h, source.w);
  const take = Math.min(images.length, Math.max(1, Math.ceil(PROBE_INIT_TOKENS / n)));
  const picked: number[] = [];
  for (let i = 0; i < take; i++) picked.push(images[Math.floor((i * images.length) / take)]!);
  const rng = new Prng((config.seed ^ 0x85ebca6b) >>> 0);
  const r = spec.headDim;
  const data = new Float32Array(take * n * r);
  for (let i = 0; i < take; i += config.batchSize) {
    const { out } = await s.teacherOutputs(picked.slice(i, i + config.batchSize), rng);
    data.set(out.dataSync() as Float32Array, i * n * r);
    out.dispose();
  }
  return kmeansCentroids(data, take * n, r, config.clusters, config.seed, iterations);
}
