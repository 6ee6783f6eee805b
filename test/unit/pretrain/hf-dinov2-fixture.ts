// A small DINOv2-layout ONNX model written here the way a Hugging Face export lays it out: initializers
// under transformers' names ([out, in] Linear weights used through a Transpose, as
// torch.onnx.export(do_constant_folding=False) keeps them), patch Conv, CLS + position embedding,
// register tokens after the CLS, pre-LN blocks with layer scale, exact GELU, the final LayerNorm. Its
// forward is written independently of the pretraining graphs (ONNX LayerNormalization, one attention
// per head count), so importing it, re-exporting it and comparing outputs checks the mapping.
import { GraphBuilder, float, int, ints } from '../../../main/engine/onnx/graph-builder.js';
import { modelType } from '../../../main/engine/onnx/onnx-schema.js';
import { mulberry32 } from '../../../shared/random.js';

export interface HfFixtureSpec {
  readonly patch: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  readonly registers: number;
  /** The native input side (the position grid is side/patch square); the export runs at this size. */
  readonly side: number;
  /** 'dinov2' (norm1, mlp.fc1, layer scale) or 'vit-dino' (layernorm_before, intermediate.dense). */
  readonly layout?: 'dinov2' | 'vit-dino';
  /** Leave out these initializers (to test refusals). */
  readonly omit?: readonly string[];
  readonly seed?: number;
}

export function buildHfVit(s: HfFixtureSpec): Uint8Array {
  const { patch: p, dim: D, depth, heads: H, registers: R, side } = s;
  const layout = s.layout ?? 'dinov2';
  const dh = D / H;
  const F = 4 * D;
  const g = new GraphBuilder();
  const rand = mulberry32(s.seed ?? 3);
  const omit = new Set(s.omit ?? []);
  // GraphBuilder numbers its initializers; they are renamed to transformers' names after serialising.
  const rename = new Map<string, string>();
  const init = (name: string, dims: number[], std: number, base = 0) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const v = g.floats(
      'w',
      dims,
      Float32Array.from({ length: n }, () => base + (rand() * 2 - 1) * std),
    );
    if (!omit.has(name)) rename.set(v, name);
    return v;
  };
  const op = (t: string, i: string[], a = {}) => g.op(t, i, a);
  const shape = (...v: number[]) => g.int64s('shape', v);
  const gh = side / p;
  const N = gh * gh;
  const x = g.input('pixel_values', [1, 3, side, side]);
  const conv = op(
    'Conv',
    [
      x,
      init('embeddings.patch_embeddings.projection.weight', [D, 3, p, p], 0.05),
      init('embeddings.patch_embeddings.projection.bias', [D], 0.05),
    ],
    { kernel_shape: ints([p, p]), strides: ints([p, p]) },
  );
  const patches = op('Transpose', [op('Reshape', [conv, shape(1, D, N)])], { perm: ints([0, 2, 1]) });
  let h = op('Add', [
    op('Concat', [init('embeddings.cls_token', [1, 1, D], 0.5), patches], { axis: int(1) }),
    init('embeddings.position_embeddings', [1, 1 + N, D], 0.5),
  ]);
  if (R > 0)
    h = op(
      'Concat',
      [
        op('Slice', [h, g.int64s('s', [0]), g.int64s('e', [1]), g.int64s('a', [1])]),
        init('embeddings.register_tokens', [1, R, D], 0.5),
        op('Slice', [h, g.int64s('s', [1]), g.int64s('e', [1 << 30]), g.int64s('a', [1])]),
      ],
      { axis: int(1) },
    );
  const T = 1 + R + N;
  const eps = layout === 'dinov2' ? 1e-6 : 1e-12;
  const ln = (t: string, name: string) =>
    op('LayerNormalization', [t, init(`${name}.weight`, [D], 0.2, 1), init(`${name}.bias`, [D], 0.1)], {
      axis: int(-1),
      epsilon: float(eps),
    });
  const linear = (t: string, name: string, out: number, inp: number) =>
    op('Add', [
      op('MatMul', [
        t,
        op('Transpose', [init(`${name}.weight`, [out, inp], 1 / Math.sqrt(inp))], { perm: ints([1, 0]) }),
      ]),
      init(`${name}.bias`, [out], 0.05),
    ]);
  const names =
    layout === 'dinov2'
      ? { ln1: 'norm1', ln2: 'norm2', fc1: 'mlp.fc1', fc2: 'mlp.fc2' }
      : { ln1: 'layernorm_before', ln2: 'layernorm_after', fc1: 'intermediate.dense', fc2: 'output.dense' };
  for (let l = 0; l < depth; l++) {
    const b = `encoder.layer.${l}`;
    const a = ln(h, `${b}.${names.ln1}`);
    const heads4 = (t: string) =>
      op('Transpose', [op('Reshape', [t, shape(1, T, H, dh)])], { perm: ints([0, 2, 1, 3]) });
    const q = heads4(linear(a, `${b}.attention.attention.query`, D, D));
    const k = heads4(linear(a, `${b}.attention.attention.key`, D, D));
    const v = heads4(linear(a, `${b}.attention.attention.value`, D, D));
    const scores = op('Div', [
      op('MatMul', [q, op('Transpose', [k], { perm: ints([0, 1, 3, 2]) })]),
      g.floats('c', [], new Float32Array([Math.sqrt(dh)])),
    ]);
    const ctx = op('Reshape', [
      op('Transpose', [op('MatMul', [op('Softmax', [scores], { axis: int(-1) }), v])], {
        perm: ints([0, 2, 1, 3]),
      }),
      shape(1, T, D),
    ]);
    let att = linear(ctx, `${b}.attention.output.dense`, D, D);
    if (layout === 'dinov2') att = op('Mul', [att, init(`${b}.layer_scale1.lambda1`, [D], 0.3, 0.5)]);
    h = op('Add', [h, att]);
    const m = linear(ln(h, `${b}.${names.ln2}`), `${b}.${names.fc1}`, F, D);
    const gel = op('Mul', [
      op('Mul', [m, g.floats('c', [], new Float32Array([0.5]))]),
      op('Add', [
        op('Erf', [op('Mul', [m, g.floats('c', [], new Float32Array([Math.SQRT1_2]))])]),
        g.floats('c', [], new Float32Array([1])),
      ]),
    ]);
    let ffn = linear(gel, `${b}.${names.fc2}`, D, F);
    if (layout === 'dinov2') ffn = op('Mul', [ffn, init(`${b}.layer_scale2.lambda1`, [D], 0.3, 0.5)]);
    h = op('Add', [h, ffn]);
  }
  g.op('Identity', [ln(h, 'layernorm')], {}, 'last_hidden_state');
  g.output('last_hidden_state', [1, T, D]);
  const Model = modelType();
  const m = Model.decode(g.toBytes({ producer: 'pytorch' })) as unknown as {
    graph: { initializer: { name: string }[]; node: { input: string[] }[] };
  };
  for (const t of m.graph.initializer) t.name = rename.get(t.name) ?? t.name;
  for (const nd of m.graph.node) nd.input = nd.input.map((i) => rename.get(i) ?? i);
  return Model.encode(m as never).finish();
}
