// A ViT encoder in the export form of Hugging Face's DINOv2/DINO/MAE models:
//   pixel_values [B,3,H,W] → last_hidden_state [B, 1 + R + h·w, D]   (CLS, R register tokens, patches)
// Real transformer blocks (pre-LayerNorm, multi-head QKV attention, MLP with exact GELU) so its cost
// is that of a ViT of the same shape. Weights are seeded random: this is a test and benchmark model,
// not a feature extractor.
import { GraphBuilder, float, int, ints, type Dim } from './graph-builder.js';
import { mulberry32 as rng } from '../../../shared/random.js';

export interface VitSpec {
  readonly patchSize: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  readonly mlpRatio?: number;
  readonly registers?: number;
  /** A fixed input size (adds learned position embeddings); omitted: any H×W multiple of the patch. */
  readonly fixedSize?: { readonly height: number; readonly width: number };
  /** A fixed batch size (default: dynamic 'batch'). */
  readonly batch?: number;
  readonly seed?: number;
  readonly inputName?: string;
  readonly outputName?: string;
  /** Leave out the final LayerNorm (to test models whose output is not normalised). */
  readonly finalNorm?: boolean;
  /**
   * How attention is written: 'fused-qkv' (default) as timm and the original DINO code export it (one
   * qkv projection, a 5-D reshape and Gathers); 'separate-qkv' as Hugging Face exports DINOv2/DINO/MAE
   * (three projections, reshape shapes built at run time from Shape, scores divided by √dh).
   */
  readonly attentionLayout?: 'fused-qkv' | 'separate-qkv';
  /**
   * MAE's pre-training forward (Hugging Face ViTMAEEmbeddings.random_masking): after the position
   * embeddings, keep a random (1 − maskRatio) share of the patches, drawn afresh each run from a
   * RandomUniformLike noise. Needs `fixedSize`. Exports made this way cannot give a patch grid.
   */
  readonly maskRatio?: number;
}

export const VIT_SHAPES = {
  'vit-s14': { patchSize: 14, dim: 384, depth: 12, heads: 6 },
  'vit-b14': { patchSize: 14, dim: 768, depth: 12, heads: 12 },
  'vit-s8': { patchSize: 8, dim: 384, depth: 12, heads: 6 },
  'vit-b8': { patchSize: 8, dim: 768, depth: 12, heads: 12 },
  'vit-s16': { patchSize: 16, dim: 384, depth: 12, heads: 6 },
  'vit-b16': { patchSize: 16, dim: 768, depth: 12, heads: 12 },
} as const satisfies Record<string, VitSpec>;


