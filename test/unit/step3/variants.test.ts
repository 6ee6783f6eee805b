// The fitted Step 3 variants on teacher-like tokens: blobs of unequal size inside a narrow cone (a
// shared direction every token carries), grouped by image as the trainer collects them.
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../shared/random.js';
import { balancedProbe, sinkhornAssign } from '../../../main/engine/cause/step3/balanced.js';
import { kmeansProbe } from '../../../main/engine/cause/step3/kmeans.js';
import { agglomerate, modularityStats, overclusterMerge } from '../../../main/engine/cause/step3/overcluster-merge.js';
import { argmaxCosine, clusterUse, unitRows, type ProbeTokens } from '../../../main/engine/cause/step3/tokens.js';
import { fitStep3, shiftTeacherOutputs } from '../../../main/engine/cause/step3/variants.js';
import { collectProbeTokens } from '../../../main/engine/cause/step3/probe-tokens.js';

/** `sizes[c]` tokens of class c per image, each = 3·shared + proto_c + noise; labels returned for checks only. */
function coneTokens(sizes: number[], images: number, r: number, seed: number, noise = 0.25): { tokens: ProbeTokens; labels: Int32Array } {
  const rng = new Prng(seed);
  const shared = rng.normalArray(r);
  const protos = sizes.map(() => rng.normalArray(r));
  const perImage = sizes.reduce((a, b) => a + b, 0);
  const T = images * perImage;
  const data = new Float32Array(T * r);
  const labels = new Int32Array(T);
  let t = 0;
  for (let b = 0; b < images; b++)
    sizes.forEach((n, c) => {
      for (let i = 0; i < n; i++, t++) {
        labels[t] = c;
        for (let j = 0; j < r; j++) data[t * r + j] = 3 * shared[j]! + protos[c]![j]! + noise * rng.normal();
      }
    });
  return { tokens: { data, T, r, perImage }, labels };
}

/** Share of tokens whose cluster's majority class is their class, and how many classes own a cluster majority. */
function purity(assign: Int32Array, labels: Int32Array, K: number, C: number): { purity: number; classesFound: number } {
  const tab = new Int32Array(K * C);
  for (let t = 0; t < assign.length; t++) tab[assign[t]! * C + labels[t]!]!++;
  let pure = 0;
  const found = new Set<number>();
  for (let k = 0; k < K; k++) {
    let best = 0;
    let bc = -1;
    for (let c = 0; c < C; c++) if (tab[k * C + c]! > best) [best, bc] = [tab[k * C + c]!, c];
    pure += best;
    if (bc >= 0) found.add(bc);
  }
  return { purity: pure / assign.length, classesFound: found.size };
}

const assignOf = (tokens: ProbeTokens, centroids: Float32Array, K: number) =>
  argmaxCosine(unitRows(tokens.data, tokens.T, tokens.r), tokens.T, tokens.r, unitRows(centroids, K, tokens.r), K);

