// One ONNX graph holding a whole Step 2 TR training step except the optimiser: the codebook queries,
// teacher forward, student forward, projection, L2 normalisation, the concept-aware contrastive loss
// (shared with the MLP graph: step2-graph-common.ts) and the hand-derived backward to every student
// parameter. Why: on wasm the TR step is ~80 % matMul at ~38 GFLOP/s; onnxruntime's MLAS runs the same
// products several times faster (the route the MLP head took, see mlp-step2-graph.ts).
//
// Only the sampled rows reach the loss, and in the TR head a row's output depends on the full grid
// only through the keys and values of its two attentions (everything else is row-wise). So every
// activation — queries, attention rows, LayerNorms, FFN, output layers — is computed on the T = B·n
// sampled rows alone: attention maps are [B, n, N] instead of [B, N, N] (16× smaller). The key and
// value projections are moved to the query side (see attention()), so besides the nearest-concept
// search no product runs over all B·N grid rows. The result equals the full-grid head gathered
// afterwards (heads.ts, the oracle; a unit test compares both). Dropout masks are fed for the sampled
// rows only.
//
// Backward, by hand: softmax dS = A⊙(dA − Σ_j dA⊙A), LayerNorm du = rstd (dx̂ − mean dx̂ − x̂ mean(dx̂⊙x̂)),
// ReLU gates, residuals; the key/value inputs of the cross-attention (x) and the self-attention values
// (the queries) are constants; the positional table collects the self-attention keys' gradient over
// all grid rows plus the query paths' gradient at the sampled rows.
// Shapes: B images (symbolic; X = B·N grid rows, T = B·n sampled rows), Q bank rows (symbolic).
import { GraphBuilder, int } from '../../onnx/graph-builder.js';
import { DataType } from '../../onnx/onnx-schema.js';
import { MLP_PARAMS, paramShape, type MlpParamName } from './mlp-step2-graph.js';
import {
  bankInputs,
  contrastiveLoss,
  graphOps,
  projectNormalize,
  projectNormalizeBackward,
  stepOutputs,
  type ContrastSpec,
  type GraphOps,
} from './step2-graph-common.js';

export interface TrStep2GraphSpec extends ContrastSpec {
  /** Backbone feature dimension D. */
  readonly dim: number;
  /** Head output r. */
  readonly headDim: number;
  /** Projection p. */
  readonly projDim: number;
  /** FFN hidden size F. */
  readonly ffnDim: number;
  /** Clusterbook size k. */
  readonly concepts: number;
  /** Grid tokens per image N = h·w. */
  readonly gridTokens: number;
  /** Dropout rate p: with p > 0 the keep flags of every site are inputs (uint8 0/1, scaled by 1/(1−p) here); 0 = no dropout. */
  readonly dropout: number;
  /** Hybrid head (`--head hybrid`): a 3×3 depthwise + 1×1 conv branch over the grid, added before the output layers. */
  readonly hybrid?: { readonly gridWidth: number };
}

const ATTN = ['q', 'k', 'v', 'o'] as const;
/** Head + projection parameters in heads.ts' order (initHeadParams). */
export const TR_PARAMS = [
  'head.pos',
  ...(['sa', 'ca'] as const).flatMap((a) => ATTN.flatMap((m) => [`head.${a}.${m}.w`, `head.${a}.${m}.b`] as const)),
  ...(['ln1', 'ln2', 'ln3'] as const).flatMap((l) => [`head.${l}.g`, `head.${l}.b`] as const),
  'head.ffn1.w',
  'head.ffn1.b',
  'head.ffn2.w',
  'head.ffn2.b',
  ...MLP_PARAMS,
] as const;
/** The hybrid head's conv branch: depthwise 3×3 taps [9, D] (row-major over dy, dx) + bias, pointwise D → D + bias. */
export const HYBRID_PARAMS = ['head.cv.dw.w', 'head.cv.dw.b', 'head.cv.pw.w', 'head.cv.pw.b'] as const;
export type TrParamName = (typeof TR_PARAMS)[number] | (typeof HYBRID_PARAMS)[number];

/** The parameters of a spec's graph: TR_PARAMS, plus the conv branch for the hybrid head. */
export function trParamNames(spec: { readonly hybrid?: { readonly gridWidth: number } | undefined }): readonly TrParamName[] {
  return spec.hybrid ? [...TR_PARAMS, ...HYBRID_PARAMS] : TR_PARAMS;
}

