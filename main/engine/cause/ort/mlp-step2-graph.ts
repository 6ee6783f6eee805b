// One ONNX graph holding a whole Step 2 MLP training step except the optimiser: concept assignment,
// the concept-aware masks and their plan, teacher forward, student forward, projection, L2
// normalisation, the masked contrastive loss against the batch and the concept bank, and the
// hand-derived backward to every student parameter.
// Why a graph and not tfjs: on wasm the step is bound by transposed matMuls and T×T element-wise
// kernels (~30 M elements/s); onnxruntime runs the same products through MLAS (Gemm with transA/transB
// at ~95 % of a core's peak) and fuses nothing we rely on, so the maths stays readable here.
// The tfjs implementation (heads.ts + contrastive.ts + concepts.ts) is the oracle: a unit test checks
// this graph's loss and gradients against tfjs autodiff.
// Shapes: T = B·n sampled tokens (symbolic), Q = bank rows (symbolic; an empty bank is fed as one row
// with bank_valid = 0, which adds nothing), n tokens per image (fixed by the grid), D, r, p, k fixed.
import { GraphBuilder, float, int } from '../../onnx/graph-builder.js';
import { DataType } from '../../onnx/onnx-schema.js';

export interface MlpStep2GraphSpec {
  /** Backbone feature dimension D. */
  readonly dim: number;
  /** Head output r. */
  readonly headDim: number;
  /** Projection p. */
  readonly projDim: number;
  /** Clusterbook size k. */
  readonly concepts: number;
  /** Sampled tokens per image n (rows of one image are contiguous). */
  readonly tokensPerImage: number;
  readonly temperature: number;
  readonly posThreshold: number;
  readonly negThreshold: number;
  /** Dropout masks are inputs when true (train mode with p > 0); absent otherwise. */
  readonly dropout: boolean;
}

/** Head + projection parameters in ParamSet order (names as in heads.ts). */
export const MLP_PARAMS = ['head.f1.w', 'head.f1.b', 'head.f2a.w', 'head.f2a.b', 'head.f2b.w', 'head.f2b.b', 'proj.w', 'proj.b'] as const;
export type MlpParamName = (typeof MLP_PARAMS)[number];

/** Order of the `stats` output. */
export const STEP2_STATS = ['batchTerms', 'bankTerms', 'batchPosPairs', 'bankPosPairs', 'batchNegPairs', 'bankNegPairs'] as const;

export const studentInput = (name: MlpParamName) => `s:${name}`;
export const teacherInput = (name: MlpParamName) => `t:${name}`;
export const gradOutput = (name: MlpParamName) => `g:${name}`;

export function paramShape(spec: Pick<MlpStep2GraphSpec, 'dim' | 'headDim' | 'projDim'>, name: MlpParamName): number[] {
  const { dim: D, headDim: r, projDim: p } = spec;
  const shapes: Record<MlpParamName, number[]> = {
    'head.f1.w': [D, r],
    'head.f1.b': [r],
    'head.f2a.w': [D, D],
    'head.f2a.b': [D],
    'head.f2b.w': [D, r],
    'head.f2b.b': [r],
    'proj.w': [r, p],
    'proj.b': [p],
  };
  return shapes[name];
}

/** Forward + backward FLOPs of one step (matrix products only), for the benchmark. */
export function mlpStep2Flops(spec: Pick<MlpStep2GraphSpec, 'dim' | 'headDim' | 'projDim' | 'concepts'>, T: number, Q: number): number {
  const { dim: D, headDim: r, projDim: p, concepts: k } = spec;
  const head = 2 * T * (2 * D * r + D * D) + 2 * T * r * p; // one forward of head + projection
  const assign = 2 * T * D * k;
  const masks = 2 * T * T * D + 2 * T * Q * D;
  const contrast = 2 * (2 * T * T * p) + 2 * (2 * T * Q * p); // S and dS·targets, batch and bank
  // teacher forward + student forward + weight gradients (≈ 1 forward) + input gradients of the later layers.
  const backward = 2 * T * (2 * D * r + D * D) + 2 * 2 * T * r * p + 2 * T * D * r;
  return assign + masks + contrast + 2 * head + backward;
}

