// The onnxruntime Step 2 TR graph against its oracle, the tfjs TR head on the full grids with autodiff
// (heads.ts + concepts.ts + contrastive.ts, composed as the trainer's tfjs Step 2 does), on small random
// inputs with explicit dropout masks; and a finite-difference check independent of tfjs. Both heads run
// the same cases: the plain TR decoder and the hybrid one (TR + a 3×3 depthwise / 1×1 conv branch over
// the grid), whose graph gathers each sampled row's 3×3 neighbourhood itself — the sampled rows include
// grid corners and edges, where that neighbourhood is zero-padded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import { assignConcepts, conceptVectors, pairMasks } from '../../../main/engine/cause/concepts.js';
import { contrastiveSum, planContrastive } from '../../../main/engine/cause/contrastive.js';
import { codebookQueries, headForward, initHeadParams, project, type HeadSpec, type TrMasks } from '../../../main/engine/cause/heads.js';
import { gatherRows, l2normalize } from '../../../main/engine/cause/ops.js';
import { ParamSet } from '../../../main/engine/cause/params.js';
import { Prng } from '../../../shared/random.js';
import { dropoutKeepFlags, dropoutMultipliers } from '../../../main/engine/cause/engines/dropout-masks.js';
import { TR_DROPOUT_SITES, trParamNames, trParamShape, type TrDropoutSite, type TrParamName, type TrStep2GraphSpec } from '../../../main/engine/cause/ort/tr-step2-graph.js';
import { TrStep2Graph, type TrMaskSet, type TrStep2Inputs } from '../../../main/engine/cause/ort/tr-step2.js';
import { normRows, relErr, toHost } from './fixtures.js';

const D = 16;
const N = 12; // a 3×4 grid
const F = 24;
const r = 6;
const p = 10;
const k = 8;
const n = 3; // sampled rows per image
const B = 2;
const T = B * n;
const temperature = 0.07;

/** The head under test: the plain TR decoder, or the hybrid one with its conv branch over a 3×4 grid. */
interface Head {
  readonly label: string;
  readonly hybrid: { gridWidth: number } | undefined;
  /** Parameters the finite-difference check moves. */
  readonly probed: readonly TrParamName[];
}
const HEADS: readonly Head[] = [
  { label: 'TR', hybrid: undefined, probed: ['head.pos', 'head.sa.k.w', 'head.ca.v.w', 'head.ffn1.w', 'head.ln1.g'] },
  { label: 'hybrid', hybrid: { gridWidth: 4 }, probed: ['head.cv.dw.w', 'head.cv.dw.b', 'head.cv.pw.w', 'head.pos', 'head.ffn1.w'] },
];

const headSpec = (dropout: number, head: Head): HeadSpec => ({
  kind: 'tr',
  dim: D,
  headDim: r,
  projDim: p,
  ffnDim: F,
  gridTokens: N,
  dropout,
  ...(head.hybrid ? { hybrid: head.hybrid } : {}),
});
const graphSpec = (dropout: number, head: Head): TrStep2GraphSpec => ({
  dim: D,
  headDim: r,
  projDim: p,
  ffnDim: F,
  concepts: k,
  gridTokens: N,
  tokensPerImage: n,
  temperature,
  posThreshold: 0.3,
  negThreshold: 0.1,
  dropout,
  ...(head.hybrid ? { hybrid: head.hybrid } : {}),
});

const graphs: TrStep2Graph[] = [];
beforeAll(async () => {
  await initTfBackend('cpu');
});
afterAll(async () => {
  for (const g of graphs) await g.release();
});

const shapeOf = (name: string, head: Head) => trParamShape(graphSpec(0, head), name as TrParamName);

/** Full-grid masks for the oracle: attention maps [B·N, N] (= [B, N, N]), the rest [B·N, width]. */
type FullMasks = Record<TrDropoutSite, Float32Array>;
const width = (site: TrDropoutSite) => (site === 'a1' || site === 'a2' ? N : site === 'h' ? F : D);

interface Case {
  readonly cbNorm: Float32Array;
  readonly clusterbook: Float32Array;
  readonly inputs: TrStep2Inputs;
  readonly full: { teacher: FullMasks; student: FullMasks } | null;
}

