// Segmentation heads (MLP and one-layer transformer "TR") and the projection 90 → p.
// Weights are [in, out] so every product is a plain x·W (see tf/matmul.ts for why that matters on wasm).
import * as tf from '@tensorflow/tfjs';
import { dense, matMul } from '../tf/matmul.js';
import { layerNorm } from './ops.js';
import type { ParamInit, ParamSet } from './params.js';
import type { Prng } from '../../../shared/random.js';

export type HeadKind = 'mlp' | 'tr';

export interface HeadSpec {
  readonly kind: HeadKind;
  /** Backbone feature dimension D. */
  readonly dim: number;
  /** Head output dimension r (90). */
  readonly headDim: number;
  /** Projection dimension p (2048). */
  readonly projDim: number;
  /** TR: FFN hidden size. */
  readonly ffnDim: number;
  /** TR: tokens per image N = h·w (the positional table fixes it to the training grid). */
  readonly gridTokens: number;
  readonly dropout: number;
  /**
   * TR only — the hybrid head (`--head hybrid`): a convolutional branch over the feature grid (3×3
   * depthwise taps, then 1×1 conv D → D with ReLU) added to the decoder's output before the output
   * layers, so local context joins the decoder's global context. gridWidth gives the grid's layout.
   */
  readonly hybrid?: { readonly gridWidth: number };
}

function linear(out: Map<string, ParamInit>, name: string, fanIn: number, fanOut: number, rng: Prng, zeroBias = false): void {
  // torch.nn.Linear's default: U(±1/√fan_in) for weight and bias.
  const bound = 1 / Math.sqrt(fanIn);
  out.set(`${name}.w`, { shape: [fanIn, fanOut], values: rng.uniformArray(fanIn * fanOut, -bound, bound) });
  out.set(`${name}.b`, { shape: [fanOut], values: zeroBias ? new Float32Array(fanOut) : rng.uniformArray(fanOut, -bound, bound) });
}

function xavier(out: Map<string, ParamInit>, name: string, d: number, rng: Prng): void {
  // nn.MultiheadAttention initialises its packed in-projection (3D × D) with xavier_uniform, biases 0.
  const bound = Math.sqrt(6 / (d + 3 * d));
  out.set(`${name}.w`, { shape: [d, d], values: rng.uniformArray(d * d, -bound, bound) });
  out.set(`${name}.b`, { shape: [d], values: new Float32Array(d) });
}

function layerNormInit(out: Map<string, ParamInit>, name: string, d: number): void {
  out.set(`${name}.g`, { shape: [d], values: new Float32Array(d).fill(1) });
  out.set(`${name}.b`, { shape: [d], values: new Float32Array(d) });
}

/** Student head + projection parameters; the teacher is a copy of these. */
export function initHeadParams(spec: HeadSpec, rng: Prng): Map<string, ParamInit> {
  const out = new Map<string, ParamInit>();
  const D = spec.dim;
  if (spec.kind === 'tr') {
    out.set('head.pos', { shape: [spec.gridTokens, D], values: rng.normalArray(spec.gridTokens * D) });
    for (const a of ['sa', 'ca']) {
      for (const m of ['q', 'k', 'v']) xavier(out, `head.${a}.${m}`, D, rng);
      linear(out, `head.${a}.o`, D, D, rng, true);
    }
    for (const ln of ['ln1', 'ln2', 'ln3']) layerNormInit(out, `head.${ln}`, D);
    linear(out, 'head.ffn1', D, spec.ffnDim, rng);
    linear(out, 'head.ffn2', spec.ffnDim, D, rng);
    if (spec.hybrid) {
      // Depthwise taps as torch's Conv2d(groups = D) initialises them: U(±1/√9), per channel.
      out.set('head.cv.dw.w', { shape: [9, D], values: rng.uniformArray(9 * D, -1 / 3, 1 / 3) });
      out.set('head.cv.dw.b', { shape: [D], values: rng.uniformArray(D, -1 / 3, 1 / 3) });
      linear(out, 'head.cv.pw', D, D, rng);
    }
  }
  linear(out, 'head.f1', D, spec.headDim, rng);
  linear(out, 'head.f2a', D, D, rng);
  linear(out, 'head.f2b', D, spec.headDim, rng);
  linear(out, 'proj', spec.headDim, spec.projDim, rng);
  return out;
}

