// The k-means baseline (k-means++, cosine) on the same features, with the same outputs as CAUSE.
// Tokens are grid-sampled like every CAUSE loss, so both methods see the same kind of sample.
import { StudioError } from '../../../shared/contract/errors.js';
import type { TrainConfig } from '../../../shared/contract/experiments.js';
import { kmeans } from '../clustering/kmeans.js';
import type { FeatureSource } from './features.js';
import { gatherTokens, sampleGrid, sampledCount } from './grid-sampling.js';
import type { KmeansModel } from './model-io.js';
import { Prng } from './prng.js';
import { trainSchedule } from './schedule.js';

export function trainKmeans(source: FeatureSource, config: TrainConfig, log?: (m: string) => void): KmeansModel {
  const n = sampledCount(source.h, source.w);
  const { images } = trainSchedule(config, source.count);
  const rng = new Prng(config.seed);
  // As many grid-sampled passes over the images as fit in the token budget (at least one).
  const passes = Math.max(1, Math.floor(config.kmeans.maxTokens / Math.max(1, images.length * n)));
  const perPass = Math.min(images.length, Math.ceil(config.kmeans.maxTokens / n));
  const total = passes * perPass * n;
  const D = source.dim;
  const data = new Float32Array(total * D);
  let row = 0;
  for (let p = 0; p < passes; p++) {
    const order = rng.permutation(images.length);
    for (let j = 0; j < perPass; j++) {
      const idx = sampleGrid(source.h, source.w, rng);
      gatherTokens(source.read(images[order[j]!]!), D, idx, data, row);
      row += n;
    }
  }
  if (row < config.clusters) {
    throw new StudioError('invalid_input', `k-means: only ${row} sampled tokens for K = ${config.clusters} clusters; use more images or fewer clusters`);
  }
  log?.(`k-means: ${row} tokens × ${D} dims, K = ${config.clusters}`);
  const r = kmeans(data, row, D, { k: config.clusters, metric: 'cosine', seed: config.seed, maxIterations: config.kmeans.maxIterations });
  log?.(`k-means: ${r.iterations} iterations, converged ${r.converged}, inertia ${r.inertia.toFixed(3)}`);
  return { method: 'kmeans', grid: { h: source.h, w: source.w }, dim: D, centroids: r.centroids, clusters: config.clusters };
}
