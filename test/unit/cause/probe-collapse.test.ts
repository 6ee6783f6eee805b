// The Step 3 cluster probe on a case where the release's uniform(±1/K) start collapses: teacher outputs
// that lie in a narrow cone (a strong component shared by every token), as the studio's heads produce.
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import type { FeatureSource } from '../../../main/engine/cause/features.js';
import { Predictor } from '../../../main/engine/cause/predict.js';
import { kmeansCentroids, ownership, reviveDeadCentroids, uniformInitNorm } from '../../../main/engine/cause/probe.js';
import { Prng } from '../../../shared/random.js';
import { decodeTrainerState, encodeTrainerState } from '../../../main/engine/cause/model-io.js';
import { trainCause, TrainingStopped, type CauseModel, type TrainerState } from '../../../main/engine/cause/trainer.js';
import type { TrainConfig } from '../../../shared/contract/experiments.js';
import { tinyConfig } from './fixtures.js';

beforeAll(async () => {
  await initTfBackend('wasm');
});

/** Images of two classes each (top/bottom), six classes overall, every token = 3·shared + class + noise. */
function coneFeatures(count: number, h: number, w: number, dim: number, classes: number, seed: number): FeatureSource {
  const rng = new Prng(seed);
  const shared = rng.normalArray(dim);
  const protos = Array.from({ length: classes }, () => rng.normalArray(dim));
  const grids: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const g = new Float32Array(h * w * dim);
    const a = i % classes;
    const b = (a + 1 + rng.int(classes - 1)) % classes;
    const split = 2 + rng.int(h - 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = protos[y < split ? a : b]!;
        for (let d = 0; d < dim; d++) g[(y * w + x) * dim + d] = 3 * shared[d]! + p[d]! + 0.3 * rng.normal();
      }
    }
    grids.push(g);
  }
  return { count, h, w, dim, read: (i) => grids[i]! };
}

/** Clusters that own at least one grid position of the source, as inference assigns them (argmax cosine). */
function clustersUsed(model: CauseModel, src: FeatureSource): number {
  const predictor = new Predictor(model, false);
  const K = predictor.clusters;
  const r = model.spec.headDim;
  const owned = new Set<number>();
  try {
    for (let i = 0; i < src.count; i++) {
      const E = predictor.embed(src.read(i), src.h, src.w, src.dim);
      const tokens = E.dataSync() as Float32Array;
      E.dispose();
      const own = ownership(tokens, src.h * src.w, r, model.centroids, K);
      own.owned.forEach((c, k) => {
        if (c > 0) owned.add(k);
      });
    }
  } finally {
    predictor.dispose();
  }
  return owned.size;
}

