// The contextual encoder as ONNX graph nodes, forward and hand-derived backward: token embedding,
// `depth` pre-LayerNorm Transformer blocks (multi-head self-attention over all tokens of an image, exact
// GELU FFN), a final LayerNorm. Activations are 2-D [R, ·] (R = B·n rows, images contiguous) except
// inside attention ([B, heads, n, dh]). The maths is the TR decoder block's (../cause/ort/tr-step2-graph.ts)
// and ../../../../shared/docs/pretraining.md §6:
//   LayerNorm  dx = rstd·(g − mean g − x̂·mean(g⊙x̂)), g = dy⊙γ;  dγ = Σ dy⊙x̂, dβ = Σ dy
//   attention  dV = Aᵀ dO, dA = dO Vᵀ, dS = A⊙(dA − rowsum(dA⊙A)), dQ = s·dS K, dK = s·dSᵀ Q
//   GELU       y' = Φ(x) + x φ(x)
import { int, ints, type GraphBuilder } from '../onnx/graph-builder.js';
import type { EncoderSpec } from './params.js';

export const LN_EPS = 1e-5;

type Ops = ReturnType<typeof encoderOps>;

export function encoderOps(g: GraphBuilder) {
  const scalar = (v: number) => g.floats('c', [], new Float32Array([v]));
  const shape = (...s: number[]) => g.int64s('shape', s);
  const op = (t: string, i: string[], a = {}) => g.op(t, i, a);
  return {
    g,
    scalar,
    mul: (a: string, b: string) => op('Mul', [a, b]),
    add: (a: string, b: string) => op('Add', [a, b]),
    sub: (a: string, b: string) => op('Sub', [a, b]),
    div: (a: string, b: string) => op('Div', [a, b]),
    reshape: (t: string, ...s: number[]) => op('Reshape', [t, shape(...s)]),
    transpose: (t: string, perm: number[]) => op('Transpose', [t], { perm: ints(perm) }),
    matmul: (a: string, b: string) => op('MatMul', [a, b]),
    /** Σ over the last axis, kept. */
    sumLast: (t: string) => op('ReduceSum', [t, g.int64s('axes', [-1])], { keepdims: int(1) }),
    meanLast: (t: string) => op('ReduceMean', [t], { axes: ints([-1]), keepdims: int(1) }),
    /** Σ over rows of a 2-D tensor → [cols]. */
    sumRows: (t: string) => op('ReduceSum', [t, g.int64s('axes', [0])], { keepdims: int(0) }),
    /** aᵀ·b for 2-D a, b. */
    atb: (a: string, b: string) => op('Gemm', [a, b], { transA: int(1) }),
    /** a·bᵀ for 2-D a, b. */
    abt: (a: string, b: string) => op('Gemm', [a, b], { transB: int(1) }),
    linear: (x: string, w: string, b: string) => op('Gemm', [x, w, b]),
    identity: (t: string, name: string) => g.op('Identity', [t], {}, name),
    /** t[..., start:end, ...] along `axis`. */
    slice: (t: string, start: number, end: number, axis: number) =>
      op('Slice', [t, g.int64s('s', [start]), g.int64s('e', [end]), g.int64s('a', [axis])]),
    concat: (ts: string[], axis: number) => op('Concat', ts, { axis: int(axis) }),
    /** [first dim of t, ...rest] as an int64 shape (the batch taken from t at run time). */
    batchShape: (t: string, ...rest: number[]) =>
      op(
        'Concat',
        [op('Slice', [op('Shape', [t]), g.int64s('s', [0]), g.int64s('e', [1])]), g.int64s('shape', rest)],
        { axis: int(0) },
      ),
  };
}

export interface LnCache {
  readonly xhat: string;
  readonly rstd: string;
  readonly gamma: string;
}

export function layerNorm(
  o: Ops,
  x: string,
  gamma: string,
  beta: string,
  eps = LN_EPS,
): { y: string; cache: LnCache } {
  const c = o.sub(x, o.meanLast(x));
  const rstd = o.g.op('Reciprocal', [o.g.op('Sqrt', [o.add(o.meanLast(o.mul(c, c)), o.scalar(eps))])]);
  const xhat = o.mul(c, rstd);
  return { y: o.add(o.mul(xhat, gamma), beta), cache: { xhat, rstd, gamma } };
}

/** Returns dx; writes dγ, dβ to `grads`. */
export function layerNormBackward(o: Ops, c: LnCache, dy: string, grads: { g: string; b: string }): string {
  o.identity(o.sumRows(o.mul(dy, c.xhat)), grads.g);
  o.identity(o.sumRows(dy), grads.b);
  const gx = o.mul(dy, c.gamma);
  const inner = o.sub(o.sub(gx, o.meanLast(gx)), o.mul(c.xhat, o.meanLast(o.mul(gx, c.xhat))));
  return o.mul(inner, c.rstd);
}

export function gelu(o: Ops, m: string): string {
  return o.mul(
    o.mul(m, o.scalar(0.5)),
    o.add(o.g.op('Erf', [o.mul(m, o.scalar(Math.SQRT1_2))]), o.scalar(1)),
  );
}

