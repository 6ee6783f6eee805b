// Runs a fitted Step 3 variant after Steps 1-2, and counts the dead clusters of any run. The trainer
// trains Steps 1-2 (and, for 'release', its gradient probe); a fitted variant gets a schedule with no
// Step 3 epochs, then K centroids fitted here on the final teacher's outputs of grid-sampled training
// tokens. Deterministic in the seed, so a resumed run (whose final checkpoint returns the same teacher)
// fits the same centroids.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../../../shared/contract/experiments.js';
import type { FeatureSource } from '../features.js';
import { sampledCount } from '../grid-sampling.js';
import { ParamSet } from '../params.js';
import { headSpecFor, teacherSampledOutputs, trainSchedule, type CauseModel } from '../trainer.js';
import { collectProbeTokens } from './probe-tokens.js';
import { clusterUse, type ProbeTokens } from './tokens.js';
import { fitStep3, shiftTeacherOutputs, step3Variant } from './variants.js';

/** The config the trainer runs: a fitted variant needs no Step 3 epochs (its centroids are fitted afterwards). */
export function trainerConfig(config: TrainConfig): TrainConfig {
  return step3Variant(config.step3) === 'release' ? config : { ...config, step3: { ...config.step3, epochs: 0 } };
}

/** Teacher outputs (eval mode) of the fitting tokens, through the trainer's own sampled forward. */
export async function teacherTokens(source: FeatureSource, config: TrainConfig, model: CauseModel): Promise<ProbeTokens> {
  const spec = headSpecFor(config, source);
  const teacher = new ParamSet(model.teacher, false);
  const k = model.clusterbook.length / spec.dim;
  const cb = tf.tensor2d(model.clusterbook, [k, spec.dim]);
  const cbNormT = tf.tidy(() => tf.transpose(tf.div(cb, tf.maximum(tf.norm(cb, 2, 1, true), 1e-12))) as tf.Tensor2D);
  try {
    const { images } = trainSchedule(config, source.count);
    return await collectProbeTokens(images, sampledCount(source.h, source.w), spec.headDim, config.batchSize, config.seed, async (items, rng) => {
      const { out } = await teacherSampledOutputs(source, spec, teacher, cb, cbNormT, items, rng);
      const v = out.dataSync() as Float32Array;
      out.dispose();
      return v;
    });
  } finally {
    teacher.dispose();
    tf.dispose([cb, cbNormT]);
  }
}

export interface Step3Outcome {
  readonly model: CauseModel;
  /** Stored in the run's summary: the variant, clusters used and dead on the fitting tokens, variant facts. */
  readonly summary: Record<string, number | string>;
}

/** After the trainer: fit the variant's centroids (or keep the release probe's), and count dead clusters. */
export async function finishStep3(source: FeatureSource, config: TrainConfig, model: CauseModel, log?: (m: string) => void): Promise<Step3Outcome> {
  const variant = step3Variant(config.step3);
  const K = config.clusters;
  const tokens = await teacherTokens(source, config, model);
  if (variant === 'release') {
    const use = clusterUse(tokens.data, tokens.T, tokens.r, model.centroids, K);
    log?.(`Step 3 (release probe): ${use.used} of ${K} clusters used, ${use.dead} dead, on ${tokens.T} teacher tokens`);
    return { model, summary: { step3Variant: variant, 'step3.clustersUsed': use.used, 'step3.deadClusters': use.dead } };
  }
  const t0 = performance.now();
  const fit = fitStep3(tokens, K, config.seed, config.step3);
  const teacher = fit.shift ? shiftTeacherOutputs(model.teacher, fit.shift) : model.teacher;
  log?.(
    `Step 3 (${variant}${fit.shift ? ', centred' : ''}): ${fit.used} of ${K} clusters used, ${fit.dead} dead, on ${tokens.T} teacher tokens in ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s${Object.entries(fit.info).map(([k, v]) => `, ${k} ${v}`).join('')}`,
  );
  return {
    model: { ...model, teacher, centroids: fit.centroids },
    summary: {
      step3Variant: variant,
      'step3.clustersUsed': fit.used,
      'step3.deadClusters': fit.dead,
      ...Object.fromEntries(Object.entries(fit.info).map(([k, v]) => [`step3.${k}`, v])),
    },
  };
}
