// The Step 2 loss options (hard negatives, debiased / hardness-weighted negatives, triplet) in the
// onnxruntime graph against their tfjs oracle (contrastive.ts, differentiated by tfjs), and a finite-
// difference check of each independent of tfjs. The options live in the contrastive part both heads
// share (step2-graph-common.ts), so the MLP graph carries them here; one TR case checks the plumbing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import { assignConcepts, conceptVectors, pairMasks, type PairMasks } from '../../../main/engine/cause/concepts.js';
import { contrastiveSum, hardestNegatives, planContrastive } from '../../../main/engine/cause/contrastive.js';
import { headForward, initHeadParams, project, type HeadSpec } from '../../../main/engine/cause/heads.js';
import { l2normalize } from '../../../main/engine/cause/ops.js';
import { ParamSet } from '../../../main/engine/cause/params.js';
import { Prng } from '../../../shared/random.js';
import { paramShape, MLP_PARAMS, type MlpParamName } from '../../../main/engine/cause/ort/mlp-step2-graph.js';
import { MlpStep2Graph, type MlpStep2Inputs } from '../../../main/engine/cause/ort/mlp-step2.js';
import { isReleaseLoss, resolveStep2Loss, RELEASE_STEP2_LOSS, step2LossLabel, type Step2Loss } from '../../../shared/contract/step2-loss.js';
import { trainCause } from '../../../main/engine/cause/trainer.js';
import type { TrainConfig } from '../../../shared/contract/experiments.js';
import { normRows, plantedFeatures, relErr, tinyConfig, toHost } from './fixtures.js';

const D = 12;
const r = 6;
const p = 10;
const k = 6;
const n = 5;
const B = 3;
const T = B * n;
const temperature = 0.07;

const headSpec: HeadSpec = { kind: 'mlp', dim: D, headDim: r, projDim: p, ffnDim: 8, gridTokens: 16, dropout: 0 };
const loss = (l: Partial<Step2Loss>): Step2Loss => ({ ...RELEASE_STEP2_LOSS, ...l });

const OPTIONS: [string, Step2Loss][] = [
  ['hard negatives, count 3', loss({ hardNegatives: { count: 3 } })],
  ['hard negatives, fraction 0.3', loss({ hardNegatives: { fraction: 0.3 } })],
  ['debiased τ+ 0.1', loss({ tauPlus: 0.1 })],
  ['debiased τ+ 0.9', loss({ tauPlus: 0.9 })],
  ['hardness-weighted β 1, τ+ 0.1', loss({ tauPlus: 0.1, beta: 1 })],
  ['debiased + hard count 4', loss({ tauPlus: 0.2, beta: 0.5, hardNegatives: { count: 4 } })],
  ['triplet margin 0.3', loss({ kind: 'triplet', margin: 0.3 })],
  ['triplet, hardest negative (count 1)', loss({ kind: 'triplet', margin: 0.5, hardNegatives: { count: 1 } })],
];

const graphs: MlpStep2Graph[] = [];
beforeAll(async () => {
  await initTfBackend('cpu');
});
afterAll(async () => {
  for (const g of graphs) await g.release();
});

interface Case {
  readonly cbNorm: Float32Array;
  readonly inputs: MlpStep2Inputs;
}

function makeCase(seed: number, bankRows: number): Case {
  const rng = new Prng(seed);
  const cbNorm = normRows(rng.normalArray(k * D), D);
  const tokens = rng.normalArray(T * D);
  const ids = Int32Array.from({ length: bankRows }, () => rng.int(k));
  const rows = normRows(rng.normalArray(bankRows * p), p);
  const student = toHost(initHeadParams(headSpec, new Prng(seed + 1)));
  const teacher = toHost(initHeadParams(headSpec, new Prng(seed + 2)));
  return { cbNorm, inputs: { tokens, bank: bankRows > 0 ? { ids, rows } : null, masks: null, student, teacher } };
}

const shapeOf = (name: string) => paramShape({ dim: D, headDim: r, projDim: p }, name as MlpParamName);

interface OracleOut {
  loss: number;
  grads: Map<string, Float32Array>;
  negPairs: { batch: number; bank: number };
}