/** GELU'(m) = Φ(m) + m·φ(m). */
export function geluGrad(o: Ops, m: string): string {
  const cdf = o.mul(o.add(o.g.op('Erf', [o.mul(m, o.scalar(Math.SQRT1_2))]), o.scalar(1)), o.scalar(0.5));
  const pdf = o.mul(
    o.g.op('Exp', [o.mul(o.mul(m, m), o.scalar(-0.5))]),
    o.scalar(1 / Math.sqrt(2 * Math.PI)),
  );
  return o.add(cdf, o.mul(m, pdf));
}

interface BlockCache {
  readonly h1: string;
  readonly ln1: LnCache;
  readonly Q4: string;
  readonly K4: string;
  readonly V4: string;
  readonly A: string;
  readonly ctx: string;
  readonly h2: string;
  readonly ln2: LnCache;
  readonly m: string;
  readonly a: string;
  /** Residual branch outputs before the layer scale (for its gradient). */
  readonly att: string;
  readonly ffn: string;
}

export interface EncoderForward {
  /** Output tokens [R, D] (after the final LayerNorm; prefix tokens dropped when training). */
  readonly y: string;
  readonly x0in: string;
  readonly blocks: readonly BlockCache[];
  readonly lnf: LnCache;
}

export interface ForwardExtras {
  /** Added after the patch embedding: [R, D] per row (training) or [1, T, D] (the exported model). */
  readonly pos?: string;
  /** `x` is already embedded (the exported raw-pixel model embeds with a Conv). */
  readonly embedded?: boolean;
}

/**
 * Forward of the encoder. With `n` (training), `x` is [R, inDim] with n tokens per image, images
 * contiguous; with n = null (the exported model), `x` is [B, T, inDim] with any B and T.
 * `P(name)` gives the graph value of a parameter.
 */
export function encoderForward(
  o: Ops,
  spec: EncoderSpec,
  P: (name: string) => string,
  x: string,
  n: number | null,
  extra: ForwardExtras = {},
): EncoderForward {
  const { dim: D, heads: H } = spec;
  const dh = D / H;
  const scale = 1 / Math.sqrt(dh);
  const eps = spec.lnEps ?? LN_EPS;
  const Pn = spec.prefix ?? 0;
  const lin = n === null ? (t: string, w: string, b: string) => o.add(o.matmul(t, w), b) : o.linear;
  let h = extra.embedded ? x : lin(x, P('embed.w'), P('embed.b'));
  if (extra.pos) h = o.add(h, extra.pos);
  // CLS + register tokens in front of each image's patches.
  const nn = n === null ? null : n + Pn;
  if (Pn > 0) {
    const h3 = n === null ? h : o.reshape(h, -1, n, D);
    const pre = o.g.op('Expand', [o.reshape(P('prefix'), 1, Pn, D), o.batchShape(h3, Pn, D)]);
    const cat = o.concat([pre, h3], 1);
    h = n === null ? cat : o.reshape(cat, -1, D);
  }
  const blocks: BlockCache[] = [];
  // [.., D] → [B, H, n, dh]; back with [B, n, D] (batched) or [R, D] (rows).
  const split = (t: string) =>
    o.transpose(nn === null ? o.reshape(t, 0, 0, H, dh) : o.reshape(t, -1, nn, H, dh), [0, 2, 1, 3]);
  const merge = (t4: string) =>
    n === null
      ? o.reshape(o.transpose(t4, [0, 2, 1, 3]), 0, 0, D)
      : o.reshape(o.transpose(t4, [0, 2, 1, 3]), -1, D);
  for (let l = 0; l < spec.depth; l++) {
    const b = `blk${l}`;
    const ln1 = layerNorm(o, h, P(`${b}.ln1.g`), P(`${b}.ln1.b`), eps);
    const Q4 = split(lin(ln1.y, P(`${b}.q.w`), P(`${b}.q.b`)));
    const K4 = split(lin(ln1.y, P(`${b}.k.w`), P(`${b}.k.b`)));
    const V4 = split(lin(ln1.y, P(`${b}.v.w`), P(`${b}.v.b`)));
    const S = o.mul(o.matmul(Q4, o.transpose(K4, [0, 1, 3, 2])), o.scalar(scale));
    const A = o.g.op('Softmax', [S], { axis: int(-1) });
    const ctx = merge(o.matmul(A, V4));
    const att = lin(ctx, P(`${b}.o.w`), P(`${b}.o.b`));
    const h1 = o.add(h, spec.layerScale ? o.mul(att, P(`${b}.ls1`)) : att);
    const ln2 = layerNorm(o, h1, P(`${b}.ln2.g`), P(`${b}.ln2.b`), eps);
    const m = lin(ln2.y, P(`${b}.ffn1.w`), P(`${b}.ffn1.b`));
    const a = gelu(o, m);
    const ffn = lin(a, P(`${b}.ffn2.w`), P(`${b}.ffn2.b`));
    blocks.push({ h1: ln1.y, ln1: ln1.cache, Q4, K4, V4, A, ctx, h2: ln2.y, ln2: ln2.cache, m, a, att, ffn });
    h = o.add(h1, spec.layerScale ? o.mul(ffn, P(`${b}.ls2`)) : ffn);
  }
  const lnf = layerNorm(o, h, P('lnf.g'), P('lnf.b'), eps);
  // Training rows: the loss reads the patches only.
  const y =
    Pn > 0 && n !== null ? o.reshape(o.slice(o.reshape(lnf.y, -1, n + Pn, D), Pn, 1 << 30, 1), -1, D) : lnf.y;
  return { y, x0in: x, blocks, lnf: lnf.cache };
}

