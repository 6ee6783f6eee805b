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
import { GraphBuilder, int } from '../../onnx/graph-builder.js';
import { bankInputs, contrastiveLoss, graphOps, projectNormalize, projectNormalizeBackward, stepOutputs, type ContrastSpec } from './step2-graph-common.js';

export { STEP2_STATS } from './step2-graph-common.js';

export interface MlpStep2GraphSpec extends ContrastSpec {
  /** Backbone feature dimension D. */
  readonly dim: number;
  /** Head output r. */
  readonly headDim: number;
  /** Projection p. */
  readonly projDim: number;
  /** Clusterbook size k. */
  readonly concepts: number;
  /** Dropout masks are inputs when true (train mode with p > 0); absent otherwise. */
  readonly dropout: boolean;
}

/** Head + projection parameters in ParamSet order (names as in heads.ts). */
export const MLP_PARAMS = ['head.f1.w', 'head.f1.b', 'head.f2a.w', 'head.f2a.b', 'head.f2b.w', 'head.f2b.b', 'proj.w', 'proj.b'] as const;
export type MlpParamName = (typeof MLP_PARAMS)[number];

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
  const { dim: D, projDim: p, concepts: k } = spec;
  const g = new GraphBuilder();
  const o = graphOps(g);
  const { mul, add, gemm, sumCols } = o;

  const x = g.input('x', ['T', D]);
  const cbNorm = g.input('cb_norm', [k, D]);
  const bank = bankInputs(g, p);
  const masks = spec.dropout
    ? { s1: g.input('drop_s1', ['T', D]), s2: g.input('drop_s2', ['T', D]), t1: g.input('drop_t1', ['T', D]), t2: g.input('drop_t2', ['T', D]) }
    : null;
  const sp = Object.fromEntries(MLP_PARAMS.map((nm) => [nm, g.input(studentInput(nm), paramShape(spec, nm))])) as Record<MlpParamName, string>;
  const tp = Object.fromEntries(MLP_PARAMS.map((nm) => [nm, g.input(teacherInput(nm), paramShape(spec, nm))])) as Record<MlpParamName, string>;

  // Concepts: argmax of cosine on raw tokens (normalising x does not change the argmax); first max wins, as in tfjs.
  const ids = g.op('ArgMax', [gemm(x, cbNorm, { tb: true })], { axis: int(1), keepdims: int(0) }, 'ids');

  const head = (P: Record<MlpParamName, string>, m1: string | undefined, m2: string | undefined) => {
    const a1 = m1 ? mul(x, m1) : x;
    const a2 = m2 ? mul(x, m2) : x;
    const pre = gemm(a2, P['head.f2a.w'], { c: P['head.f2a.b'] });
    const h = g.op('Relu', [pre]);
    const y = add(gemm(a1, P['head.f1.w'], { c: P['head.f1.b'] }), gemm(h, P['head.f2b.w'], { c: P['head.f2b.b'] }));
    return { a1, a2, pre, h, y, ...projectNormalize(g, o, y, P['proj.w'], P['proj.b']) };
  };

  const teacher = head(tp, masks?.t1, masks?.t2);
  g.op('Identity', [teacher.zn], {}, 'teacher_proj');
  const student = head(sp, masks?.s1, masks?.s2);
  const dzn = contrastiveLoss(g, o, spec, { cbNorm, ids, zn: student.zn, ztn: teacher.zn, ...bank });

  // Backward through the projection, then the two branches; x is a constant (weight gradients only).
  const { y, h, pre, a1, a2 } = student;
  const dy = projectNormalizeBackward(g, o, student, y, sp['proj.w'], dzn, { w: gradOutput('proj.w'), b: gradOutput('proj.b') });
  const dyb = sumCols(dy);
  g.op('Gemm', [a1, dy], { transA: int(1) }, gradOutput('head.f1.w'));
  g.op('Identity', [dyb], {}, gradOutput('head.f1.b'));
  g.op('Gemm', [h, dy], { transA: int(1) }, gradOutput('head.f2b.w'));
  g.op('Identity', [dyb], {}, gradOutput('head.f2b.b'));
  const dpre = mul(gemm(dy, sp['head.f2b.w'], { tb: true }), o.reluGate(pre));
  g.op('Gemm', [a2, dpre], { transA: int(1) }, gradOutput('head.f2a.w'));
  g.op('Identity', [sumCols(dpre)], {}, gradOutput('head.f2a.b'));

  stepOutputs(g, p);
  for (const nm of MLP_PARAMS) g.output(gradOutput(nm), paramShape(spec, nm));
  return g.toBytes({ producer: 'cause-studio step2-mlp', graphName: 'step2_mlp' });
}