function makeCase(seed: number, bankRows: number, dropout: number, head: Head): Case {
  const rng = new Prng(seed);
  // Few concepts, so positives (same concept) exist inside and across images.
  const clusterbook = rng.normalArray(k * D);
  const cbNorm = normRows(clusterbook, D);
  const grids = rng.normalArray(B * N * D);
  // Image 1 samples grid position 5 as image 0 does: the positional table's gradient must add both.
  const rows = Int32Array.from([0, 5, 9, N + 5, N + 2, N + 11]);
  const ids = Int32Array.from({ length: bankRows }, () => rng.int(k));
  const bankRowsData = normRows(rng.normalArray(bankRows * p), p);
  // Biases start at 0 and LayerNorm at (1, 0): shift them so every bias path carries a value.
  const jitter = (m: Map<string, Float32Array>) => {
    for (const [name, v] of m) if (!name.endsWith('.w') && name !== 'head.pos') for (let i = 0; i < v.length; i++) v[i] = v[i]! + 0.3 * rng.normal();
    return m;
  };
  const student = jitter(toHost(initHeadParams(headSpec(dropout, head), new Prng(seed + 1))));
  // A teacher that differs from the student, so a mix-up of the two would show.
  const teacher = jitter(toHost(initHeadParams(headSpec(dropout, head), new Prng(seed + 2))));
  let full: Case['full'] = null;
  let masks: TrStep2Inputs['masks'] = null;
  if (dropout > 0) {
    const draw = (): FullMasks =>
      Object.fromEntries(TR_DROPOUT_SITES.map((s) => [s, dropoutMultipliers(rng.nextUint32(), B * N * width(s), dropout)])) as FullMasks;
    full = { teacher: draw(), student: draw() };
    const atRows = (m: FullMasks): TrMaskSet =>
      Object.fromEntries(
        TR_DROPOUT_SITES.map((s) => {
          const w = width(s);
          const out = new Uint8Array(T * w);
          rows.forEach((row, i) => out.set(m[s].subarray(row * w, (row + 1) * w).map((v) => (v > 0 ? 1 : 0)), i * w));
          return [s, out];
        }),
      ) as TrMaskSet;
    masks = { teacher: atRows(full.teacher), student: atRows(full.student) };
  }
  return {
    cbNorm,
    clusterbook,
    inputs: { grids, rows, bank: bankRows > 0 ? { ids, rows: bankRowsData } : null, masks, student, teacher },
    full,
  };
}

interface OracleOut {
  loss: number;
  ids: Int32Array;
  ztn: Float32Array;
  grads: Map<string, Float32Array>;
  plan: { bp: ReturnType<typeof planContrastive>; kp: ReturnType<typeof planContrastive> | null };
}