function oracle(c: Case, l: Step2Loss): OracleOut {
  let result: OracleOut | undefined;
  tf.tidy(() => {
    const init = (m: ReadonlyMap<string, Float32Array>) => new Map([...m].map(([key, v]) => [key, { shape: shapeOf(key), values: v }]));
    const student = new ParamSet(init(c.inputs.student));
    const teacher = new ParamSet(init(c.inputs.teacher), false);
    const xs = tf.tensor2d(c.inputs.tokens, [T, D]);
    const cbNormT = tf.transpose(tf.tensor2d(c.cbNorm, [k, D])) as tf.Tensor2D;
    const ids = assignConcepts(xs, cbNormT);
    const V = tf.tensor2d(conceptVectors(c.cbNorm, D, ids), [T, D]);
    const bm = pairMasks(V, V, 0.3, 0.1, true);
    const bp = planContrastive(bm, B);
    const bank = c.inputs.bank;
    const Q = bank?.ids.length ?? 0;
    const km = bank ? pairMasks(V, tf.tensor2d(conceptVectors(c.cbNorm, D, bank.ids), [Q, D]), 0.3, 0.1, false) : null;
    const kp = km ? planContrastive(km, B) : null;
    const bankT = bank ? (tf.transpose(tf.tensor2d(bank.rows, [Q, p])) as tf.Tensor2D) : null;
    const ztnT = tf.transpose(l2normalize(project(teacher, headForward(headSpec, teacher, xs)))) as tf.Tensor2D;
    const terms = bp.terms + (kp?.terms ?? 0);
    const { value, grads } = tf.variableGrads(() => {
      const z = project(student, headForward(headSpec, student, xs));
      let sum = contrastiveSum(z, ztnT, bm, bp, temperature, l);
      if (km) sum = tf.add(sum, contrastiveSum(z, bankT!, km, kp!, temperature, l));
      return tf.div(sum, terms) as tf.Scalar;
    }, student.list());
    // The mined negatives the graph should report.
    const z = project(student, headForward(headSpec, student, xs));
    const mined = (targetsT: tf.Tensor2D, m: PairMasks) =>
      l.hardNegatives ? tf.sum(hardestNegatives(tf.matMul(l2normalize(z), targetsT), m.neg, l.hardNegatives)).dataSync()[0]! : tf.sum(m.neg).dataSync()[0]!;
    result = {
      loss: value.dataSync()[0]!,
      grads: new Map(student.names().map((nm) => [nm, grads[student.get(nm).name]!.dataSync() as Float32Array])),
      negPairs: { batch: mined(ztnT, bm), bank: km ? mined(bankT!, km) : 0 },
    };
    student.dispose();
    teacher.dispose();
  });
  return result!;
}

async function graph(l: Step2Loss): Promise<MlpStep2Graph> {
  const g = await MlpStep2Graph.open(
    { dim: D, headDim: r, projDim: p, concepts: k, tokensPerImage: n, temperature, posThreshold: 0.3, negThreshold: 0.1, dropout: false, loss: l },
    { threads: 1, provider: 'cpu' },
  );
  graphs.push(g);
  return g;
}

/** Loss change along the gradient, central difference, relative to the gradient's prediction. */
async function finiteDifferenceError(g: MlpStep2Graph, c: Case, name: MlpParamName): Promise<number> {
  const base = await g.run(c.cbNorm, c.inputs);
  const grad = base.grads.get(name)!;
  const w = c.inputs.student.get(name)!;
  let gg = 0;
  for (let i = 0; i < grad.length; i++) gg += grad[i]! * grad[i]!;
  // Small enough that the mined negatives stay the same set on both sides (the selection is piecewise constant).
  const step = 2e-3 / Math.sqrt(gg);
  const moved = (sign: number) => {
    const s = new Map(c.inputs.student);
    s.set(name, w.map((v, i) => v + sign * step * grad[i]!));
    return g.run(c.cbNorm, { ...c.inputs, student: s });
  };
  const [plus, minus] = [await moved(1), await moved(-1)];
  const predicted = 2 * step * gg;
  return Math.abs(plus.loss - minus.loss - predicted) / predicted;
}

