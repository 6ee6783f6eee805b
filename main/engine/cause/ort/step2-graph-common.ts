// The parts every Step 2 training graph shares (MLP head: mlp-step2-graph.ts, TR head: tr-step2-graph.ts):
// small op helpers, the projection + L2 normalisation with its backward, and the concept-aware
// contrastive loss — pair masks from the concepts, per-image weights, the batch and bank terms, the
// `loss`/`stats` outputs and ∂loss/∂normalize(z). One copy, so both heads train on the same objective.
import { float, int, type GraphBuilder } from '../../onnx/graph-builder.js';
import { DataType } from '../../onnx/onnx-schema.js';
import { RELEASE_STEP2_LOSS, type HardNegatives, type Step2Loss } from '../../../../shared/contract/step2-loss.js';

/** Order of the `stats` output. */
export const STEP2_STATS = ['batchTerms', 'bankTerms', 'batchPosPairs', 'bankPosPairs', 'batchNegPairs', 'bankNegPairs'] as const;

export interface GemmOptions {
  readonly ta?: boolean;
  readonly tb?: boolean;
  readonly alpha?: number;
  readonly c?: string;
}

/** Terse wrappers over GraphBuilder.op for the maths below. */
export function graphOps(g: GraphBuilder) {
  const scalar = (v: number) => g.floats('c', [], new Float32Array([v]));
  const axes = (...a: number[]) => g.int64s('axes', a);
  const shape = (...s: number[]) => g.int64s('shape', s);
  return {
    scalar,
    axes,
    shape,
    sumRows: (t: string) => g.op('ReduceSum', [t, axes(-1)], { keepdims: int(1) }), // [.., X, 1]
    meanRows: (t: string) => g.op('ReduceMean', [t], { axes: { ints: [-1] }, keepdims: int(1) }),
    sumCols: (t: string) => g.op('ReduceSum', [t, axes(0)], { keepdims: int(0) }), // [Y]
    sumAll: (t: string) => g.op('ReduceSum', [t], { keepdims: int(0) }), // scalar
    mul: (a: string, b: string) => g.op('Mul', [a, b]),
    add: (a: string, b: string) => g.op('Add', [a, b]),
    sub: (a: string, b: string) => g.op('Sub', [a, b]),
    div: (a: string, b: string) => g.op('Div', [a, b]),
    reshape: (t: string, ...s: number[]) => g.op('Reshape', [t, shape(...s)]),
    gemm: (a: string, b: string, o: GemmOptions = {}) =>
      g.op('Gemm', o.c ? [a, b, o.c] : [a, b], {
        transA: int(o.ta ? 1 : 0),
        transB: int(o.tb ? 1 : 0),
        alpha: float(o.alpha ?? 1),
      }),
    toFloat: (t: string) => g.op('Cast', [t], { to: int(DataType.FLOAT) }),
    /** ReLU's gradient gate: 1 where the input was > 0 (tfjs' step(x), 0 at x = 0). */
    reluGate: (pre: string) => g.op('Cast', [g.op('Greater', [pre, scalar(0)])], { to: int(DataType.FLOAT) }),
  };
}
export type GraphOps = ReturnType<typeof graphOps>;

/** z = y·W + b, zn = z/max(‖z‖, 1e-12) (F.normalize). */
export function projectNormalize(g: GraphBuilder, o: GraphOps, y: string, w: string, b: string): { z: string; zn: string; nrm: string } {
  const z = o.gemm(y, w, { c: b });
  const nrm = g.op('Max', [g.op('Sqrt', [o.sumRows(o.mul(z, z))]), o.scalar(1e-12)]);
  return { z, zn: o.div(z, nrm), nrm };
}

