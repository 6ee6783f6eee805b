// The onnxruntime Step 2 MLP graph against its oracle, the tfjs implementation with autodiff
// (heads.ts + concepts.ts + contrastive.ts), on small random inputs; and the host Adam / EMA against
// the tfjs ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import { assignConcepts, conceptVectors, pairMasks } from '../../../main/engine/cause/concepts.js';
import { contrastiveSum, planContrastive } from '../../../main/engine/cause/contrastive.js';
import { headForward, initHeadParams, project, type HeadSpec } from '../../../main/engine/cause/heads.js';
import { l2normalize } from '../../../main/engine/cause/ops.js';
import { Adam } from '../../../main/engine/cause/optim.js';
import { emaUpdate, ParamSet } from '../../../main/engine/cause/params.js';
import { Prng } from '../../../main/engine/cause/prng.js';
import { MLP_PARAMS, paramShape, type MlpParamName, type MlpStep2GraphSpec } from '../../../main/engine/cause/ort/mlp-step2-graph.js';
import { dropoutMultipliers } from '../../../main/engine/cause/engines/dropout-masks.js';
import { applyHostUpdate, hostState, MlpStep2Graph, type MlpStep2Inputs } from '../../../main/engine/cause/ort/mlp-step2.js';
import { normRows, relErr, toHost } from './fixtures.js';

const D = 12;
const r = 6;
const p = 10;
const k = 8;
const n = 4;
const B = 3;
const T = B * n;
const temperature = 0.07;

const headSpec = (dropout: number): HeadSpec => ({ kind: 'mlp', dim: D, headDim: r, projDim: p, ffnDim: 8, gridTokens: 16, dropout });
const graphSpec = (dropout: boolean): MlpStep2GraphSpec => ({
  dim: D,
  headDim: r,
  projDim: p,
  concepts: k,
  tokensPerImage: n,
  temperature,
  posThreshold: 0.3,
  negThreshold: 0.1,
  dropout,
});

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

function makeCase(seed: number, bankRows: number, dropout: number): Case {
  const rng = new Prng(seed);
  // Few concepts, so positives (same concept, G = 1) exist inside and across images.
  const cbNorm = normRows(rng.normalArray(k * D), D);
  const tokens = rng.normalArray(T * D);
  const ids = Int32Array.from({ length: bankRows }, () => rng.int(k));
  const rows = normRows(rng.normalArray(bankRows * p), p);
  const student = toHost(initHeadParams(headSpec(dropout), new Prng(seed + 1)));
  // A teacher that differs from the student, so a mix-up of the two would show.
  const teacher = toHost(initHeadParams(headSpec(dropout), new Prng(seed + 2)));
  const masks =
    dropout > 0
      ? {
          t1: dropoutMultipliers(rng.nextUint32(), T * D, dropout),
          t2: dropoutMultipliers(rng.nextUint32(), T * D, dropout),
          s1: dropoutMultipliers(rng.nextUint32(), T * D, dropout),
          s2: dropoutMultipliers(rng.nextUint32(), T * D, dropout),
        }
      : null;
  return { cbNorm, inputs: { tokens, bank: bankRows > 0 ? { ids, rows } : null, masks, student, teacher } };
}

/** The tfjs implementation, exactly as the trainer's tfjs Step 2 composes it, differentiated by tfjs. */
interface OracleOut {
  loss: number;
  ids: Int32Array;
  ztn: Float32Array;
  grads: Map<string, Float32Array>;
  plan: { bp: ReturnType<typeof planContrastive>; kp: ReturnType<typeof planContrastive> | null };
}