export function buildVitModel(spec: VitSpec): Uint8Array {
  const { patchSize: p, dim: D, depth, heads } = spec;
  if (D % heads !== 0) throw new Error(`dim ${D} is not divisible by ${heads} heads`);
  const hidden = D * (spec.mlpRatio ?? 4);
  const R = spec.registers ?? 0;
  const dh = D / heads;
  const rand = rng(spec.seed ?? 1);
  // Uniform with the variance of N(0, std²): keeps activations O(1) through the depth.
  const weights = (n: number, std: number) => {
    const a = new Float32Array(n);
    const s = std * Math.sqrt(3);
    for (let i = 0; i < n; i++) a[i] = (rand() * 2 - 1) * s;
    return a;
  };
  const filled = (n: number, v: number) => new Float32Array(n).fill(v);

  const g = new GraphBuilder();
  const batch: Dim = spec.batch ?? 'batch';
  const H: Dim = spec.fixedSize?.height ?? 'height';
  const W: Dim = spec.fixedSize?.width ?? 'width';
  const inputName = spec.inputName ?? 'pixel_values';
  const outputName = spec.outputName ?? 'last_hidden_state';
  const x0 = g.input(inputName, [batch, 3, H, W]);

  // Patch embedding: a stride-p convolution, then [B,D,h,w] → [B,N,D].
  const conv = g.op('Conv', [x0, g.floats('patch_w', [D, 3, p, p], weights(D * 3 * p * p, 1 / Math.sqrt(3 * p * p))), g.floats('patch_b', [D], weights(D, 0.02))], {
    kernel_shape: ints([p, p]),
    strides: ints([p, p]),
  });
  const flat = g.op('Reshape', [conv, g.int64s('shape', [0, D, -1])]);
  let x = g.op('Transpose', [flat], { perm: ints([0, 2, 1]) });
  if (spec.fixedSize) {
    const n = (spec.fixedSize.height / p) * (spec.fixedSize.width / p);
    x = g.op('Add', [x, g.floats('pos', [1, n, D], weights(n * D, 0.02))]);
    if (spec.maskRatio) {
      // Keep the patches with the `keep` smallest noise values, in noise order (ids_shuffle[:, :keep]):
      // rank each patch by how many noise values are below its own, then a one-hot [B, keep, N] matrix
      // picks rank 0, 1, … — single-output ops only.
      const keep = Math.floor(n * (1 - spec.maskRatio));
      const noise = g.op('RandomUniformLike', [g.op('ReduceMean', [x], { axes: ints([2]), keepdims: int(0) })]);
      const below = g.op('Less', [g.op('Unsqueeze', [noise, g.int64s('axes', [1])]), g.op('Unsqueeze', [noise, g.int64s('axes', [2])])]);
      const rank = g.op('ReduceSum', [g.op('Cast', [below], { to: int(1) }), g.int64s('axes', [2])], { keepdims: int(0) });
      const slots = g.floats('slots', [1, keep, 1], Float32Array.from({ length: keep }, (_, i) => i));
      const pick = g.op('Cast', [g.op('Equal', [g.op('Unsqueeze', [rank, g.int64s('axes', [1])]), slots])], { to: int(1) });
      x = g.op('MatMul', [pick, x]);
    }
  }
  // CLS (+ register) tokens, broadcast to the batch: Expand to [B, 1+R, D].
  const prefix = g.floats('cls_reg', [1, 1 + R, D], weights((1 + R) * D, 0.5));
  const batchDim = g.op('Slice', [g.op('Shape', [x]), g.int64s('s0', [0]), g.int64s('s1', [1])]);
  const prefixShape = g.op('Concat', [batchDim, g.int64s('pshape', [1 + R, D])], { axis: int(0) });
  x = g.op('Concat', [g.op('Expand', [prefix, prefixShape]), x], { axis: int(1) });

  const layerNorm = (t: string) =>
    g.op('LayerNormalization', [t, g.floats('ln_g', [D], filled(D, 1)), g.floats('ln_b', [D], filled(D, 0))], {
      axis: int(-1),
      epsilon: float(1e-6),
    });
  const linear = (t: string, din: number, dout: number) =>
    g.op('Add', [g.op('MatMul', [t, g.floats('w', [din, dout], weights(din * dout, 1 / Math.sqrt(din)))]), g.floats('b', [dout], weights(dout, 0.02))]);
  const scalar = (v: number) => g.floats('c', [], new Float32Array([v]));

  for (let layer = 0; layer < depth; layer++) {
    const h = layerNorm(x);
    let ctx: string;
    if (spec.attentionLayout === 'separate-qkv') {
      // [B,T,D] → [B,H,T,dh] with the shape computed from the tensor, as torch.onnx traces `view`.
      const dims = (t: string) => {
        const shape = g.op('Shape', [t]);
        const dim = (i: number) => g.op('Unsqueeze', [g.op('Gather', [shape, g.int64s('i', [i], [])], { axis: int(0) }), g.int64s('axes', [0])]);
        return [dim(0), dim(1)] as const;
      };
      const split = (t: string, perm: number[]) => {
        const [b, n] = dims(t);
        return g.op('Transpose', [g.op('Reshape', [t, g.op('Concat', [b, n, g.int64s('h', [heads]), g.int64s('dh', [dh])], { axis: int(0) })])], { perm: ints(perm) });
      };
      const q = split(linear(h, D, D), [0, 2, 1, 3]);
      const kT = split(linear(h, D, D), [0, 2, 3, 1]);
      const v = split(linear(h, D, D), [0, 2, 1, 3]);
      const attn = g.op('Softmax', [g.op('Div', [g.op('MatMul', [q, kT]), scalar(Math.sqrt(dh))])], { axis: int(-1) });
      const merged = g.op('Transpose', [g.op('MatMul', [attn, v])], { perm: ints([0, 2, 1, 3]) });
      const [b, n] = dims(merged);
      ctx = g.op('Reshape', [merged, g.op('Concat', [b, n, g.int64s('d', [D])], { axis: int(0) })]);
    } else {
      const qkv = linear(h, D, 3 * D); // [B,T,3D]
      const split = g.op('Transpose', [g.op('Reshape', [qkv, g.int64s('shape', [0, 0, 3, heads, dh])])], { perm: ints([2, 0, 3, 1, 4]) }); // [3,B,H,T,dh]
      const pick = (i: number) => g.op('Gather', [split, g.int64s('idx', [i], [])], { axis: int(0) }); // [B,H,T,dh]
      const q = g.op('Mul', [pick(0), scalar(1 / Math.sqrt(dh))]);
      const kT = g.op('Transpose', [pick(1)], { perm: ints([0, 1, 3, 2]) });
      const attn = g.op('Softmax', [g.op('MatMul', [q, kT])], { axis: int(-1) });
      ctx = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [attn, pick(2)])], { perm: ints([0, 2, 1, 3]) }), g.int64s('shape', [0, 0, D])]);
    }
    x = g.op('Add', [x, linear(ctx, D, D)]);
    const m = linear(layerNorm(x), D, hidden);
    // Exact GELU, 0.5·m·(1 + erf(m/√2)); ORT fuses this pattern into its Gelu kernel.
    const gelu = g.op('Mul', [g.op('Mul', [m, scalar(0.5)]), g.op('Add', [g.op('Erf', [g.op('Div', [m, scalar(Math.SQRT2)])]), scalar(1)])]);
    x = g.op('Add', [x, linear(gelu, hidden, D)]);
  }
  const out = spec.finalNorm === false ? g.op('Identity', [x], {}, outputName) : g.op('Identity', [layerNorm(x)], {}, outputName);
  void out;
  g.output(outputName, [batch, 'tokens', D]);
  return g.toBytes({ producer: 'cause-studio vit-model', metadata: { patch_size: String(p), registers: String(R) } });
}

/** Multiply-adds ×2 of one forward at H×W (per image): patch embedding, attention and MLP. */
export function vitFlops(spec: Pick<VitSpec, 'patchSize' | 'dim' | 'depth' | 'mlpRatio' | 'registers'>, height: number, width: number): number {
  const n = (height / spec.patchSize) * (width / spec.patchSize);
  const t = n + 1 + (spec.registers ?? 0);
  const D = spec.dim;
  const hidden = D * (spec.mlpRatio ?? 4);
  const embed = 2 * n * D * 3 * spec.patchSize * spec.patchSize;
  const block = 2 * t * D * 3 * D + 2 * 2 * t * t * D + 2 * t * D * D + 2 * 2 * t * D * hidden;
  return embed + spec.depth * block;
}
