// Step 1's clusterbook start (Studio, label-free). 'uniform' (±1/k, the release) leaves modularity to
// find the concepts; on small driving worlds it collapses them: with the fast preset's k = 256, the
// builtin backbone's tokens end on 5 concepts (3.6 effective) and builtin-vit's on 22 (7.9 effective,
// half their pairs above the positive threshold), so Step 2's concept-aware positives are a 4-8-way
// partition and the head learns to forget everything finer (scripts/step2-lever.ts). 'kmeans' starts
// from k-means (k-means++, cosine) on grid-sampled tokens, so every concept owns tokens from the start;
// Step 1's modularity epochs then refine it (0 epochs keeps the k-means concepts).
import type { TrainConfig } from '../../../shared/contract/experiments.js';
import { Prng } from '../../../shared/random.js';
import { kmeans } from '../clustering/kmeans.js';
import type { FeatureSource } from './features.js';
import { gatherTokens, sampleGrid, sampledCount } from './grid-sampling.js';
import { trainedItemIndices } from './schedule.js';

/** Tokens the k-means start reads at most (about 40 per concept at k = 256). */
export const CLUSTERBOOK_KMEANS_TOKENS = 12_000;
/** Lloyd iterations: the start only has to give every concept its own tokens, not converge. */
export const CLUSTERBOOK_KMEANS_ITERATIONS = 20;

/** k × D unit rows: k-means on grid-sampled tokens of the training items, from a seed-derived stream. */
export function kmeansClusterbook(source: FeatureSource, config: Pick<TrainConfig, 'concepts' | 'seed' | 'maxImages'>, budget = CLUSTERBOOK_KMEANS_TOKENS): Float32Array {
  const k = config.concepts;
  const D = source.dim;
  const n = sampledCount(source.h, source.w);
  const images = trainedItemIndices(source.count, config.maxImages);
  // Its own stream: the run's stream (grid samples, masks) is unchanged by the choice of start.
  const rng = new Prng((config.seed ^ 0x3c6ef372) >>> 0);
  const passes = Math.max(1, Math.floor(budget / Math.max(1, images.length * n)));
  const perPass = Math.min(images.length, Math.ceil(budget / n));
  const total = passes * perPass * n;
  if (total < k) throw new Error(`clusterbook k-means start: ${total} sampled tokens for k = ${k} concepts; use fewer concepts or more images`);
  const data = new Float32Array(total * D);
  let row = 0;
  for (let p = 0; p < passes; p++) {
    const order = rng.permutation(images.length);
    for (let j = 0; j < perPass; j++) {
      gatherTokens(source.read(images[order[j]!]!), D, sampleGrid(source.h, source.w, rng), data, row);
      row += n;
    }
  }
  return kmeans(data, row, D, { k, metric: 'cosine', seed: config.seed, maxIterations: CLUSTERBOOK_KMEANS_ITERATIONS, trials: 1 }).centroids;
}