/**
 * Dropout sites of one network, each fed at the sampled rows: attention maps [T, N], the rest [T, width].
 * Fed as uint8 keep flags: a quarter of the bytes of float multipliers, and the host allocation of the
 * float arrays (~90 MB a step at 40×40) cost more than drawing them (measured).
 */
export const TR_DROPOUT_SITES = ['a1', 'sa', 'a2', 'ca', 'h', 'ff', 'o1', 'o2'] as const;
export type TrDropoutSite = (typeof TR_DROPOUT_SITES)[number];

export const studentInput = (name: TrParamName) => `s:${name}`;
export const teacherInput = (name: TrParamName) => `t:${name}`;
export const gradOutput = (name: TrParamName) => `g:${name}`;
export const maskInput = (net: 's' | 't', site: TrDropoutSite) => `drop_${net}_${site}`;

export function trParamShape(spec: Pick<TrStep2GraphSpec, 'dim' | 'headDim' | 'projDim' | 'ffnDim' | 'gridTokens'>, name: TrParamName): number[] {
  const { dim: D, headDim: r, projDim: p, ffnDim: F, gridTokens: N } = spec;
  if (name === 'head.pos') return [N, D];
  if (name === 'head.ffn1.w') return [D, F];
  if (name === 'head.ffn1.b') return [F];
  if (name === 'head.ffn2.w') return [F, D];
  if (name === 'head.cv.dw.w') return [9, D];
  // The output layers and projection are the MLP head's.
  if ((MLP_PARAMS as readonly string[]).includes(name)) return paramShape({ dim: D, headDim: r, projDim: p }, name as MlpParamName);
  return name.endsWith('.w') ? [D, D] : [D];
}

/** Width of a dropout site's mask row. */
export function maskWidth(spec: Pick<TrStep2GraphSpec, 'dim' | 'ffnDim' | 'gridTokens'>, site: TrDropoutSite): number {
  return site === 'a1' || site === 'a2' ? spec.gridTokens : site === 'h' ? spec.ffnDim : spec.dim;
}

/** Forward + backward FLOPs of one step as this graph computes it (matrix products only), for the benchmark. */
export function trStep2Flops(spec: Pick<TrStep2GraphSpec, 'dim' | 'headDim' | 'projDim' | 'concepts' | 'ffnDim' | 'gridTokens' | 'tokensPerImage'>, B: number, Q: number): number {
  const { dim: D, headDim: r, projDim: p, concepts: k, ffnDim: F, gridTokens: N, tokensPerImage: n } = spec;
  const T = B * n;
  const queries = 2 * B * N * D * k; // the only product over every grid row
  // Per attention: Q, Q·Wkᵀ, (A·vin)·Wv and the output projection (4 × T·D²), scores and A·vin (2 × T·N·D).
  const attention = 4 * 2 * T * D * D + 2 * 2 * T * N * D;
  const forward = 2 * attention + 2 * 2 * T * D * F + 2 * T * (2 * D * r + D * D) + 2 * T * r * p;
  const masks = 2 * T * T * D + 2 * T * Q * D;
  const contrast = 2 * (2 * T * T * p) + 2 * (2 * T * Q * p);
  // Teacher and student forward, student backward (weight and input gradients ≈ 2 forwards).
  return queries + masks + contrast + 4 * forward;
}

/** The head's parameters (TR_PARAMS without the projection): what a forward-only graph feeds. */
export type TrHeadParamName = Exclude<TrParamName, 'proj.w' | 'proj.b'>;
export const TR_HEAD_PARAMS = trHeadParamNames({});
export function trHeadParamNames(spec: { readonly hybrid?: { readonly gridWidth: number } | undefined }): readonly TrHeadParamName[] {
  return trParamNames(spec).filter((nm): nm is TrHeadParamName => !nm.startsWith('proj.'));
}

/** What trHeadForwardGraph needs of a spec. */
export type TrForwardShape = Pick<TrStep2GraphSpec, 'dim' | 'concepts' | 'gridTokens' | 'tokensPerImage' | 'hybrid'>;

/**
 * The TR head's forward at the sampled rows, as graph nodes: the one copy of the forward maths, used by
 * the Step 2 training graph (teacher and student, with dropout) and by the forward-only graph of
 * tr-forward-graph.ts (the frozen teacher in Step 3, no dropout). `x` [X, D] holds the full grids,
 * `rows` [T] (int64) the sampled rows, n per image, images contiguous. Returns the sampled rows'
 * concepts and grid positions, the pieces the backward reuses, and `forward(P, M)`, whose `y` is the
 * head output [T, r] (M null = eval mode).
 */
