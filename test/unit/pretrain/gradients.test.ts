// The student step graph's hand-derived gradients against tfjs autodiff of the same forward (written
// independently below) and against central finite differences of the graph's own loss; for the
// filter-bank encoder and for the DINOv2 layout (CLS + register tokens, layer scale, a fixed position
// embedding added per row).
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStudentGraph, gradOutput, paramInput } from '../../../main/engine/pretrain/step-graph.js';
import {
  trainedParamNames as allParamNames,
  initParams,
  paramShape,
  type ParamMap,
  type PretrainSpec,
} from '../../../main/engine/pretrain/params.js';
import { mulberry32 } from '../../../shared/random.js';

const base: PretrainSpec = {
  inDim: 5,
  dim: 8,
  depth: 2,
  heads: 2,
  ffnDim: 12,
  headHidden: 10,
  bottleneck: 6,
  prototypes: 7,
};
const SPECS: [string, PretrainSpec][] = [
  ['filter-bank encoder', base],
  [
    'DINOv2 layout',
    { ...base, inDim: 12, patch: 2, prefix: 2, layerScale: true, posGrid: [2, 3], lnEps: 1e-6 },
  ],
];
const n = 4;
const B = 2;
const R = B * n;
const TAU = 0.1;

describe.each(SPECS)('pretraining step graph gradients (%s)', (_label, spec) => {
  let session: ort.InferenceSession;
  let P: ParamMap;
  let X: Float32Array;
  let Q: Float32Array;
  let POS: Float32Array;

  async function runGraph() {
    const feeds: Record<string, ort.Tensor> = {
      tokens: new ort.Tensor('float32', X, [R, spec.inDim]),
      targets: new ort.Tensor('float32', Q, [R, spec.prototypes]),
      ...(spec.posGrid ? { pos: new ort.Tensor('float32', POS, [R, spec.dim]) } : {}),
    };
    for (const name of allParamNames(spec))
      feeds[paramInput(name)] = new ort.Tensor('float32', P.get(name)!, paramShape(spec, name));
    return session.run(feeds);
  }

  /** The same model in tfjs ops: an independent forward for autodiff. */
  function tfLoss(p: Record<string, tf.Tensor>): tf.Scalar {
    const { dim: D, heads: H } = spec;
    const dh = D / H;
    const ln = (x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.add(
        tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, spec.lnEps ?? 1e-5))), g),
        b,
      ) as tf.Tensor2D;
    };
    const lin = (x: tf.Tensor2D, name: string) =>
      tf.add(tf.matMul(x, p[`${name}.w`] as tf.Tensor2D), p[`${name}.b`]!) as tf.Tensor2D;
    const gelu = (x: tf.Tensor) => {
      // 0.5·x·(1 + erf(x/√2)), tfjs' erf.
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
    };
    const Pn = spec.prefix ?? 0;
    const nn = n + Pn;
    const RR = B * nn;
    let h = lin(tf.tensor2d(X, [R, spec.inDim]), 'embed');
    if (spec.posGrid) h = tf.add(h, tf.tensor2d(POS, [R, D]));
    if (Pn)
      h = tf.reshape(
        tf.concat([tf.tile(tf.reshape(p.prefix!, [1, Pn, D]), [B, 1, 1]), tf.reshape(h, [B, n, D])], 1),
        [RR, D],
      );
    const ls = (t: tf.Tensor2D, name: string) => (spec.layerScale ? (tf.mul(t, p[name]!) as tf.Tensor2D) : t);
    for (let l = 0; l < spec.depth; l++) {
      const b = `blk${l}`;
      const a = ln(h, p[`${b}.ln1.g`]!, p[`${b}.ln1.b`]!);
      const split = (t: tf.Tensor2D) =>
        tf.transpose(tf.reshape(t, [B, nn, H, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
      const q = split(lin(a, `${b}.q`));
      const k = split(lin(a, `${b}.k`));
      const v = split(lin(a, `${b}.v`));
      const att = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)));
      const ctx = tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [RR, D]) as tf.Tensor2D;
      h = tf.add(h, ls(lin(ctx, `${b}.o`), `${b}.ls1`)) as tf.Tensor2D;
      const m = gelu(lin(ln(h, p[`${b}.ln2.g`]!, p[`${b}.ln2.b`]!), `${b}.ffn1`)) as tf.Tensor2D;
      h = tf.add(h, ls(lin(m, `${b}.ffn2`), `${b}.ls2`)) as tf.Tensor2D;
    }
    let y = ln(h, p['lnf.g']!, p['lnf.b']!);
    if (Pn) y = tf.reshape(tf.slice(tf.reshape(y, [B, nn, D]), [0, Pn, 0], [B, n, D]), [R, D]);
    const u = lin(gelu(lin(y, 'head1')) as tf.Tensor2D, 'head2');
    const z = tf.div(u, tf.norm(u, 'euclidean', -1, true));
    const C = p.protos!;
    const Cn = tf.div(C, tf.norm(C, 'euclidean', -1, true));
    const logits = tf.matMul(z, Cn as tf.Tensor2D, false, true);
    const logp = tf.logSoftmax(tf.div(logits, TAU));
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.tensor2d(Q, [R, spec.prototypes]), logp), -1))) as tf.Scalar;
  }

  beforeAll(async () => {
    await tf.setBackend('cpu');
    session = await ort.InferenceSession.create(buildStudentGraph(spec, n, TAU));
    P = initParams(spec, 3);
    const r = mulberry32(5);
    // Larger weights than the init so every path carries gradient.
    for (const [k, v] of P)
      if (!k.includes('.ln') && k !== 'lnf.g' && k !== 'lnf.b')
        for (let i = 0; i < v.length; i++) v[i] = (r() * 2 - 1) * 0.5;
    X = Float32Array.from({ length: R * spec.inDim }, () => r() * 2 - 1);
    POS = Float32Array.from({ length: R * spec.dim }, () => r() * 2 - 1);
    Q = new Float32Array(R * spec.prototypes);
    for (let i = 0; i < R; i++) {
      let s = 0;
      for (let k = 0; k < spec.prototypes; k++) s += Q[i * spec.prototypes + k] = r();
      for (let k = 0; k < spec.prototypes; k++) Q[i * spec.prototypes + k]! /= s;
    }
  });

  describe('against tfjs and finite differences', () => {
    it('match tfjs autodiff of the same forward for every parameter', async () => {
      const out = await runGraph();
      const names = allParamNames(spec);
      const v = Object.fromEntries(
        names.map((nm) => [
          nm,
          tf.variable(tf.tensor(P.get(nm)!, paramShape(spec, nm)), true, `v_${_label}_${nm}`),
        ]),
      );
      const res = tf.variableGrads(() => tfLoss(v));
      expect(res.value.dataSync()[0]).toBeCloseTo((out.loss!.data as Float32Array)[0]!, 4);
      for (const nm of names) {
        const want = res.grads[`v_${_label}_${nm}`]!.dataSync();
        const got = out[gradOutput(nm)]!.data as Float32Array;
        let scale = 1e-6;
        for (const w of want) scale = Math.max(scale, Math.abs(w));
        for (let i = 0; i < want.length; i++)
          expect(Math.abs(got[i]! - want[i]!), `${nm}[${i}]`).toBeLessThan(2e-4 * scale + 1e-6);
      }
    });

    it('match central finite differences of the loss', async () => {
      const base = await runGraph();
      const h = 1e-2;
      for (const name of allParamNames(spec)) {
        const v = P.get(name)!;
        const grad = base[gradOutput(name)]!.data as Float32Array;
        for (const i of [0, Math.floor(v.length / 2), v.length - 1]) {
          const old = v[i]!;
          v[i] = old + h;
          const lp = ((await runGraph()).loss!.data as Float32Array)[0]!;
          v[i] = old - h;
          const lm = ((await runGraph()).loss!.data as Float32Array)[0]!;
          v[i] = old;
          const fd = (lp - lm) / (2 * h);
          expect(Math.abs(fd - grad[i]!), `${name}[${i}]: fd ${fd} graph ${grad[i]}`).toBeLessThan(
            0.05 * (Math.abs(fd) + Math.abs(grad[i]!)) + 4e-4,
          );
        }
      }
    });
  });
});
