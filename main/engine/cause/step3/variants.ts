// Step 3 variants that fit the K clusters in one pass on the frozen teacher's outputs (everything but
// the release's gradient-trained probe, which stays in the trainer as the reference). One entry point so
// the trainer, the diagnostics and the tests run the same code.
import type { Step3Variant, TrainConfig } from '../../../../shared/contract/experiments.js';
import { balancedProbe } from './balanced.js';
import { kmeansProbe, STEP3_KMEANS_ITERATIONS } from './kmeans.js';
import { overclusterMerge } from './overcluster-merge.js';
import { clusterUse, meanRow, subtractRow, type ProbeTokens } from './tokens.js';

export type FittedVariant = Exclude<Step3Variant, 'release'>;

export interface Step3Fit {
  readonly variant: FittedVariant;
  /** K × r centroids (unit rows), in the space of the (centred, when `shift`) teacher outputs. */
  readonly centroids: Float32Array;
  /** With `centre`: the mean teacher output to subtract at inference (folded into the teacher's last bias). */
  readonly shift: Float32Array | null;
  /** Clusters that own at least one fitting token / that own none. */
  readonly used: number;
  readonly dead: number;
  /** Variant facts for the run's summary (over-clusters, iterations). */
  readonly info: Readonly<Record<string, number>>;
}

export function step3Variant(step3: TrainConfig['step3']): Step3Variant {
  return step3.variant ?? 'release';
}

export function fitStep3(tokens: ProbeTokens, K: number, seed: number, step3: TrainConfig['step3']): Step3Fit {
  const variant = step3Variant(step3);
  if (variant === 'release') throw new Error("fitStep3: the 'release' probe is trained by the trainer, not fitted");
  const { T, r } = tokens;
  const shift = step3.centre ? meanRow(tokens.data, T, r) : null;
  const data = shift ? subtractRow(tokens.data, T, r, shift) : tokens.data;
  let centroids: Float32Array;
  const info: Record<string, number> = {};
  if (variant === 'kmeans' || variant === 'kmeans++') {
    const fit = kmeansProbe(data, T, r, K, seed, variant === 'kmeans' ? STEP3_KMEANS_ITERATIONS : 0);
    centroids = fit.centroids;
    info.iterations = fit.iterations;
  } else if (variant === 'balanced') {
    centroids = balancedProbe(data, T, r, K, { seed, ...(step3.balance !== undefined ? { balance: step3.balance } : {}) });
  } else {
    const fit = overclusterMerge({ ...tokens, data }, K, {
      seed,
      ...(step3.overcluster !== undefined ? { factor: step3.overcluster } : {}),
      ...(step3.merge ? { merge: step3.merge } : {}),
      ...(step3.resolution !== undefined ? { resolution: step3.resolution } : {}),
    });
    centroids = fit.centroids;
    info.overclusters = fit.overclusters;
  }
  const use = clusterUse(data, T, r, centroids, K);
  return { variant, centroids, shift, used: use.used, dead: use.dead, info };
}

/**
 * The teacher with `shift` subtracted from its outputs: the head's output is f1(x) + f2(x), so moving
 * f1's bias moves every output (and the flip average) by the same vector. Returns a new map.
 */
export function shiftTeacherOutputs<P extends { shape: number[]; values: Float32Array }>(teacher: ReadonlyMap<string, P>, shift: Float32Array): Map<string, P> {
  const out = new Map(teacher);
  const b = teacher.get('head.f1.b');
  if (!b || b.values.length !== shift.length) throw new Error(`teacher has no head.f1.b of ${shift.length} values to centre`);
  out.set('head.f1.b', { ...b, values: b.values.map((v, j) => v - shift[j]!) });
  return out;
}