export function trHeadForwardGraph(
  g: GraphBuilder,
  o: GraphOps,
  spec: TrForwardShape,
  inp: { readonly x: string; readonly rows: string; readonly cbNorm: string; readonly clusterbook: string },
) {
  const { dim: D, gridTokens: N, tokensPerImage: n } = spec;
  const { mul, add, sub, gemm, sumRows, meanRows, reshape, scalar } = o;
  const tb = { tb: true };
  const { x, rows, cbNorm, clusterbook } = inp;

  // Queries: the raw clusterbook row of each token's nearest concept (cosine; first max wins, as tfjs'
  // argMax). The sampled tokens' concepts are the same argmax, gathered.
  const idsFull = g.op('ArgMax', [gemm(x, cbNorm, tb)], { axis: int(1), keepdims: int(0) });
  const ids = g.op('Gather', [idsFull, rows], { axis: int(0) }, 'ids');
  const qf = g.op('Gather', [clusterbook, idsFull], { axis: int(0) });
  const qs = g.op('Gather', [qf, rows], { axis: int(0) });
  const xs = g.op('Gather', [x, rows], { axis: int(0) });
  const local = g.op('Mod', [rows, g.int64s('n', [N], [])]); // grid position of each sampled row

  const scale = 1 / Math.sqrt(D);
  const T3 = (t: string) => g.op('Transpose', [t], { perm: { ints: [0, 2, 1] } });

  /**
   * The hybrid head's local branch at the sampled rows: each row's 3×3 grid neighbourhood of backbone
   * tokens (zero outside its image: a zero row appended to x), depthwise taps, then a 1×1 conv with ReLU.
   * x is a constant, so the neighbourhood [T, 9, D] is gathered once and reused by the backward.
   */
  const conv = spec.hybrid
    ? (() => {
        const Wg = spec.hybrid.gridWidth;
        const Hg = N / Wg;
        const i64 = (v: number[]) => g.int64s('c', v, [1, v.length]);
        const dy = i64([-1, -1, -1, 0, 0, 0, 1, 1, 1]);
        const dx = i64([-1, 0, 1, -1, 0, 1, -1, 0, 1]);
        const scalarI = (v: number) => g.int64s('c', [v], []);
        const r = g.op('Unsqueeze', [g.op('Div', [local, scalarI(Wg)]), o.axes(1)]);
        const c = g.op('Unsqueeze', [g.op('Mod', [local, scalarI(Wg)]), o.axes(1)]);
        const base = g.op('Unsqueeze', [g.op('Sub', [rows, local]), o.axes(1)]);
        const rr = add(r, dy);
        const cc = add(c, dx);
        const inside = (v: string, size: number) =>
          g.op('And', [g.op('GreaterOrEqual', [v, scalarI(0)]), g.op('Less', [v, scalarI(size)])]);
        const valid = g.op('And', [inside(rr, Hg), inside(cc, Wg)]);
        const zeroRow = g.op('Gather', [g.op('Shape', [x]), g.int64s('i', [0], [])], { axis: int(0) });
        const idx = g.op('Where', [valid, add(add(base, mul(rr, scalarI(Wg))), cc), zeroRow]); // [T, 9]
        const xpad = g.op('Concat', [x, g.op('ConstantOfShape', [g.int64s('shape', [1, D])])], { axis: int(0) });
        const nb = g.op('Gather', [xpad, idx], { axis: int(0) }); // [T, 9, D]
        return (P: Record<TrHeadParamName, string>) => {
          const dw = add(g.op('ReduceSum', [mul(nb, P['head.cv.dw.w']), o.axes(1)], { keepdims: int(0) }), P['head.cv.dw.b']);
          const pre = gemm(dw, P['head.cv.pw.w'], { c: P['head.cv.pw.b'] });
          return { nb, dw, pre, loc: g.op('Relu', [pre]) };
        };
      })()
    : null;
  const drop = (t: string, m: Record<TrDropoutSite, string> | null, site: TrDropoutSite) => (m ? mul(t, m[site]) : t);

  /**
   * One attention of the sampled-row queries Q [T, D] over each image's grid rows: keys kin·Wk + bk,
   * values vin·Wv + bv (kin, vin [X, D], constants or parameter-free sums). The key/value projections
   * are moved to the sampled side, so no [X, D]×[D, D] product is ever formed:
   * S = Q·(kin·Wk + bk)ᵀ = (Q·Wkᵀ)·kinᵀ + (Q·bk) — the last term is constant along a row and softmax
   * drops it (so bk's gradient is exactly 0) — and A·(vin·Wv + bv) = (A·vin)·Wv + rowsum(A)·bv.
   * `kpos` [N, D] (the positional table, shared by every image) is added to the key input as a
   * separate product rather than materialised as B copies of kin + pos.
   */
  const attention = (
    Q: string,
    kin: string,
    kpos: string | null,
    vin: string,
    name: 'head.sa' | 'head.ca',
    P: Record<TrHeadParamName, string>,
    mask: string | null,
  ) => {
    const Wk = P[`${name}.k.w`];
    const Wv = P[`${name}.v.w`];
    const bv = P[`${name}.v.b`];
    const Qk = gemm(Q, Wk, tb);
    const Qk3 = reshape(Qk, -1, n, D);
    const kin3 = reshape(kin, -1, N, D);
    const vin3 = reshape(vin, -1, N, D);
    let scores = g.op('MatMul', [Qk3, T3(kin3)]);
    if (kpos) scores = add(scores, reshape(gemm(Qk, kpos, tb), -1, n, N));
    const A = g.op('Softmax', [mul(scores, scalar(scale))], { axis: int(-1) });
    const mask3 = mask ? reshape(mask, -1, n, N) : null;
    const Ad = mask3 ? mul(A, mask3) : A;
    const Pv = reshape(g.op('MatMul', [Ad, vin3]), -1, D);
    // Rows of a dropped-out map no longer sum to 1, so the value bias is weighted by the row sum.
    const rowSum = mask3 ? reshape(sumRows(Ad), -1, 1) : null;
    const O = rowSum ? add(gemm(Pv, Wv), mul(rowSum, bv)) : gemm(Pv, Wv, { c: bv });
    return { name, Q, Qk, Qk3, kin3, kpos, vin3, A, Ad, mask3, Pv, rowSum, O, Wk, Wv, bv };
  };

  const layerNorm = (u: string, gamma: string, beta: string) => {
    const c = sub(u, meanRows(u));
    const rstd = g.op('Reciprocal', [g.op('Sqrt', [add(meanRows(mul(c, c)), scalar(1e-5))])]);
    const xhat = mul(c, rstd);
    return { xhat, rstd, out: add(mul(xhat, gamma), beta) };
  };

  const forward = (P: Record<TrHeadParamName, string>, M: Record<TrDropoutSite, string> | null) => {
    const lin = (t: string, name: string) => gemm(t, P[`${name}.w` as TrHeadParamName], { c: P[`${name}.b` as TrHeadParamName] });
    const pos = P['head.pos'];
    const posS = g.op('Gather', [pos, local], { axis: int(0) });
    // Self-attention: keys from queries + positions, values from queries, over every grid row.
    const qps = add(qs, posS);
    const a1 = attention(lin(qps, 'head.sa.q'), qf, pos, qf, 'head.sa', P, M?.a1 ?? null);
    const sa = lin(a1.O, 'head.sa.o');
    const ln1 = layerNorm(add(qs, drop(sa, M, 'sa')), P['head.ln1.g'], P['head.ln1.b']);
    const t1 = ln1.out;
    // Cross-attention: keys and values from the backbone tokens.
    const qp2 = add(t1, posS);
    const a2 = attention(lin(qp2, 'head.ca.q'), x, null, x, 'head.ca', P, M?.a2 ?? null);
    const ca = lin(a2.O, 'head.ca.o');
    const ln2 = layerNorm(add(t1, drop(ca, M, 'ca')), P['head.ln2.g'], P['head.ln2.b']);
    const t2 = ln2.out;
    const hpre = lin(t2, 'head.ffn1');
    const hd = drop(g.op('Relu', [hpre]), M, 'h');
    const ff = lin(hd, 'head.ffn2');
    const ln3 = layerNorm(add(t2, drop(ff, M, 'ff')), P['head.ln3.g'], P['head.ln3.b']);
    const trunk = add(xs, ln3.out);
    const cv = conv ? conv(P) : null;
    const t3 = cv ? add(trunk, cv.loc) : trunk;
    // Output layers f1 + f2 with a mask per branch (the Step 2 graph adds the projection).
    const o1 = drop(t3, M, 'o1');
    const o2 = drop(t3, M, 'o2');
    const pre = lin(o2, 'head.f2a');
    const hb = g.op('Relu', [pre]);
    const y = add(lin(o1, 'head.f1'), lin(hb, 'head.f2b'));
    return { qps, a1, sa, ln1, t1, qp2, a2, ln2, t2, hpre, hd, ln3, cv, o1, o2, pre, hb, y };
  };
  return { ids, local, scale, T3, drop, forward };
}