/** Backward of projectNormalize: writes the projection's gradient outputs, returns ∂y. */
export function projectNormalizeBackward(
  g: GraphBuilder,
  o: GraphOps,
  fwd: { zn: string; nrm: string },
  y: string,
  w: string,
  dzn: string,
  outputs: { w: string; b: string },
): string {
  // zn = z/‖z‖ ⇒ ∂z = (∂zn − zn (zn·∂zn)) / ‖z‖.
  const dz = o.div(o.sub(dzn, o.mul(fwd.zn, o.sumRows(o.mul(fwd.zn, dzn)))), fwd.nrm);
  g.op('Gemm', [y, dz], { transA: int(1) }, outputs.w);
  g.op('Identity', [o.sumCols(dz)], {}, outputs.b);
  return o.gemm(dz, w, { tb: true });
}

export interface ContrastSpec {
  /** Sampled tokens per image n (rows of one image are contiguous). */
  readonly tokensPerImage: number;
  readonly temperature: number;
  readonly posThreshold: number;
  readonly negThreshold: number;
  /** Loss options (shared/contract/step2-loss.ts); absent = the release's InfoNCE, node for node. */
  readonly loss?: Step2Loss;
}

/**
 * The concept-aware contrastive loss of normalize(student projections) `zn` [T, p] against the teacher's
 * `ztn` [T, p] (whole batch) and the bank rows; writes the `loss` and `stats` outputs and returns
 * ∂loss/∂zn. `ids` are the tokens' concepts [T] (int64); the bank is fed as `bank_ids`/`bank_rows`/
 * `bank_valid` (an empty bank is one row with valid 0, which adds no pair).
 * The per-row maths of each loss option is in contrastRow(); this part builds the masks and weights.
 */
export function contrastiveLoss(
  g: GraphBuilder,
  o: GraphOps,
  spec: ContrastSpec,
  inp: { cbNorm: string; ids: string; zn: string; ztn: string; bankIds: string; bankRows: string; bankValid: string },
): string {
  const { scalar, sumRows, sumAll, mul, add, sub, div, toFloat } = o;
  const n = spec.tokensPerImage;
  const loss = spec.loss ?? RELEASE_STEP2_LOSS;
  const triplet = loss.kind === 'triplet';
  const V = g.op('Gather', [inp.cbNorm, inp.ids], { axis: int(0) });
  const Vb = g.op('Gather', [inp.cbNorm, inp.bankIds], { axis: int(0) });

  // Pair masks: positives G > pos (own position excluded in the batch), negatives G < neg.
  const gt = (G: string, v: number) => toFloat(g.op('Greater', [G, scalar(v)]));
  const lt = (G: string, v: number) => toFloat(g.op('Less', [G, scalar(v)]));
  const Gbatch = o.gemm(V, V, { tb: true });
  const posB = mul(gt(Gbatch, spec.posThreshold), sub(scalar(1), g.op('EyeLike', [Gbatch])));
  const negB = lt(Gbatch, spec.negThreshold);
  const Gbank = o.gemm(V, Vb, { tb: true });
  const bv = g.op('Unsqueeze', [inp.bankValid, o.axes(0)]);
  const posK = mul(gt(Gbank, spec.posThreshold), bv);
  const negK = mul(lt(Gbank, spec.negThreshold), bv);

  const one = scalar(1);
  // InfoNCE works on S = cos/T, the triplet hinge on the cosine itself.
  const simScale = triplet ? 1 : 1 / spec.temperature;
  /**
   * Σ_b w_b Σ_i perRow_i with w_b = 1/(positive pairs of image b) (0 without), and ∂/∂S (before the
   * 1/terms factor) = w_b ∂perRow_i/∂S_i·.
   */
  const contrast = (targets: string, pos: string, negAll: string) => {
    const S = o.gemm(inp.zn, targets, { tb: true, alpha: simScale });
    const neg = loss.hardNegatives ? hardestNegatives(g, o, S, negAll, loss.hardNegatives) : negAll;
    const row = contrastRow(g, o, loss, spec.temperature, S, pos, neg);
    const posRow = sumRows(pos);
    const imgP = sumRows(o.reshape(posRow, -1, n)); // [B,1]
    const has = toFloat(g.op('Greater', [imgP, scalar(0)]));
    const wImg = div(has, g.op('Max', [imgP, one]));
    const wRow = o.reshape(g.op('Expand', [wImg, o.shape(1, n)]), -1, 1);
    const sum = sumAll(mul(row.perRow, wRow));
    return { sum, dS: mul(wRow, row.dS), terms: sumAll(has), posPairs: sumAll(posRow), negPairs: sumAll(neg) };
  };
  const cb = contrast(inp.ztn, posB, negB);
  const ck = contrast(inp.bankRows, posK, negK);
  const terms = add(cb.terms, ck.terms);
  const invTerms = div(one, g.op('Max', [terms, one])); // the caller skips the update when terms = 0
  g.op('Mul', [add(cb.sum, ck.sum), invTerms], {}, 'loss');
  g.op(
    'Concat',
    [cb.terms, ck.terms, cb.posPairs, ck.posPairs, cb.negPairs, ck.negPairs].map((s) => g.op('Unsqueeze', [s, o.axes(0)])),
    { axis: int(0) },
    'stats',
  );
  // S = zn·targetsᵀ·scale ⇒ ∂zn = (dS_batch·ztn + dS_bank·bank)·scale/terms; the targets are constants.
  return mul(add(g.op('MatMul', [cb.dS, inp.ztn]), g.op('MatMul', [ck.dS, inp.bankRows])), mul(invTerms, scalar(simScale)));
}