const W = (p: ParamSet, n: string) => p.get(`${n}.w`) as unknown as tf.Tensor2D;
const Bv = (p: ParamSet, n: string) => p.get(`${n}.b`) as unknown as tf.Tensor1D;

/** Explicit dropout multipliers (0 or 1/(1−p)) for the two output branches, [T, D] each. */
export interface BranchMasks {
  readonly m1: tf.Tensor2D;
  readonly m2: tf.Tensor2D;
}

/**
 * Explicit multipliers for every dropout site of the TR head (drawn in JS from the trainer's stream for
 * both engines, engines/dropout-masks.ts): both attention maps [B, N, N], the attention outputs, FFN
 * hidden [B·N, F] and output [B·N, D], and the two output branches (m1, m2).
 */
export interface TrMasks extends BranchMasks {
  readonly a1: tf.Tensor3D;
  readonly sa: tf.Tensor2D;
  readonly a2: tf.Tensor3D;
  readonly ca: tf.Tensor2D;
  readonly h: tf.Tensor2D;
  readonly ff: tf.Tensor2D;
}

/** out = f1(drop(t)) + f2(drop(t)), independent dropout masks per branch. */
function outputLayers(p: ParamSet, t: tf.Tensor2D, constInput: boolean, masks?: BranchMasks): tf.Tensor2D {
  const x1 = masks ? tf.mul(t, masks.m1) : t;
  const x2 = masks ? tf.mul(t, masks.m2) : t;
  const f1 = dense(x1, W(p, 'head.f1'), Bv(p, 'head.f1'), constInput);
  const h = tf.relu(dense(x2, W(p, 'head.f2a'), Bv(p, 'head.f2a'), constInput));
  return tf.add(f1, dense(h, W(p, 'head.f2b'), Bv(p, 'head.f2b'))) as tf.Tensor2D;
}

function attention(
  p: ParamSet,
  name: string,
  qIn: tf.Tensor2D,
  kvIn: tf.Tensor2D,
  vIn: tf.Tensor2D,
  kvConst: boolean,
  B: number,
  N: number,
  mask?: tf.Tensor3D,
): tf.Tensor2D {
  const D = qIn.shape[1];
  const Q = dense(qIn, W(p, `${name}.q`), Bv(p, `${name}.q`)) as tf.Tensor2D;
  const K = dense(kvIn, W(p, `${name}.k`), Bv(p, `${name}.k`), kvConst) as tf.Tensor2D;
  const V = dense(vIn, W(p, `${name}.v`), Bv(p, `${name}.v`), kvConst) as tf.Tensor2D;
  const scale = 1 / Math.sqrt(D);
  const outs: tf.Tensor2D[] = [];
  for (let b = 0; b < B; b++) {
    const Qb = Q.slice([b * N, 0], [N, D]);
    const Kb = K.slice([b * N, 0], [N, D]);
    const Vb = V.slice([b * N, 0], [N, D]);
    const S = tf.softmax(tf.mul(matMul(Qb, tf.transpose(Kb)), scale)) as tf.Tensor2D;
    const A = mask ? (tf.mul(S, mask.slice([b, 0, 0], [1, N, N]).reshape([N, N])) as tf.Tensor2D) : S;
    outs.push(matMul(A, Vb));
  }
  const O = outs.length === 1 ? outs[0]! : (tf.concat(outs, 0) as tf.Tensor2D);
  return dense(O, W(p, `${name}.o`), Bv(p, `${name}.o`)) as tf.Tensor2D;
}

/**
 * Head output r-d per token. MLP: x is any set of tokens [T, D]. TR: x is B full grids [B·N, D] and
 * `queries` their nearest codebook rows [B·N, D] (both constants). Dropout is only ever the given
 * `masks` (BranchMasks for the MLP head, TrMasks for TR), never drawn here: without them, eval mode.
 */