export function buildMlpStep2Graph(spec: MlpStep2GraphSpec): Uint8Array {
  const { dim: D, projDim: p, concepts: k, tokensPerImage: n } = spec;
  const g = new GraphBuilder();
  const scalar = (v: number) => g.floats('c', [], new Float32Array([v]));
  const axes = (...a: number[]) => g.int64s('axes', a);
  const sumRows = (t: string) => g.op('ReduceSum', [t, axes(1)], { keepdims: int(1) }); // [X,1]
  const sumCols = (t: string) => g.op('ReduceSum', [t, axes(0)], { keepdims: int(0) }); // [Y]
  const sumAll = (t: string) => g.op('ReduceSum', [t], { keepdims: int(0) }); // scalar
  const mul = (a: string, b: string) => g.op('Mul', [a, b]);
  const add = (a: string, b: string) => g.op('Add', [a, b]);
  const sub = (a: string, b: string) => g.op('Sub', [a, b]);
  const div = (a: string, b: string) => g.op('Div', [a, b]);
  const gemm = (a: string, b: string, o: { ta?: boolean; tb?: boolean; alpha?: number; c?: string } = {}) =>
    g.op('Gemm', o.c ? [a, b, o.c] : [a, b], {
      transA: int(o.ta ? 1 : 0),
      transB: int(o.tb ? 1 : 0),
      alpha: float(o.alpha ?? 1),
    });
  const toFloat = (t: string) => g.op('Cast', [t], { to: int(DataType.FLOAT) });

  const x = g.input('x', ['T', D]);
  const cbNorm = g.input('cb_norm', [k, D]);
  const bankIds = g.input('bank_ids', ['Q'], DataType.INT64);
  const bankRows = g.input('bank_rows', ['Q', p]);
  const bankValid = g.input('bank_valid', ['Q']);
  const masks = spec.dropout
    ? { s1: g.input('drop_s1', ['T', D]), s2: g.input('drop_s2', ['T', D]), t1: g.input('drop_t1', ['T', D]), t2: g.input('drop_t2', ['T', D]) }
    : null;
  const sp = Object.fromEntries(MLP_PARAMS.map((nm) => [nm, g.input(studentInput(nm), paramShape(spec, nm))])) as Record<MlpParamName, string>;
  const tp = Object.fromEntries(MLP_PARAMS.map((nm) => [nm, g.input(teacherInput(nm), paramShape(spec, nm))])) as Record<MlpParamName, string>;

  // Concepts: argmax of cosine on raw tokens (normalising x does not change the argmax); first max wins, as in tfjs.
  const ids = g.op('ArgMax', [gemm(x, cbNorm, { tb: true })], { axis: int(1), keepdims: int(0) }, 'ids');
  const V = g.op('Gather', [cbNorm, ids], { axis: int(0) });
  const Vb = g.op('Gather', [cbNorm, bankIds], { axis: int(0) });

  const eps = scalar(1e-12);
  const l2 = (z: string) => {
    const nrm = g.op('Max', [g.op('Sqrt', [sumRows(mul(z, z))]), eps]);
    return { zn: div(z, nrm), nrm };
  };
  const head = (P: Record<MlpParamName, string>, m1: string | undefined, m2: string | undefined) => {
    const a1 = m1 ? mul(x, m1) : x;
    const a2 = m2 ? mul(x, m2) : x;
    const pre = gemm(a2, P['head.f2a.w'], { c: P['head.f2a.b'] });
    const h = g.op('Relu', [pre]);
    const y = add(gemm(a1, P['head.f1.w'], { c: P['head.f1.b'] }), gemm(h, P['head.f2b.w'], { c: P['head.f2b.b'] }));
    const z = gemm(y, P['proj.w'], { c: P['proj.b'] });
    return { a1, a2, pre, h, y, ...l2(z) };
  };

  const teacher = head(tp, masks?.t1, masks?.t2);
  g.op('Identity', [teacher.zn], {}, 'teacher_proj');
  const student = head(sp, masks?.s1, masks?.s2);

  // Pair masks: positives G > pos (own position excluded in the batch), negatives G < neg.
  const gt = (G: string, v: number) => toFloat(g.op('Greater', [G, scalar(v)]));
  const lt = (G: string, v: number) => toFloat(g.op('Less', [G, scalar(v)]));
  const Gbatch = gemm(V, V, { tb: true });
  const posB = mul(gt(Gbatch, spec.posThreshold), sub(scalar(1), g.op('EyeLike', [Gbatch])));
  const negB = lt(Gbatch, spec.negThreshold);
  const Gbank = gemm(V, Vb, { tb: true });
  const bv = g.op('Unsqueeze', [bankValid, axes(0)]);
  const posK = mul(gt(Gbank, spec.posThreshold), bv);
  const negK = mul(lt(Gbank, spec.negThreshold), bv);

  const one = scalar(1);
  /**
   * Σ_b w_b Σ_i [posRow_i·lse_i − Σ_j pos_ij S_ij] with w_b = 1/(positive pairs of image b) (0 without),
   * and ∂/∂S (before the 1/terms factor): w_b (posRow_i · softmax_valid(S)_ij − pos_ij).
   */
  const contrast = (targets: string, pos: string, neg: string) => {
    const S = gemm(student.zn, targets, { tb: true, alpha: 1 / spec.temperature });
    const valid = add(pos, neg);
    const E = mul(g.op('Exp', [S]), valid);
    const guard = toFloat(g.op('Equal', [sumRows(valid), scalar(0)])); // rows with nothing to compare keep log finite
    const den = add(sumRows(E), guard);
    const posRow = sumRows(pos);
    const perRow = sub(mul(posRow, g.op('Log', [den])), sumRows(mul(pos, S)));
    const imgP = sumRows(g.op('Reshape', [posRow, g.int64s('shape', [-1, n])])); // [B,1]
    const has = toFloat(g.op('Greater', [imgP, scalar(0)]));
    const wImg = div(has, g.op('Max', [imgP, one]));
    const wRow = g.op('Reshape', [g.op('Expand', [wImg, g.int64s('shape', [1, n])]), g.int64s('shape', [-1, 1])]);
    const sum = sumAll(mul(perRow, wRow));
    const dS = mul(wRow, sub(mul(posRow, div(E, den)), pos));
    return { sum, dS, terms: sumAll(has), posPairs: sumAll(posRow), negPairs: sumAll(neg) };
  };
  const cb = contrast(teacher.zn, posB, negB);
  const ck = contrast(bankRows, posK, negK);
  const terms = add(cb.terms, ck.terms);
  const invTerms = div(one, g.op('Max', [terms, one])); // the caller skips the update when terms = 0
  g.op('Mul', [add(cb.sum, ck.sum), invTerms], {}, 'loss');
  g.op(
    'Concat',
    [cb.terms, ck.terms, cb.posPairs, ck.posPairs, cb.negPairs, ck.negPairs].map((s) => g.op('Unsqueeze', [s, axes(0)])),
    { axis: int(0) },
    'stats',
  );

  // Backward. S = zn·targetsᵀ/τ ⇒ ∂zn = (dS_batch·ztn + dS_bank·bank)/(τ·terms); the targets are constants.
  const dzn = mul(add(g.op('MatMul', [cb.dS, teacher.zn]), g.op('MatMul', [ck.dS, bankRows])), mul(invTerms, scalar(1 / spec.temperature)));
  // zn = z/‖z‖ ⇒ ∂z = (∂zn − zn (zn·∂zn)) / ‖z‖.
  const { zn, nrm, y, h, pre, a1, a2 } = student;
  const dz = div(sub(dzn, mul(zn, sumRows(mul(zn, dzn)))), nrm);
  g.op('Gemm', [y, dz], { transA: int(1) }, gradOutput('proj.w'));
  g.op('Identity', [sumCols(dz)], {}, gradOutput('proj.b'));
  const dy = gemm(dz, sp['proj.w'], { tb: true });
  const dyb = sumCols(dy);
  g.op('Gemm', [a1, dy], { transA: int(1) }, gradOutput('head.f1.w'));
  g.op('Identity', [dyb], {}, gradOutput('head.f1.b'));
  g.op('Gemm', [h, dy], { transA: int(1) }, gradOutput('head.f2b.w'));
  g.op('Identity', [dyb], {}, gradOutput('head.f2b.b'));
  // ReLU passes the gradient where its input was > 0 (tfjs' step(x), 0 at x = 0).
  const dpre = mul(gemm(dy, sp['head.f2b.w'], { tb: true }), toFloat(g.op('Greater', [pre, scalar(0)])));
  g.op('Gemm', [a2, dpre], { transA: int(1) }, gradOutput('head.f2a.w'));
  g.op('Identity', [sumCols(dpre)], {}, gradOutput('head.f2a.b'));

  g.output('loss', []);
  g.output('stats', [STEP2_STATS.length]);
  g.output('ids', ['T'], DataType.INT64);
  g.output('teacher_proj', ['T', p]);
  for (const nm of MLP_PARAMS) g.output(gradOutput(nm), paramShape(spec, nm));
  return g.toBytes({ producer: 'cause-studio step2-mlp', graphName: 'step2_mlp' });
}