/**
 * Per anchor row: the loss `perRow` [T, 1] and its gradient `dS` [T, Q] with respect to the similarities
 * (before the per-image weights). Release InfoNCE: posRow·log Σ_valid e^S − Σ_pos S. Debiased: the
 * negative part of the denominator is Ng = max((R − τ⁺·N·mean_pos e^S)/(1 − τ⁺), N e^{−1/T}) with
 * R = N·Σ_neg e^{βS} e^S / Σ_neg e^{βS}. Triplet: Σ_pos max(0, margin − c_ij + mean_neg c).
 */
function contrastRow(g: GraphBuilder, o: GraphOps, loss: Step2Loss, temperature: number, S: string, pos: string, neg: string): { perRow: string; dS: string } {
  const { scalar, sumRows, mul, add, sub, div, toFloat } = o;
  const posRow = sumRows(pos);
  const nNeg = sumRows(neg);
  if (loss.kind === 'triplet') {
    const hasNeg = toFloat(g.op('Greater', [nNeg, scalar(0)]));
    const invN = div(hasNeg, g.op('Max', [nNeg, scalar(1)]));
    const h = mul(sumRows(mul(S, neg)), invN); // mean negative cosine (0 and unused without negatives)
    const slack = add(sub(scalar(loss.margin), S), h);
    const gate = mul(mul(pos, hasNeg), toFloat(g.op('Greater', [slack, scalar(0)])));
    const perRow = sumRows(mul(slack, gate));
    // ∂/∂c_ij = −gate_ij for positives, + (Σ_j gate_ij)/N for each negative.
    return { perRow, dS: sub(mul(mul(sumRows(gate), invN), neg), gate) };
  }
  const valid = add(pos, neg);
  const guard = toFloat(g.op('Equal', [sumRows(valid), scalar(0)])); // rows with nothing to compare keep log finite
  const eS = g.op('Exp', [S]);
  if (loss.tauPlus === 0 && loss.beta === 0) {
    const E = mul(eS, valid);
    const den = add(sumRows(E), guard);
    const perRow = sub(mul(posRow, g.op('Log', [den])), sumRows(mul(pos, S)));
    return { perRow, dS: sub(mul(posRow, div(E, den)), pos) };
  }
  const tp = loss.tauPlus;
  const Ep = mul(eS, pos);
  const sumP = sumRows(Ep);
  const W = loss.beta > 0 ? mul(g.op('Exp', [mul(S, scalar(loss.beta))]), neg) : neg;
  const sumW = g.op('Max', [sumRows(W), scalar(1e-30)]);
  const WE = mul(W, eS);
  const R = div(mul(nNeg, sumRows(WE)), sumW);
  const meanP = div(sumP, g.op('Max', [posRow, scalar(1)]));
  const raw = mul(sub(R, mul(scalar(tp), mul(nNeg, meanP))), scalar(1 / (1 - tp)));
  const floor = mul(nNeg, scalar(Math.exp(-1 / temperature)));
  const active = toFloat(g.op('Greater', [raw, floor]));
  const Ng = g.op('Max', [raw, floor]);
  const den = add(add(sumP, Ng), guard);
  const perRow = sub(mul(posRow, g.op('Log', [den])), sumRows(mul(pos, S)));
  // ∂den/∂S: positives e^S (1 − active·τ⁺N/(|P|(1−τ⁺))); negatives active/(1−τ⁺)·W/ΣW·((1+β)N e^S − βR).
  const dPos = mul(Ep, sub(scalar(1), mul(active, mul(div(nNeg, g.op('Max', [posRow, scalar(1)])), scalar(tp / (1 - tp))))));
  const negPart = sub(mul(mul(nNeg, scalar(1 + loss.beta)), eS), mul(R, scalar(loss.beta)));
  const dNeg = mul(mul(div(W, sumW), negPart), mul(active, scalar(1 / (1 - tp))));
  const dDen = add(dPos, dNeg);
  return { perRow, dS: sub(mul(div(posRow, den), dDen), pos) };
}