describe('Step 2 loss options: onnxruntime graph vs tfjs oracle', () => {
  for (const [label, l] of OPTIONS) {
    it(`${label}: same loss, mined negatives and gradients (bank filled and empty)`, async () => {
      const g = await graph(l);
      const release = await graph(RELEASE_STEP2_LOSS);
      for (const [seed, bankRows] of [
        [3, 9],
        [4, 0],
      ] as const) {
        const c = makeCase(seed, bankRows);
        const ref = oracle(c, l);
        const got = await g.run(c.cbNorm, c.inputs);
        expect(got.stats.batchTerms).toBeGreaterThan(0);
        expect(got.stats.batchNegPairs).toBe(ref.negPairs.batch);
        expect(got.stats.bankNegPairs).toBe(ref.negPairs.bank);
        expect(Math.abs(got.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-4);
        for (const name of MLP_PARAMS) expect(relErr(got.grads.get(name)!, ref.grads.get(name)!), `${name} gradient`).toBeLessThan(1e-4);
        // The option changes the objective: not the release's loss under another name.
        const base = await release.run(c.cbNorm, c.inputs);
        expect(Math.abs(base.loss - got.loss)).toBeGreaterThan(1e-4);
      }
    });
  }

  for (const [label, l] of OPTIONS) {
    it(`${label}: the gradient moves the loss as a finite difference predicts`, async () => {
      const g = await graph(l);
      const c = makeCase(9, 7);
      for (const name of ['head.f2a.w', 'proj.w'] as const) expect(await finiteDifferenceError(g, c, name), name).toBeLessThan(0.02);
    });
  }

  it('hard mining keeps the most similar negatives of each row, at least one when the row has any', () => {
    tf.tidy(() => {
      const cos = tf.tensor2d([0.9, 0.1, 0.5, -0.2, 0.3, 0.8, 0.7, 0.6], [2, 4]);
      const neg = tf.tensor2d([1, 1, 1, 0, 0, 1, 0, 1], [2, 4]);
      expect(Array.from(hardestNegatives(cos, neg, { count: 2 }).dataSync())).toEqual([1, 0, 1, 0, 0, 1, 0, 1]);
      expect(Array.from(hardestNegatives(cos, neg, { fraction: 0.1 }).dataSync())).toEqual([1, 0, 0, 0, 0, 1, 0, 0]);
    });
  });
});

describe('Step 2 loss options in the config', () => {
  it('absent fields resolve to the release loss; debiased triplet is refused', () => {
    expect(isReleaseLoss(resolveStep2Loss({}))).toBe(true);
    expect(isReleaseLoss(resolveStep2Loss({ hardNegatives: { count: 8 } }))).toBe(false);
    expect(step2LossLabel(resolveStep2Loss({ loss: 'triplet', margin: 0.2, hardNegatives: { count: 1 } }))).toBe('triplet(m=0.2,hard=1)');
    expect(() => resolveStep2Loss({ loss: 'triplet', debiased: { tauPlus: 0.1, beta: 0 } })).toThrow(/debiased/);
  });
});

describe('Step 2 loss options through the trainer', () => {
  // The config's step2 fields reach both engines: onnxruntime and tfjs train the same teacher.
  for (const [label, step2] of [
    ['triplet with hard negatives', { lr: 2e-3, epochs: 2, loss: 'triplet', margin: 0.3, hardNegatives: { count: 4 } }],
    ['debiased InfoNCE', { lr: 2e-3, epochs: 2, debiased: { tauPlus: 0.1, beta: 1 } }],
  ] as const) {
    it(`${label}: onnxruntime and tfjs agree step by step, and differ from the release loss`, async () => {
      const src = plantedFeatures(12, 8, 8, 16);
      const losses = async (engine: 'onnxruntime' | 'tfjs', s2: TrainConfig['step2']) => {
        const out: number[] = [];
        const model = await trainCause(src, tinyConfig('cause-mlp', { dropout: 0, step2: s2, step3: { lr: 4e-3, epochs: 0, decayEvery: 2, decayFactor: 0.5 } }), {
          step2Engine: engine,
          metrics: (_s, v) => {
            if ('step2.loss' in v) out.push(v['step2.loss']!);
          },
        });
        return { out, model };
      };
      const ort = await losses('onnxruntime', step2);
      const tfjs = await losses('tfjs', step2);
      const release = await losses('onnxruntime', { lr: 2e-3, epochs: 2 });
      expect(ort.out.length).toBe(6);
      ort.out.forEach((v, i) => expect(Math.abs(v - tfjs.out[i]!) / Math.abs(tfjs.out[i]!)).toBeLessThan(1e-4));
      expect(Math.abs(ort.out[0]! - release.out[0]!)).toBeGreaterThan(1e-3);
      const a = ort.model.teacher.get('head.f1.w')!.values;
      const b = tfjs.model.teacher.get('head.f1.w')!.values;
      expect(relErr(a, b)).toBeLessThan(1e-4);
    });
  }
});
