// `pretrain --init` of a Hugging Face DINOv2 / DINO (ViT) ONNX export: its initializers, found by the
// names transformers gives them (`embeddings.patch_embeddings.projection.weight`,
// `encoder.layer.N.attention.attention.query.weight`, `layer_scale1.lambda1`, ...; any leading
// `dinov2.`/`vit.` is allowed), mapped onto the pretraining parameters of the raw-pixel layout: the patch
// Conv as a Linear on channel-major patches, CLS (+ its position) and register tokens as the prefix,
// the patch position embedding as the fixed `pos` grid, Linear weights transposed from [out, in].
import { StudioError } from '../../../shared/contract/errors.js';
import type { EncoderSpec, ParamMap } from './params.js';

export interface OnnxTensor {
  name?: string;
  dims?: (number | { toNumber(): number })[];
  rawData?: Uint8Array;
  floatData?: number[];
}

/** Head width of every DINO / DINOv2 model (S 384/6, B 768/12, L 1024/16, g 1536/24). */
const DINO_HEAD_DIM = 64;

const LAYOUTS = {
  dinov2: { ln1: 'norm1', ln2: 'norm2', fc1: 'mlp.fc1', fc2: 'mlp.fc2', layerScale: true, lnEps: 1e-6 },
  'vit-dino': {
    ln1: 'layernorm_before',
    ln2: 'layernorm_after',
    fc1: 'intermediate.dense',
    fc2: 'output.dense',
    layerScale: false,
    lnEps: 1e-12,
  },
} as const;

export interface HfImport {
  readonly layout: keyof typeof LAYOUTS;
  readonly spec: EncoderSpec;
  readonly encoder: ParamMap;
}

function floats(t: OnnxTensor): Float32Array {
  if (t.rawData && t.rawData.byteLength > 0)
    return new Float32Array(
      t.rawData.buffer.slice(t.rawData.byteOffset, t.rawData.byteOffset + t.rawData.byteLength),
    );
  return Float32Array.from(t.floatData ?? []);
}

const dimsOf = (t: OnnxTensor) => (t.dims ?? []).map((d) => (typeof d === 'number' ? d : d.toNumber()));

/** [out, in] → [in, out]. */
function transposed(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

/** Null when the file has no Hugging Face ViT patch embedding (not this kind of export). */
export function importHfVit(
  inits: ReadonlyMap<string, OnnxTensor>,
  label: string,
  heads?: number,
): HfImport | null {
  const key = [...inits.keys()].find((k) => k.endsWith('embeddings.patch_embeddings.projection.weight'));
  if (!key) return null;
  const pre = key.slice(0, key.length - 'embeddings.patch_embeddings.projection.weight'.length);
  const layout: keyof typeof LAYOUTS = inits.has(`${pre}encoder.layer.0.norm1.weight`)
    ? 'dinov2'
    : 'vit-dino';
  const L = LAYOUTS[layout];
  const need = (name: string): OnnxTensor => {
    const t = inits.get(pre + name);
    if (!t) {
      throw new StudioError(
        'invalid_input',
        `${label}: unsupported layout for --init — a ${layout === 'dinov2' ? 'DINOv2' : 'DINO/ViT'} export without the initializer '${pre + name}'. ` +
          'Export with the weights under their Hugging Face names (torch.onnx.export(..., do_constant_folding=False) keeps them)',
      );
    }
    return t;
  };
  const conv = need('embeddings.patch_embeddings.projection.weight');
  const [D, C, p, p2] = dimsOf(conv) as [number, number, number, number];
  if (C !== 3 || p !== p2)
    throw new StudioError(
      'invalid_input',
      `${label}: unsupported layout for --init — patch embedding of shape ${dimsOf(conv).join('×')} (expected D×3×p×p)`,
    );
  let depth = 0;
  while (inits.has(`${pre}encoder.layer.${depth}.attention.attention.query.weight`)) depth++;
  if (depth === 0)
    throw new StudioError(
      'invalid_input',
      `${label}: unsupported layout for --init — no encoder.layer.0.attention.attention.query.weight`,
    );
  const H = heads ?? D / DINO_HEAD_DIM;
  if (!Number.isInteger(H) || D % H !== 0)
    throw new StudioError(
      'invalid_input',
      `${label}: width ${D} is not a multiple of DINO's head width 64; give --heads`,
    );
  const ffnDim = dimsOf(need(`encoder.layer.0.${L.fc1}.weight`))[0]!;
  const posAll = floats(need('embeddings.position_embeddings'));
  const nPos = posAll.length / D - 1;
  const side = Math.round(Math.sqrt(nPos));
  if (side * side !== nPos)
    throw new StudioError(
      'invalid_input',
      `${label}: unsupported layout for --init — ${nPos} patch positions are not a square grid`,
    );
  const reg = inits.get(`${pre}embeddings.register_tokens`);
  const regs = reg ? floats(reg) : new Float32Array(0);
  const cls = floats(need('embeddings.cls_token'));
  // The CLS token enters the blocks with its own position added (as the export adds it).
  const prefix = new Float32Array(D + regs.length);
  for (let d = 0; d < D; d++) prefix[d] = cls[d]! + posAll[d]!;
  prefix.set(regs, D);
  const spec: EncoderSpec = {
    inDim: 3 * p * p,
    dim: D,
    depth,
    heads: H,
    ffnDim,
    patch: p,
    prefix: 1 + regs.length / D,
    layerScale: L.layerScale,
    posGrid: [side, side],
    lnEps: L.lnEps,
  };
  const enc: ParamMap = new Map();
  enc.set('embed.w', transposed(floats(conv), D, 3 * p * p));
  enc.set('embed.b', floats(need('embeddings.patch_embeddings.projection.bias')));
  enc.set('pos', posAll.slice(D));
  enc.set('prefix', prefix);
  const lin = (ours: string, theirs: string, out: number, inp: number) => {
    enc.set(`${ours}.w`, transposed(floats(need(`${theirs}.weight`)), out, inp));
    enc.set(`${ours}.b`, floats(need(`${theirs}.bias`)));
  };
  for (let l = 0; l < depth; l++) {
    const b = `blk${l}`;
    const t = `encoder.layer.${l}`;
    enc.set(`${b}.ln1.g`, floats(need(`${t}.${L.ln1}.weight`)));
    enc.set(`${b}.ln1.b`, floats(need(`${t}.${L.ln1}.bias`)));
    lin(`${b}.q`, `${t}.attention.attention.query`, D, D);
    lin(`${b}.k`, `${t}.attention.attention.key`, D, D);
    lin(`${b}.v`, `${t}.attention.attention.value`, D, D);
    lin(`${b}.o`, `${t}.attention.output.dense`, D, D);
    enc.set(`${b}.ln2.g`, floats(need(`${t}.${L.ln2}.weight`)));
    enc.set(`${b}.ln2.b`, floats(need(`${t}.${L.ln2}.bias`)));
    lin(`${b}.ffn1`, `${t}.${L.fc1}`, ffnDim, D);
    lin(`${b}.ffn2`, `${t}.${L.fc2}`, D, ffnDim);
    if (L.layerScale) {
      enc.set(`${b}.ls1`, floats(need(`${t}.layer_scale1.lambda1`)));
      enc.set(`${b}.ls2`, floats(need(`${t}.layer_scale2.lambda1`)));
    }
  }
  enc.set('lnf.g', floats(need('layernorm.weight')));
  enc.set('lnf.b', floats(need('layernorm.bias')));
  return { layout, spec, encoder: enc };
}