/**
 * Keeps, per row, the negatives with the highest similarity: min(count, N_i) of them, or
 * ceil(fraction·N_i). The selection is a constant of the step (piecewise constant in S, so no gradient).
 */
function hardestNegatives(g: GraphBuilder, o: GraphOps, S: string, neg: string, hard: HardNegatives): string {
  const { scalar, sumRows, mul, toFloat } = o;
  const nNeg = sumRows(neg);
  const cnt = 'count' in hard ? g.op('Min', [nNeg, scalar(hard.count)]) : g.op('Ceil', [mul(nNeg, scalar(hard.fraction))]);
  const cols = g.op('Slice', [g.op('Shape', [S]), g.int64s('s', [1]), g.int64s('e', [2])]);
  const kmax = g.op('Cast', [g.op('ReduceMax', [cnt], { keepdims: int(0) })], { to: int(DataType.INT64) });
  const k = g.op('Max', [g.op('Min', [g.op('Reshape', [kmax, o.shape(1)]), cols]), g.int64s('one', [1])]);
  const masked = g.op('Where', [g.op('Greater', [neg, scalar(0.5)]), S, scalar(-1e9)]);
  const [values] = g.opOutputs('TopK', [masked, k], 2, { axis: int(-1), largest: int(1), sorted: int(1) });
  const at = g.op('Cast', [g.op('Max', [g.op('Sub', [cnt, scalar(1)]), scalar(0)])], { to: int(DataType.INT64) });
  const thr = g.op('GatherElements', [values!, at], { axis: int(1) }); // the cnt-th largest negative [T, 1]
  return mul(mul(neg, toFloat(g.op('GreaterOrEqual', [S, thr]))), toFloat(g.op('Greater', [cnt, scalar(0)])));
}

/** Bank inputs and the step outputs both graphs declare identically. */
export function bankInputs(g: GraphBuilder, projDim: number): { bankIds: string; bankRows: string; bankValid: string } {
  return {
    bankIds: g.input('bank_ids', ['Q'], DataType.INT64),
    bankRows: g.input('bank_rows', ['Q', projDim]),
    bankValid: g.input('bank_valid', ['Q']),
  };
}

export function stepOutputs(g: GraphBuilder, projDim: number): void {
  g.output('loss', []);
  g.output('stats', [STEP2_STATS.length]);
  g.output('ids', ['T'], DataType.INT64);
  g.output('teacher_proj', ['T', projDim]);
}