describe('Step 3 fitted variants', () => {
  const sizes = [40, 25, 12, 8, 5, 3, 3, 2, 1, 1];
  const K = sizes.length;
  const { tokens, labels } = coneTokens(sizes, 20, 16, 3);

  it('k-means on the teacher outputs finds every class of a cone (no dead clusters)', () => {
    const fit = kmeansProbe(tokens.data, tokens.T, tokens.r, K, 1, 100);
    const use = clusterUse(tokens.data, tokens.T, tokens.r, fit.centroids, K);
    expect(use.dead).toBe(0);
    expect(purity(assignOf(tokens, fit.centroids, K), labels, K, K).purity).toBeGreaterThan(0.9);
  });

  it('Sinkhorn scaling with λ = 1 equalises the cluster masses; λ → 0 leaves the softmax alone', () => {
    const x = unitRows(tokens.data, tokens.T, tokens.r);
    const c = kmeansProbe(tokens.data, tokens.T, tokens.r, K, 1, 0).centroids;
    const mass = (Q: Float64Array) => {
      const m = new Float64Array(K);
      for (let t = 0; t < tokens.T; t++) for (let k = 0; k < K; k++) m[k]! += Q[t * K + k]!;
      return m;
    };
    const balanced = mass(sinkhornAssign(x, tokens.T, tokens.r, c, K, 0.05, 1, 50));
    for (const m of balanced) expect(m).toBeCloseTo(tokens.T / K, 0);
    const free = mass(sinkhornAssign(x, tokens.T, tokens.r, c, K, 0.05, 1e-9, 50));
    expect(Math.max(...free) / Math.min(...free)).toBeGreaterThan(3);
  });

  it('the balanced assignment gives every centroid tokens, keeps separated classes, and evens out overlapping ones', () => {
    const spread = (s: Int32Array) => Math.max(...s) / Math.max(1, Math.min(...s));
    const cb = balancedProbe(tokens.data, tokens.T, tokens.r, K, { seed: 1, balance: 1 });
    expect(clusterUse(tokens.data, tokens.T, tokens.r, cb, K).dead).toBe(0);
    expect(purity(assignOf(tokens, cb, K), labels, K, K).purity).toBeGreaterThan(0.9);
    // Heavily overlapping classes: k-means sizes follow the density; the balanced ones are closer to equal.
    const blur = coneTokens(sizes, 20, 16, 3, 3).tokens;
    const ub = clusterUse(blur.data, blur.T, blur.r, balancedProbe(blur.data, blur.T, blur.r, K, { seed: 1, balance: 1 }), K);
    const uk = clusterUse(blur.data, blur.T, blur.r, kmeansProbe(blur.data, blur.T, blur.r, K, 1, 100).centroids, K);
    expect(ub.dead).toBe(0);
    expect(spread(ub.sizes)).toBeLessThan(spread(uk.sizes));
  });

  it('agglomerate merges to exactly K groups numbered 0..K-1, best pair first', () => {
    const v = [0, 0.1, 5, 5.2, 9];
    const groupOf = agglomerate(v.length, 3, (a, b) => -Math.abs(v[a]! - v[b]!), () => undefined);
    expect([...groupOf]).toEqual([0, 0, 1, 1, 2]);
  });

  it('the modularity merge statistics give the hard-modularity gain of a merge (checked by brute force)', () => {
    const small = coneTokens([4, 3, 2], 3, 6, 9, 0.8).tokens;
    const x = unitRows(small.data, small.T, small.r);
    const n = 5;
    const assign = Int32Array.from({ length: small.T }, (_, t) => (t * 7) % n);
    const hardQ = (l: Int32Array) => {
      let q = 0;
      const B = small.T / small.perImage;
      for (let b = 0; b < B; b++) {
        const o = b * small.perImage;
        const A = (i: number, j: number) => {
          if (i === j) return 0;
          let s = 0;
          for (let d = 0; d < small.r; d++) s += x[(o + i) * small.r + d]! * x[(o + j) * small.r + d]!;
          return Math.max(0, s);
        };
        const deg = Array.from({ length: small.perImage }, (_, i) => Array.from({ length: small.perImage }, (_, j) => A(i, j)).reduce((a, v) => a + v, 0));
        const e = deg.reduce((a, v) => a + v, 0);
        let s = 0;
        for (let i = 0; i < small.perImage; i++) for (let j = 0; j < small.perImage; j++) if (l[o + i] === l[o + j]) s += A(i, j) - (deg[i]! * deg[j]!) / e;
        q += s / e;
      }
      return q / B;
    };
    const { M, P } = modularityStats(x, small.perImage, small.r, assign, n);
    const merged = assign.map((a) => (a === 3 ? 1 : a));
    const gain = M[1 * n + 3]! + M[3 * n + 1]! - (P[1 * n + 3]! + P[3 * n + 1]!);
    expect(hardQ(merged) - hardQ(assign)).toBeCloseTo(gain, 6);
  });

  for (const merge of ['similarity', 'modularity'] as const) {
    it(`over-clustering then merging by ${merge} keeps every group within one class and finds most classes`, () => {
      const fit = overclusterMerge(tokens, K, { seed: 2, factor: 3, merge });
      expect(fit.overclusters).toBe(3 * K);
      expect(new Set(fit.groupOf).size).toBe(K);
      const p = purity(assignOf(tokens, fit.centroids, K), labels, K, K);
      expect(p.purity).toBeGreaterThan(0.85);
      expect(p.classesFound).toBeGreaterThanOrEqual(K - 3);
    });
  }

  it('fitStep3 with centre returns the mean as the shift and fits in the centred space; the teacher bias absorbs it', () => {
    const fit = fitStep3(tokens, K, 1, { lr: 1e-3, epochs: 1, decayEvery: 1, decayFactor: 1, variant: 'kmeans', centre: true });
    expect(fit.shift).not.toBeNull();
    const mu = new Float64Array(tokens.r);
    for (let t = 0; t < tokens.T; t++) for (let j = 0; j < tokens.r; j++) mu[j]! += tokens.data[t * tokens.r + j]! / tokens.T;
    fit.shift!.forEach((v, j) => expect(v).toBeCloseTo(mu[j]!, 4));
    expect(fit.dead).toBe(0);
    const teacher = new Map([['head.f1.b', { shape: [tokens.r], values: new Float32Array(tokens.r).fill(1) }]]);
    const shifted = shiftTeacherOutputs(teacher, fit.shift!);
    expect(shifted.get('head.f1.b')!.values[0]).toBeCloseTo(1 - mu[0]!, 4);
    expect(teacher.get('head.f1.b')!.values[0]).toBe(1);
    expect(() => fitStep3(tokens, K, 1, { lr: 1e-3, epochs: 1, decayEvery: 1, decayFactor: 1 })).toThrow(/release/);
  });

  it('a dead cluster is counted: a centroid opposite every token owns none', () => {
    const c = kmeansProbe(tokens.data, tokens.T, tokens.r, K, 1, 10).centroids;
    const withDead = new Float32Array((K + 1) * tokens.r);
    withDead.set(c);
    const mu = new Float32Array(tokens.r);
    for (let t = 0; t < tokens.T; t++) for (let j = 0; j < tokens.r; j++) mu[j]! -= tokens.data[t * tokens.r + j]!;
    withDead.set(mu, K * tokens.r);
    const use = clusterUse(tokens.data, tokens.T, tokens.r, withDead, K + 1);
    expect(use.dead).toBe(1);
    expect(use.sizes[K]).toBe(0);
  });

  it('too few tokens for K is a clear error', () => {
    expect(() => kmeansProbe(tokens.data.subarray(0, 5 * tokens.r), 5, tokens.r, K, 1, 10)).toThrow(/only 5 sampled tokens/);
  });

  it('collectProbeTokens reads the same tokens for the same seed, in passes up to the budget', async () => {
    const images = Int32Array.from([0, 3, 6]);
    const calls: number[][] = [];
    const forward = async (items: number[], rng: Prng) => {
      calls.push(items);
      return Float32Array.from({ length: items.length * 4 * 2 }, () => rng.next());
    };
    const a = await collectProbeTokens(images, 4, 2, 2, 5, forward, 30);
    const b = await collectProbeTokens(images, 4, 2, 2, 5, forward, 30);
    expect(a.T).toBe(2 * 3 * 4); // ⌊30 / 12⌋ = 2 passes over 3 images of 4 tokens
    expect(a.perImage).toBe(4);
    expect([...a.data]).toEqual([...b.data]);
    expect(calls[0]).toEqual([0, 3]);
  });
});
