// The fitted Step 3 variants (k-means, k-means++, balanced, over-cluster + merge) behind the trainer's
// Step 3 extension point (steps/step3.ts). At the stage's first step — the teacher is final only now —
// they read the frozen teacher's outputs of grid-sampled training tokens (their own seed-derived stream,
// so the run's stream and a resume are unaffected), fit the K centroids in one pass, and, with `centre`,
// fold the outputs' mean into the teacher's last bias. Later steps of the stage change nothing: the
// centroids and the teacher are in every checkpoint, so a resumed run never fits twice.
import * as tf from '@tensorflow/tfjs';
import { sampledCount } from '../grid-sampling.js';
import { trainSchedule } from '../schedule.js';
import type { Step3Context, Step3Variant } from '../steps/step3.js';
import { collectProbeTokens } from './probe-tokens.js';
import { fitStep3, type FittedVariant } from './variants.js';

export function fittedVariant(name: FittedVariant): Step3Variant {
  return {
    name,
    async step(s: Step3Context, _items: readonly number[]): Promise<Record<string, number>> {
      const { config, spec, state, source } = s.engine;
      if (s.stageStep > 0) return {};
      const K = config.clusters;
      const r = spec.headDim;
      const t0 = performance.now();
      const { images } = trainSchedule(config, source.count);
      const tokens = await collectProbeTokens(images, sampledCount(source.h, source.w), r, config.batchSize, config.seed, async (items, rng) => {
        const { out } = await s.teacherOutputs(items, rng);
        const v = out.dataSync() as Float32Array;
        out.dispose();
        return v;
      });
      const fit = fitStep3(tokens, K, config.seed, config.step3);
      tf.tidy(() => state.probe.assign(tf.tensor2d(fit.centroids, [K, r])));
      if (fit.shift) {
        const b = state.teacher.get('head.f1.b');
        const shift = fit.shift;
        tf.tidy(() => b.assign(tf.sub(b, tf.tensor1d(shift))));
      }
      state.counters.step3ClustersUsed = fit.used;
      state.counters.step3DeadClusters = fit.dead;
      for (const [k, v] of Object.entries(fit.info)) state.counters[`step3.${k}`] = v;
      s.engine.log?.(
        `Step 3 (${name}${fit.shift ? ', centred' : ''}): ${fit.used} of ${K} clusters used, ${fit.dead} dead, on ${tokens.T} teacher tokens in ` +
          `${((performance.now() - t0) / 1000).toFixed(1)} s${Object.entries(fit.info).map(([k, v]) => `, ${k} ${v}`).join('')}`,
      );
      return { 'step3.clustersUsed': fit.used, 'step3.deadClusters': fit.dead, 'step3.fitTokens': tokens.T };
    },
  };
}