export function buildTrStep2Graph(spec: TrStep2GraphSpec): Uint8Array {
  const { dim: D, projDim: p, concepts: k, gridTokens: N, tokensPerImage: n } = spec;
  const g = new GraphBuilder();
  const o = graphOps(g);
  const { mul, add, sub, gemm, sumCols, sumRows, meanRows, reshape, scalar } = o;
  const tb = { tb: true };

  const x = g.input('x', ['X', D]);
  const rows = g.input('rows', ['T'], DataType.INT64);
  const cbNorm = g.input('cb_norm', [k, D]);
  const clusterbook = g.input('clusterbook', [k, D]);
  const bank = bankInputs(g, p);
  const keepScale = spec.dropout > 0 ? scalar(1 / (1 - spec.dropout)) : '';
  const masks = (net: 's' | 't') =>
    spec.dropout > 0
      ? (Object.fromEntries(
          TR_DROPOUT_SITES.map((s) => [s, mul(o.toFloat(g.input(maskInput(net, s), ['T', maskWidth(spec, s)], DataType.UINT8)), keepScale)]),
        ) as Record<TrDropoutSite, string>)
      : null;
  const tm = masks('t');
  const sm = masks('s');
  const params = (input: (nm: TrParamName) => string) =>
    Object.fromEntries(trParamNames(spec).map((nm) => [nm, g.input(input(nm), trParamShape(spec, nm))])) as Record<TrParamName, string>;
  const tp = params(teacherInput);
  const sp = params(studentInput);

  const head = trHeadForwardGraph(g, o, spec, { x, rows, cbNorm, clusterbook });
  const { ids, local, scale, T3, drop } = head;
  const forward = (P: Record<TrParamName, string>, M: Record<TrDropoutSite, string> | null) => {
    const f = head.forward(P, M);
    return { ...f, ...projectNormalize(g, o, f.y, P['proj.w'], P['proj.b']) };
  };
  type Attn = ReturnType<typeof head.forward>['a1'];
  /** Writes the key/value weight gradients; returns ∂Q [T, D] and ∂kpos [N, D] (when kpos is set). */
  const attentionBackward = (a: Attn, dO: string) => {
    g.op('Gemm', [a.Pv, dO], { transA: int(1) }, `g:${a.name}.v.w`);
    g.op('Identity', [sumCols(a.rowSum ? mul(dO, a.rowSum) : dO)], {}, `g:${a.name}.v.b`);
    const dPv3 = reshape(gemm(dO, a.Wv, tb), -1, n, D);
    let dAd = g.op('MatMul', [dPv3, T3(a.vin3)]);
    if (a.rowSum) dAd = add(dAd, reshape(sumRows(mul(dO, a.bv)), -1, n, 1));
    const dA = a.mask3 ? mul(dAd, a.mask3) : dAd;
    const dS = mul(mul(a.A, sub(dA, sumRows(mul(dA, a.A)))), scalar(scale));
    let dQk = reshape(g.op('MatMul', [dS, a.kin3]), -1, D);
    const dS2 = reshape(dS, -1, N);
    if (a.kpos) dQk = add(dQk, gemm(dS2, a.kpos));
    // Qk = Q·Wkᵀ ⇒ ∂Wk = ∂Qkᵀ·Q, ∂Q = ∂Qk·Wk.
    g.op('Gemm', [dQk, a.Q], { transA: int(1) }, `g:${a.name}.k.w`);
    g.op('Mul', [sp[`${a.name}.k.b`], scalar(0)], {}, `g:${a.name}.k.b`);
    return { dQ: gemm(dQk, a.Wk), dkpos: a.kpos ? gemm(dS2, a.Qk, { ta: true }) : null };
  };

  const layerNormBackward = (ln: ReturnType<typeof head.forward>['ln1'], gamma: string, dout: string, name: 'ln1' | 'ln2' | 'ln3') => {
    g.op('Identity', [sumCols(mul(dout, ln.xhat))], {}, gradOutput(`head.${name}.g`));
    g.op('Identity', [sumCols(dout)], {}, gradOutput(`head.${name}.b`));
    const dxh = mul(dout, gamma);
    return mul(ln.rstd, sub(sub(dxh, meanRows(dxh)), mul(ln.xhat, meanRows(mul(dxh, ln.xhat)))));
  };
  const linearGrads = (input: string, dOut: string, name: string) => {
    g.op('Gemm', [input, dOut], { transA: int(1) }, `g:${name}.w`);
    g.op('Identity', [sumCols(dOut)], {}, `g:${name}.b`);
  };

  const teacher = forward(tp, tm);
  g.op('Identity', [teacher.zn], {}, 'teacher_proj');
  const s = forward(sp, sm);
  const dzn = contrastiveLoss(g, o, spec, { cbNorm, ids, zn: s.zn, ztn: teacher.zn, ...bank });

  // Backward, from the projection down to the queries' positional table.
  const W = (name: string) => sp[`${name}.w` as TrParamName];
  const dy = projectNormalizeBackward(g, o, s, s.y, sp['proj.w'], dzn, { w: gradOutput('proj.w'), b: gradOutput('proj.b') });
  linearGrads(s.o1, dy, 'head.f1');
  linearGrads(s.hb, dy, 'head.f2b');
  const dpre = mul(gemm(dy, W('head.f2b'), tb), o.reluGate(s.pre));
  linearGrads(s.o2, dpre, 'head.f2a');
  const dt3 = add(drop(gemm(dy, W('head.f1'), tb), sm, 'o1'), drop(gemm(dpre, W('head.f2a'), tb), sm, 'o2'));
  // Hybrid: t3 = trunk + relu(dw·Wp + bp), dw = Σ_k taps_k ⊙ neighbour_k + bd; the neighbours are constants.
  if (s.cv) {
    const dpreC = mul(dt3, o.reluGate(s.cv.pre));
    linearGrads(s.cv.dw, dpreC, 'head.cv.pw');
    const ddw = gemm(dpreC, W('head.cv.pw'), tb);
    g.op('ReduceSum', [mul(s.cv.nb, g.op('Unsqueeze', [ddw, o.axes(1)])), o.axes(0)], { keepdims: int(0) }, gradOutput('head.cv.dw.w'));
    g.op('Identity', [sumCols(ddw)], {}, gradOutput('head.cv.dw.b'));
  }
  // trunk = xs + LN3(u3): xs is a constant.
  const du3 = layerNormBackward(s.ln3, sp['head.ln3.g'], dt3, 'ln3');
  const dff = drop(du3, sm, 'ff');
  linearGrads(s.hd, dff, 'head.ffn2');
  const dhpre = mul(drop(gemm(dff, W('head.ffn2'), tb), sm, 'h'), o.reluGate(s.hpre));
  linearGrads(s.t2, dhpre, 'head.ffn1');
  const du2 = layerNormBackward(s.ln2, sp['head.ln2.g'], add(du3, gemm(dhpre, W('head.ffn1'), tb)), 'ln2');
  const dca = drop(du2, sm, 'ca');
  linearGrads(s.a2.O, dca, 'head.ca.o');
  const b2 = attentionBackward(s.a2, gemm(dca, W('head.ca.o'), tb));
  linearGrads(s.qp2, b2.dQ, 'head.ca.q');
  const dqp2 = gemm(b2.dQ, W('head.ca.q'), tb);
  const du1 = layerNormBackward(s.ln1, sp['head.ln1.g'], add(du2, dqp2), 'ln1');
  // u1 = qs + drop(sa): the queries are constants.
  const dsa = drop(du1, sm, 'sa');
  linearGrads(s.a1.O, dsa, 'head.sa.o');
  const b1 = attentionBackward(s.a1, gemm(dsa, W('head.sa.o'), tb));
  linearGrads(s.qps, b1.dQ, 'head.sa.q');
  // Positions: every grid row through the self-attention keys, sampled rows through both query paths
  // (several images share a grid position, so the scatter adds).
  const dposKeys = b1.dkpos!;
  const dposRows = add(gemm(b1.dQ, W('head.sa.q'), tb), dqp2);
  const zeros = g.op('ConstantOfShape', [g.int64s('shape', [N, D])]);
  const dposSampled = g.op('ScatterND', [zeros, g.op('Unsqueeze', [local, o.axes(1)]), dposRows], { reduction: { string: 'add' } });
  g.op('Add', [dposKeys, dposSampled], {}, gradOutput('head.pos'));

  stepOutputs(g, p);
  for (const nm of trParamNames(spec)) g.output(gradOutput(nm), trParamShape(spec, nm));
  return g.toBytes({ producer: 'cause-studio step2-tr', graphName: spec.hybrid ? 'step2_hybrid' : 'step2_tr' });
}