export function headForward(
  spec: HeadSpec,
  p: ParamSet,
  x: tf.Tensor2D,
  queries?: tf.Tensor2D,
  masks?: BranchMasks | TrMasks,
): tf.Tensor2D {
  if (spec.kind === 'mlp') return outputLayers(p, x, true, masks);
  if (!queries) throw new Error('TR head needs its codebook queries');
  const N = spec.gridTokens;
  const D = spec.dim;
  const B = x.shape[0] / N;
  if (!Number.isInteger(B)) throw new Error(`TR head: ${x.shape[0]} tokens is not a multiple of the grid (${N})`);
  const pos = p.get('head.pos') as unknown as tf.Tensor2D;
  const addPos = (t: tf.Tensor2D) => tf.add(t.reshape([B, N, D]), pos).reshape([B * N, D]) as tf.Tensor2D;
  const ln = (t: tf.Tensor, n: string) => layerNorm(t, p.get(`head.${n}.g`), p.get(`head.${n}.b`)) as tf.Tensor2D;
  const tm = masks && 'a1' in masks ? masks : undefined;
  const drop = <T extends tf.Tensor>(t: T, m: tf.Tensor | undefined): T => (tm ? (tf.mul(t, m!) as T) : t);
  const qp = addPos(queries);
  const sa = attention(p, 'head.sa', qp, qp, queries, false, B, N, tm?.a1);
  let t = ln(tf.add(queries, drop(sa, tm?.sa)), 'ln1');
  const ca = attention(p, 'head.ca', addPos(t), x, x, true, B, N, tm?.a2);
  t = ln(tf.add(t, drop(ca, tm?.ca)), 'ln2');
  const hidden = drop(tf.relu(dense(t, W(p, 'head.ffn1'), Bv(p, 'head.ffn1'))) as tf.Tensor2D, tm?.h);
  const ff = dense(hidden, W(p, 'head.ffn2'), Bv(p, 'head.ffn2')) as tf.Tensor2D;
  t = tf.add(t, drop(ff, tm?.ff)) as tf.Tensor2D;
  t = tf.add(x, ln(t, 'ln3')) as tf.Tensor2D;
  if (spec.hybrid) t = tf.add(t, localBranch(p, x, B, spec.hybrid.gridWidth)) as tf.Tensor2D;
  return outputLayers(p, t, false, tm);
}

/**
 * The hybrid head's conv branch on full grids x [B·N, D] (constants): zero-padded 3×3 depthwise taps as
 * nine shifted slices, then relu(dense 1×1). Slices and products only, so every backend differentiates it.
 */
function localBranch(p: ParamSet, x: tf.Tensor2D, B: number, gridWidth: number): tf.Tensor2D {
  const D = x.shape[1];
  const w = gridWidth;
  const h = x.shape[0] / B / w;
  const padded = tf.pad(x.reshape([B, h, w, D]), [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  const taps = p.get('head.cv.dw.w');
  let dw: tf.Tensor = p.get('head.cv.dw.b');
  for (let k = 0; k < 9; k++) {
    const [dy, dx] = [Math.floor(k / 3), k % 3];
    const shifted = padded.slice([0, dy, dx, 0], [B, h, w, D]).reshape([B * h * w, D]);
    dw = tf.add(dw, tf.mul(shifted, taps.slice([k, 0], [1, D])));
  }
  return tf.relu(dense(dw, W(p, 'head.cv.pw'), Bv(p, 'head.cv.pw'))) as tf.Tensor2D;
}

export function project(p: ParamSet, y: tf.Tensor2D): tf.Tensor2D {
  return dense(y, W(p, 'proj'), Bv(p, 'proj')) as tf.Tensor2D;
}

/** Nearest codebook row (cosine) of each token, as the raw row: the TR head's queries. */
export function codebookQueries(x: tf.Tensor2D, clusterbook: tf.Tensor2D, clusterbookNormT: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.gather(clusterbook, tf.argMax(tf.matMul(x, clusterbookNormT), 1)) as tf.Tensor2D);
}