function oracle(c: Case, dropout: number): OracleOut {
  let result: OracleOut | undefined;
  tf.tidy(() => {
    const spec = headSpec(dropout);
    const init = (m: ReadonlyMap<string, Float32Array>) => new Map([...m].map(([key, v]) => [key, { shape: shapeOf(key), values: v }]));
    const student = new ParamSet(init(c.inputs.student));
    const teacher = new ParamSet(init(c.inputs.teacher), false);
    const xs = tf.tensor2d(c.inputs.tokens, [T, D]);
    const cbNormT = tf.transpose(tf.tensor2d(c.cbNorm, [k, D])) as tf.Tensor2D;
    const ids = assignConcepts(xs, cbNormT);
    const V = tf.tensor2d(conceptVectors(c.cbNorm, D, ids), [T, D]);
    const bm = pairMasks(V, V, 0.3, 0.1, true);
    const bp = planContrastive(bm, B);
    let bank: { masks: ReturnType<typeof pairMasks>; plan: ReturnType<typeof planContrastive>; targetsT: tf.Tensor2D } | null = null;
    if (c.inputs.bank) {
      const Q = c.inputs.bank.ids.length;
      const masks = pairMasks(V, tf.tensor2d(conceptVectors(c.cbNorm, D, c.inputs.bank.ids), [Q, D]), 0.3, 0.1, false);
      bank = { masks, plan: planContrastive(masks, B), targetsT: tf.transpose(tf.tensor2d(c.inputs.bank.rows, [Q, p])) };
    }
    const m = c.inputs.masks;
    const tMasks = m ? { m1: tf.tensor2d(m.t1, [T, D]), m2: tf.tensor2d(m.t2, [T, D]) } : undefined;
    const sMasks = m ? { m1: tf.tensor2d(m.s1, [T, D]), m2: tf.tensor2d(m.s2, [T, D]) } : undefined;
    const ztn = l2normalize(project(teacher, headForward(spec, teacher, xs, null, undefined, tMasks)));
    const ztnT = tf.transpose(ztn) as tf.Tensor2D;
    const terms = bp.terms + (bank?.plan.terms ?? 0);
    const { value, grads } = tf.variableGrads(() => {
      const z = project(student, headForward(spec, student, xs, null, undefined, sMasks));
      let sum = contrastiveSum(z, ztnT, bm, bp, temperature);
      if (bank) sum = tf.add(sum, contrastiveSum(z, bank.targetsT, bank.masks, bank.plan, temperature));
      return tf.div(sum, terms) as tf.Scalar;
    }, student.list());
    const out = {
      loss: value.dataSync()[0]!,
      ids,
      ztn: ztn.dataSync() as Float32Array,
      grads: new Map(student.names().map((nm) => [nm, grads[student.get(nm).name]!.dataSync() as Float32Array])),
      plan: { bp, kp: bank?.plan ?? null },
    };
    student.dispose();
    teacher.dispose();
    result = out;
  });
  return result!;
}

function shapeOf(name: string): number[] {
  return paramShape({ dim: D, headDim: r, projDim: p }, name as MlpParamName);
}

async function graph(dropout: boolean): Promise<MlpStep2Graph> {
  const g = await MlpStep2Graph.open(graphSpec(dropout), { threads: 1, provider: 'cpu' });
  graphs.push(g);
  return g;
}