function oracle(c: Case, dropout: number, head: Head): OracleOut {
  let result: OracleOut | undefined;
  tf.tidy(() => {
    const spec = headSpec(dropout, head);
    const init = (m: ReadonlyMap<string, Float32Array>) => new Map([...m].map(([key, v]) => [key, { shape: shapeOf(key, head), values: v }]));
    const student = new ParamSet(init(c.inputs.student));
    const teacher = new ParamSet(init(c.inputs.teacher), false);
    const x = tf.tensor2d(c.inputs.grids, [B * N, D]);
    const cbNormT = tf.transpose(tf.tensor2d(c.cbNorm, [k, D])) as tf.Tensor2D;
    const queries = codebookQueries(x, tf.tensor2d(c.clusterbook, [k, D]), cbNormT);
    const rows = c.inputs.rows;
    const xs = tf.gather(x, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
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
    const tfMasks = (m: FullMasks | undefined): TrMasks | undefined =>
      m && {
        a1: tf.tensor3d(m.a1, [B, N, N]),
        sa: tf.tensor2d(m.sa, [B * N, D]),
        a2: tf.tensor3d(m.a2, [B, N, N]),
        ca: tf.tensor2d(m.ca, [B * N, D]),
        h: tf.tensor2d(m.h, [B * N, F]),
        ff: tf.tensor2d(m.ff, [B * N, D]),
        m1: tf.tensor2d(m.o1, [B * N, D]),
        m2: tf.tensor2d(m.o2, [B * N, D]),
      };
    const tMasks = tfMasks(c.full?.teacher);
    const sMasks = tfMasks(c.full?.student);
    const yt = headForward(spec, teacher, x, queries, tMasks);
    const ztn = l2normalize(project(teacher, tf.gather(yt, tf.tensor1d(rows, 'int32')) as tf.Tensor2D));
    const ztnT = tf.transpose(ztn) as tf.Tensor2D;
    const terms = bp.terms + (bank?.plan.terms ?? 0);
    const { value, grads } = tf.variableGrads(() => {
      const z = project(student, gatherRows(headForward(spec, student, x, queries, sMasks), rows));
      let sum = contrastiveSum(z, ztnT, bm, bp, temperature);
      if (bank) sum = tf.add(sum, contrastiveSum(z, bank.targetsT, bank.masks, bank.plan, temperature));
      return tf.div(sum, terms) as tf.Scalar;
    }, student.list());
    result = {
      loss: value.dataSync()[0]!,
      ids,
      ztn: ztn.dataSync() as Float32Array,
      grads: new Map(student.names().map((nm) => [nm, grads[student.get(nm).name]!.dataSync() as Float32Array])),
      plan: { bp, kp: bank?.plan ?? null },
    };
    student.dispose();
    teacher.dispose();
  });
  return result!;
}

const absMax = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const largestGradient = (grads: Map<string, Float32Array>) => Math.max(...[...grads.values()].map(absMax));

async function graph(dropout: number, head: Head): Promise<TrStep2Graph> {
  const g = await TrStep2Graph.open(graphSpec(dropout, head), { threads: 1, provider: 'cpu' });
  graphs.push(g);
  return g;
}

describe.each(HEADS)('Step 2 $label graph on onnxruntime vs tfjs autodiff on the full grids', (head) => {
  for (const [label, bankRows, dropout] of [
    ['dropout on, bank filled', 7, 0.1],
    ['dropout on, empty bank', 0, 0.1],
    ['dropout off, empty bank', 0, 0],
    ['dropout off, bank filled', 5, 0],
  ] as const) {
    it(`${label}: same concepts, plan, loss, teacher projections and gradients`, async () => {
      const g = await graph(dropout, head);
      for (const seed of [3, 4]) {
        const c = makeCase(seed, bankRows, dropout, head);
        const ref = oracle(c, dropout, head);
        const got = await g.run(c.cbNorm, c.clusterbook, c.inputs);
        expect(Array.from(got.ids)).toEqual(Array.from(ref.ids));
        expect(got.stats.batchTerms).toBe(ref.plan.bp.terms);
        expect(got.stats.batchPosPairs).toBe(ref.plan.bp.posPairs);
        expect(got.stats.batchNegPairs).toBe(ref.plan.bp.negPairs);
        expect(got.stats.bankTerms).toBe(ref.plan.kp?.terms ?? 0);
        expect(got.stats.bankPosPairs).toBe(ref.plan.kp?.posPairs ?? 0);
        expect(ref.plan.bp.terms).toBeGreaterThan(0); // the case exercises the loss, not only its guard
        expect(Math.abs(got.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-4);
        expect(relErr(got.teacherProj, ref.ztn)).toBeLessThan(1e-5);
        for (const name of trParamNames(graphSpec(0, head))) {
          // The key biases' gradient is zero in exact arithmetic (softmax ignores a constant added to a
          // row of scores): both engines return rounding noise there, so it is held to the largest gradient.
          const e = name.endsWith('.k.b') ? absMax(got.grads.get(name)!) / largestGradient(ref.grads) : relErr(got.grads.get(name)!, ref.grads.get(name)!);
          expect(e, `${name} gradient`).toBeLessThan(1e-4);
        }
      }
    });
  }

  it('the gradient moves the loss as a finite difference predicts', async () => {
    // Independent of tfjs: perturb one parameter along its gradient and compare the loss change.
    const g = await graph(0.1, head);
    const c = makeCase(9, 5, 0.1, head);
    const base = await g.run(c.cbNorm, c.clusterbook, c.inputs);
    for (const name of head.probed) {
      const grad = base.grads.get(name)!;
      const w = c.inputs.student.get(name)!;
      let gg = 0;
      for (let i = 0; i < grad.length; i++) gg += grad[i]! * grad[i]!;
      expect(gg, name).toBeGreaterThan(0);
      const step = 1e-2 / Math.sqrt(gg);
      const moved = (sign: number) => {
        const s = new Map(c.inputs.student);
        s.set(name, w.map((v, i) => v + sign * step * grad[i]!));
        return g.run(c.cbNorm, c.clusterbook, { ...c.inputs, student: s });
      };
      const [plus, minus] = [await moved(1), await moved(-1)];
      const predicted = 2 * step * gg;
      expect(Math.abs(plus.loss - minus.loss - predicted) / predicted, name).toBeLessThan(0.02);
    }
  });

  it('rejects sampled rows that are not in their image', async () => {
    const g = await graph(0, head);
    const c = makeCase(5, 0, 0, head);
    await expect(g.run(c.cbNorm, c.clusterbook, { ...c.inputs, rows: Int32Array.from([0, 5, N + 1, N + 5, N + 2, N + 11]) })).rejects.toThrow(/not in image 0/);
    await expect(g.run(c.cbNorm, c.clusterbook, { ...c.inputs, grids: c.inputs.grids.subarray(0, N * D) })).rejects.toThrow(/sampled rows/);
  });
});

describe('TR dropout masks (drawn by geometric skipping)', () => {
  it('drop each element with probability p, independently, and repeat from the same seed', () => {
    const count = 200_000;
    const a = dropoutKeepFlags(7, count, 0.1);
    const keep = 1;
    let dropped = 0;
    let other = 0;
    let pairs = 0; // both of two neighbours dropped: p² if independent
    for (let i = 0; i < count; i++) {
      if (a[i] !== 0 && a[i] !== keep) other++;
      if (a[i] === 0) dropped++;
      if (i > 0 && a[i] === 0 && a[i - 1] === 0) pairs++;
    }
    expect(other).toBe(0);
    // 5 standard deviations of a binomial count.
    expect(Math.abs(dropped / count - 0.1)).toBeLessThan(5 * Math.sqrt((0.1 * 0.9) / count));
    expect(Math.abs(pairs / count - 0.01)).toBeLessThan(5 * Math.sqrt((0.01 * 0.99) / count));
    expect(dropoutKeepFlags(7, count, 0.1)).toEqual(a);
    expect(dropoutKeepFlags(8, count, 0.1)).not.toEqual(a);
    expect(Array.from(dropoutKeepFlags(7, 5, 0))).toEqual([1, 1, 1, 1, 1]);
  });
});