/** Backward of encoderForward from dy [R, D]; writes `G(name)` for every encoder parameter. */
export function encoderBackward(
  o: Ops,
  spec: EncoderSpec,
  P: (name: string) => string,
  G: (name: string) => string,
  f: EncoderForward,
  dyOut: string,
  n: number,
): void {
  let dy = dyOut;
  const { dim: D, heads: H } = spec;
  const dh = D / H;
  const scale = o.scalar(1 / Math.sqrt(dh));
  const Pn = spec.prefix ?? 0;
  const nn = n + Pn;
  const merge = (t4: string) => o.reshape(o.transpose(t4, [0, 2, 1, 3]), -1, D);
  const split = (t: string) => o.transpose(o.reshape(t, -1, nn, H, dh), [0, 2, 1, 3]);
  if (Pn > 0) {
    // The prefix rows get no gradient from the loss: zeros in front of each image's patch rows.
    const dy3 = o.reshape(dy, -1, n, D);
    const zeros = o.g.op('Expand', [o.scalar(0), o.batchShape(dy3, Pn, D)]);
    dy = o.reshape(o.concat([zeros, dy3], 1), -1, D);
  }
  const linBack = (x: string, w: string, dOut: string, name: string) => {
    o.identity(o.atb(x, dOut), G(`${name}.w`));
    o.identity(o.sumRows(dOut), G(`${name}.b`));
    return o.abt(dOut, w);
  };
  let dh_ = layerNormBackward(o, f.lnf, dy, { g: G('lnf.g'), b: G('lnf.b') });
  for (let l = spec.depth - 1; l >= 0; l--) {
    const b = `blk${l}`;
    const c = f.blocks[l]!;
    // FFN branch: h_out = h1 + ls2 ⊙ ffn2(gelu(ffn1(LN2(h1)))).
    let dffn = dh_;
    if (spec.layerScale) {
      o.identity(o.sumRows(o.mul(c.ffn, dh_)), G(`${b}.ls2`));
      dffn = o.mul(dh_, P(`${b}.ls2`));
    }
    const da = linBack(c.a, P(`${b}.ffn2.w`), dffn, `${b}.ffn2`);
    const dm = o.mul(da, geluGrad(o, c.m));
    const dln2 = linBack(c.h2, P(`${b}.ffn1.w`), dm, `${b}.ffn1`);
    const dh1 = o.add(dh_, layerNormBackward(o, c.ln2, dln2, { g: G(`${b}.ln2.g`), b: G(`${b}.ln2.b`) }));
    // Attention branch: h1 = h + ls1 ⊙ o(attn(LN1(h))).
    let datt = dh1;
    if (spec.layerScale) {
      o.identity(o.sumRows(o.mul(c.att, dh1)), G(`${b}.ls1`));
      datt = o.mul(dh1, P(`${b}.ls1`));
    }
    const dctx = linBack(c.ctx, P(`${b}.o.w`), datt, `${b}.o`);
    const dO4 = split(dctx);
    const dV4 = o.matmul(o.transpose(c.A, [0, 1, 3, 2]), dO4);
    const dA = o.matmul(dO4, o.transpose(c.V4, [0, 1, 3, 2]));
    const dS = o.mul(c.A, o.sub(dA, o.sumLast(o.mul(dA, c.A))));
    const dQ4 = o.mul(o.matmul(dS, c.K4), scale);
    const dK4 = o.mul(o.matmul(o.transpose(dS, [0, 1, 3, 2]), c.Q4), scale);
    const dq = linBack(c.h1, P(`${b}.q.w`), merge(dQ4), `${b}.q`);
    const dk = linBack(c.h1, P(`${b}.k.w`), merge(dK4), `${b}.k`);
    const dv = linBack(c.h1, P(`${b}.v.w`), merge(dV4), `${b}.v`);
    const dln1 = o.add(o.add(dq, dk), dv);
    dh_ = o.add(dh1, layerNormBackward(o, c.ln1, dln1, { g: G(`${b}.ln1.g`), b: G(`${b}.ln1.b`) }));
  }
  if (Pn > 0) {
    const d3 = o.reshape(dh_, -1, nn, D);
    o.identity(
      o.g.op('ReduceSum', [o.slice(d3, 0, Pn, 1), o.g.int64s('axes', [0])], { keepdims: int(0) }),
      G('prefix'),
    );
    dh_ = o.reshape(o.slice(d3, Pn, 1 << 30, 1), -1, D);
  }
  o.identity(o.atb(f.x0in, dh_), G('embed.w'));
  o.identity(o.sumRows(dh_), G('embed.b'));
}