describe('Step 2 MLP graph on onnxruntime vs tfjs autodiff', () => {
  for (const [label, bankRows, dropout] of [
    ['dropout on, bank filled', 7, 0.1],
    ['dropout off, empty bank', 0, 0],
    ['dropout off, bank filled', 5, 0],
  ] as const) {
    it(`${label}: same concepts, plan, loss, teacher projections and gradients`, async () => {
      const g = await graph(dropout > 0);
      for (const seed of [3, 4]) {
        const c = makeCase(seed, bankRows, dropout);
        const ref = oracle(c, dropout);
        const got = await g.run(c.cbNorm, c.inputs);
        expect(Array.from(got.ids)).toEqual(Array.from(ref.ids));
        expect(got.stats.batchTerms).toBe(ref.plan.bp.terms);
        expect(got.stats.batchPosPairs).toBe(ref.plan.bp.posPairs);
        expect(got.stats.batchNegPairs).toBe(ref.plan.bp.negPairs);
        expect(got.stats.bankTerms).toBe(ref.plan.kp?.terms ?? 0);
        expect(got.stats.bankPosPairs).toBe(ref.plan.kp?.posPairs ?? 0);
        expect(got.stats.bankNegPairs).toBe(ref.plan.kp?.negPairs ?? 0);
        expect(ref.plan.bp.terms).toBeGreaterThan(0); // the case exercises the loss, not only its guard
        expect(Math.abs(got.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-4);
        expect(relErr(got.teacherProj, ref.ztn)).toBeLessThan(1e-5);
        for (const name of MLP_PARAMS) {
          const e = relErr(got.grads.get(name)!, ref.grads.get(name)!);
          expect(e, `${name} gradient`).toBeLessThan(1e-4);
        }
      }
    });
  }

  it('the gradient moves the loss as a finite difference predicts', async () => {
    // Independent of tfjs: perturb one weight along its gradient and compare the loss change.
    const g = await graph(false);
    const c = makeCase(9, 5, 0);
    const base = await g.run(c.cbNorm, c.inputs);
    const grad = base.grads.get('head.f2a.w')!;
    const w = c.inputs.student.get('head.f2a.w')!;
    const h = 1e-2;
    let gg = 0;
    for (let i = 0; i < grad.length; i++) gg += grad[i]! * grad[i]!;
    const step = h / Math.sqrt(gg);
    const moved = (sign: number) => {
      const s = new Map(c.inputs.student);
      s.set('head.f2a.w', w.map((v, i) => v + sign * step * grad[i]!));
      return g.run(c.cbNorm, { ...c.inputs, student: s });
    };
    const [plus, minus] = [await moved(1), await moved(-1)];
    const predicted = 2 * step * gg;
    expect(Math.abs(plus.loss - minus.loss - predicted) / predicted).toBeLessThan(0.02);
  });

  it('rejects token arrays that are not whole images', async () => {
    const g = await graph(false);
    const c = makeCase(5, 0, 0);
    await expect(g.run(c.cbNorm, { ...c.inputs, tokens: c.inputs.tokens.subarray(0, (T - 1) * D) })).rejects.toThrow(/not whole images/);
  });
});

describe('host Adam and EMA', () => {
  it('match the tfjs Adam (with clipping) and EMA over a few steps', () => {
    const init = initHeadParams(headSpec(0), new Prng(21));
    const student = new ParamSet(init);
    const teacher = new ParamSet(init, false);
    const adam = new Adam(student, 1e-3);
    const host = hostState(student.export(), teacher.export(), adam.export());
    const rng = new Prng(5);
    for (let step = 0; step < 3; step++) {
      const grads = new Map(MLP_PARAMS.map((nm) => [nm as string, rng.normalArray(shapeOf(nm).reduce((a, b) => a * b, 1), 0.5)]));
      const tfNorm = tf.tidy(() => {
        const g: Record<string, tf.Tensor> = {};
        for (const [nm, v] of grads) g[student.get(nm).name] = tf.tensor(v, shapeOf(nm));
        return adam.apply(g, 1);
      });
      emaUpdate(teacher, student, 0.99);
      const hostNorm = applyHostUpdate(host, grads, 1e-3, 1, 0.99);
      expect(Math.abs(hostNorm - tfNorm) / tfNorm).toBeLessThan(1e-5);
    }
    const s = student.export();
    const t = teacher.export();
    const a = adam.export();
    for (const nm of MLP_PARAMS) {
      expect(relErr(host.student.get(nm)!, s.get(nm)!.values)).toBeLessThan(1e-5);
      expect(relErr(host.teacher.get(nm)!, t.get(nm)!.values)).toBeLessThan(1e-5);
      expect(relErr(host.m.get(nm)!, a.m.get(nm)!.values)).toBeLessThan(1e-5);
      expect(relErr(host.v.get(nm)!, a.v.get(nm)!.values)).toBeLessThan(1e-5);
    }
    expect(host.t).toBe(a.t);
    adam.dispose();
    student.dispose();
    teacher.dispose();
  });
});