describe('Step 3 cluster probe', () => {
  const K = 6;
  const src = coneFeatures(24, 16, 16, 16, K, 3);
  // Steps 1-2 skipped: the teacher is the seeded initial head, so only the probe differs between runs.
  const config = (step3: Partial<TrainConfig['step3']>): TrainConfig =>
    tinyConfig('cause-mlp', {
      clusters: K,
      step1: { lr: 4e-3, epochs: 0 },
      step2: { lr: 2e-3, epochs: 0 },
      step3: { lr: 1e-3, epochs: 4, decayEvery: 2, decayFactor: 0.5, ...step3 },
    });

  it('uses more clusters with the k-means start than with the release uniform start, where the latter collapses', async () => {
    const release = await trainCause(src, config({ init: 'uniform' }));
    const kmeansStart = await trainCause(src, config({ init: 'kmeans' }));
    const usedRelease = clustersUsed(release, src);
    const usedKmeans = clustersUsed(kmeansStart, src);
    expect(usedRelease).toBeLessThan(K); // the collapse this case reproduces
    expect(usedKmeans).toBeGreaterThan(usedRelease);
    expect(usedKmeans).toBeGreaterThanOrEqual(K - 1);
  });

  it('revives centroids that own no token and reports them', async () => {
    let revived = 0;
    let lastUsed = 0;
    const model = await trainCause(src, config({ init: 'uniform', reviveDead: true }), {
      metrics: (_s, m) => {
        revived += m['step3.revived'] ?? 0;
        if (m['step3.clustersUsed'] !== undefined) lastUsed = m['step3.clustersUsed'];
      },
    });
    expect(revived).toBeGreaterThan(0);
    expect(lastUsed).toBeGreaterThan(1);
    expect(model.counters?.probeRevived).toBe(revived);
  });

  it('kill-and-resume equals an uninterrupted run with the k-means start and revival (killed before and after the init)', async () => {
    const cfg = tinyConfig('cause-mlp', {
      clusters: K,
      checkpointEvery: 2,
      step3: { lr: 1e-3, epochs: 2, decayEvery: 2, decayFactor: 0.5, init: 'kmeans', reviveDead: true },
    });
    const full = await trainCause(src, cfg);
    const endOfStep2 = 12; // 24 images, batch 4: 6 steps each for steps 1 and 2
    for (const stopAt of [endOfStep2, endOfStep2 + 2]) {
      let stored: TrainerState | undefined;
      const save = (s: TrainerState) => {
        stored = decodeTrainerState(encodeTrainerState(s), 'memory');
      };
      await expect(trainCause(src, cfg, { saveCheckpoint: save, stopAfterStep: stopAt })).rejects.toBeInstanceOf(TrainingStopped);
      expect(stored!.globalStep).toBe(stopAt);
      const resumed = await trainCause(src, cfg, { loadCheckpoint: () => stored });
      expect(Array.from(resumed.centroids)).toEqual(Array.from(full.centroids));
    }
  });

  it('the batch-wide graph trains and is repeatable', async () => {
    const a = await trainCause(src, config({ init: 'kmeans++', graph: 'batch' }));
    const b = await trainCause(src, config({ init: 'kmeans++', graph: 'batch' }));
    expect(Array.from(b.centroids)).toEqual(Array.from(a.centroids));
    expect(a.centroids.every(Number.isFinite)).toBe(true);
  });
});

describe('probe helpers', () => {
  it('re-seeds exactly the centroids that own no token, towards the worst-served tokens', () => {
    const r = 2;
    // Tokens around +x and +y; centroid 2 points away from all of them.
    const tokens = Float32Array.from([1, 0.1, 1, -0.1, 0.1, 1, -0.1, 1, 0.7, 0.7]);
    const centroids = Float32Array.from([1, 0, 0, 1, -1, -1]);
    const before = Array.from(centroids);
    const { revived, usedBefore } = reviveDeadCentroids(tokens, 5, r, centroids, 3);
    expect(usedBefore).toBe(2);
    expect(revived).toBe(1);
    expect(Array.from(centroids.subarray(0, 4))).toEqual(before.slice(0, 4));
    // The token served worst by (1,0) and (0,1) is the diagonal one.
    expect(centroids[4]! / centroids[5]!).toBeCloseTo(1, 5);
    expect(Math.hypot(centroids[4]!, centroids[5]!)).toBeCloseTo(1, 5);
    expect(ownership(tokens, 5, r, centroids, 3).used).toBe(3);
  });

  it('k-means centroids sit on the data at the release initial norm, and too few tokens are refused', () => {
    const rng = new Prng(5);
    const T = 200;
    const r = 4;
    const tokens = rng.normalArray(T * r);
    const c = kmeansCentroids(tokens, T, r, 5, 1, 10);
    for (let k = 0; k < 5; k++) expect(Math.hypot(...c.subarray(k * r, (k + 1) * r))).toBeCloseTo(uniformInitNorm(5, r), 5);
    expect(ownership(tokens, T, r, c, 5).used).toBe(5);
    expect(() => kmeansCentroids(tokens, 3, r, 5, 1, 0)).toThrow(/only 3 sampled tokens .*K = 5/);
  });
});
