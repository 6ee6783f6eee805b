// Rewrites the unfused self-attention of a ViT export — MatMul(Q, Kᵀ) → Softmax → MatMul(·, V) over
// [B, heads, T, dh] tensors — into ONNX Runtime's com.microsoft MultiHeadAttention, whose CPU kernel
// runs a tiled (flash) attention that never materialises the T×T score matrix. The unfused form writes
// and reads heads × T² floats per image per layer (ViT-B/8 at 320: 12 × 1601² ≈ 123 MB), which makes
// large-token models memory-bound; ORT's own graph optimiser does not fuse this pattern (measured: the
// optimised graph of a standard export still holds Softmax and the two MatMuls).
//
// The rewrite is exact up to float rounding (same maths, another summation order): only patterns whose
// every step is checked are replaced — reshape to (heads, dh), the (0,2,1,3) head transposes, scalar
// scale factors folded into MHA's `scale` — and the model store keeps the result only when it loads and
// its outputs match the original's on a probe input (see model-store.ts).
//
// Two layouts are recognised:
//  * separate projections (Hugging Face DINOv2/DINO/ViT/MAE exports):
//      q = Transpose(0,2,1,3)(Reshape(q3, [·,·,H,dh])), k likewise (or one Transpose(0,2,3,1) for Kᵀ), v likewise;
//  * one fused qkv projection (timm / original DINO, the studio's own writer):
//      s = Transpose(2,0,3,1,4)(Reshape(qkv, [·,·,3,H,dh])); q, k, v = Gather(s, 0|1|2, axis 0)
//    — here Q, K and V are the three D-wide column blocks of qkv, cut with one Split.
import { AttrType, DataType, modelType } from './onnx-schema.js';

type Long = number | { toNumber(): number };
const num = (v: Long): number => (typeof v === 'number' ? v : v.toNumber());

interface Attr {
  name?: string;
  type?: number;
  i?: Long;
  f?: number;
  ints?: Long[];
  t?: Tensor;
}
interface Node {
  name?: string;
  opType?: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: Attr[];
}
interface Tensor {
  name?: string;
  dims?: Long[];
  dataType?: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int64Data?: Long[];
  int32Data?: number[];
}
interface Graph {
  node?: Node[];
  initializer?: Tensor[];
  output?: { name?: string }[];
}
interface Model {
  graph?: Graph;
  opsetImport?: { domain?: string; version?: Long }[];
}

export const MS_DOMAIN = 'com.microsoft';

export interface AttentionFusionResult {
  /** The rewritten model, or null when nothing was fused. */
  readonly bytes: Uint8Array | null;
  /** Attention blocks replaced. */
  readonly fused: number;
  /** Softmax nodes that looked like attention but did not match every check (left as they were). */
  readonly skipped: number;
}

/** Values of a constant tensor (initializer or Constant node) as numbers, or null when not constant. */
function tensorValues(t: Tensor): number[] | null {
  const n = (t.dims ?? []).map(num).reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  if (t.dataType === DataType.FLOAT) {
    if (raw) {
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: raw.byteLength / 4 }, (_, i) => dv.getFloat32(i * 4, true));
    }
    return t.floatData ? [...t.floatData] : null;
  }
  if (t.dataType === DataType.INT64) {
    if (raw) {
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(dv.getBigInt64(i * 8, true)));
    }
    return t.int64Data ? t.int64Data.map(num) : null;
  }
  if (t.dataType === DataType.INT32) return t.int32Data ? [...t.int32Data] : null;
  if (t.dataType === 11 /* DOUBLE */ && raw) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Array.from({ length: raw.byteLength / 8 }, (_, i) => dv.getFloat64(i * 8, true));
  }
  return n === 0 ? [] : null;
}

class GraphIndex {
  readonly producer = new Map<string, Node>();
  readonly consumers = new Map<string, Node[]>();
  readonly constants = new Map<string, Tensor>();
  readonly graphOutputs: Set<string>;

  constructor(readonly graph: Graph) {
    for (const t of graph.initializer ?? []) if (t.name) this.constants.set(t.name, t);
    for (const node of graph.node ?? []) {
      for (const o of node.output ?? []) this.producer.set(o, node);
      for (const i of node.input ?? []) {
        if (!i) continue;
        const list = this.consumers.get(i) ?? [];
        list.push(node);
        this.consumers.set(i, list);
      }
      if (node.opType === 'Constant' && !node.domain) {
        const t = node.attribute?.find((a) => a.name === 'value')?.t;
        if (t && node.output?.[0]) this.constants.set(node.output[0], t);
      }
    }
    this.graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  }

  op(tensor: string | undefined, type: string): Node | null {
    if (!tensor) return null;
    const n = this.producer.get(tensor);
    return n && n.opType === type && !n.domain ? n : null;
  }

  /** The single consumer of a tensor (and it is not a graph output), or null. */
  only(tensor: string | undefined): Node | null {
    if (!tensor || this.graphOutputs.has(tensor)) return null;
    const c = this.consumers.get(tensor) ?? [];
    return c.length === 1 ? c[0]! : null;
  }

  constant(tensor: string | undefined): number[] | null {
    if (!tensor) return null;
    const t = this.constants.get(tensor);
    return t ? tensorValues(t) : null;
  }

  /** A shape operand: constant, or a Concat of pieces where only constant pieces are known (others null). */
  shape(tensor: string | undefined): (number | null)[] | null {
    const c = this.constant(tensor);
    if (c) return c;
    const concat = this.op(tensor, 'Concat');
    if (!concat) return null;
    const out: (number | null)[] = [];
    for (const piece of concat.input ?? []) {
      const v = this.constant(piece);
      if (v) out.push(...v);
      else out.push(null); // a dynamic piece: one element (Unsqueeze(Gather(Shape))) in the exports we match
    }
    return out;
  }

  /** A scalar constant operand of a binary node (the other operand returned), or null. */
  scalarOperand(node: Node): { value: number; other: string; constantFirst: boolean } | null {
    const [a, b] = node.input ?? [];
    const vb = this.constant(b);
    if (vb && vb.length === 1) return { value: vb[0]!, other: a!, constantFirst: false };
    const va = this.constant(a);
    if (va && va.length === 1) return { value: va[0]!, other: b!, constantFirst: true };
    return null;
  }
}

function attr(node: Node, name: string): Attr | undefined {
  return node.attribute?.find((a) => a.name === name);
}
function perm(node: Node): number[] | null {
  return attr(node, 'perm')?.ints?.map(num) ?? null;
}
const same = (a: readonly number[] | null, b: readonly number[]) => a !== null && a.length === b.length && a.every((v, i) => v === b[i]);

/** Peels scalar Mul / Div-by-constant nodes off a tensor; returns the source and the accumulated factor. */
function peelScale(ix: GraphIndex, tensor: string): { source: string; factor: number; nodes: Node[] } {
  let factor = 1;
  const nodes: Node[] = [];
  for (;;) {
    const n = ix.producer.get(tensor);
    if (!n || n.domain || (n.opType !== 'Mul' && n.opType !== 'Div')) break;
    const s = ix.scalarOperand(n);
    if (!s || (n.opType === 'Div' && s.constantFirst) || !Number.isFinite(s.value) || s.value === 0) break;
    factor *= n.opType === 'Mul' ? s.value : 1 / s.value;
    nodes.push(n);
    tensor = s.other;
  }
  return { source: tensor, factor, nodes };
}

interface HeadSource {
  /** [B, T, D] tensor holding this operand's heads, or a fused qkv tensor with the block index. */
  readonly kind: 'separate' | 'fused';
  readonly tensor: string;
  readonly block: number;
  readonly heads: number;
  readonly headDim: number;
  readonly nodes: Node[];
}

/** [B,H,T,dh] operand → where its heads come from, or null. `transposedK` accepts Kᵀ ([B,H,dh,T]). */
function headSource(ix: GraphIndex, tensor: string, transposedK: boolean): HeadSource | null {
  const t = ix.producer.get(tensor);
  if (!t || t.opType !== 'Transpose' || t.domain) return null;
  const p = perm(t);
  // Kᵀ as one transpose straight from [B,T,H,dh] ...
  if (transposedK && same(p, [0, 2, 3, 1])) return fromReshape(ix, t.input?.[0], [t]);
  if (transposedK) {
    // ... or as a (0,1,3,2) transpose of K in [B,H,T,dh].
    if (!same(p, [0, 1, 3, 2])) return null;
    const inner = headSource(ix, t.input?.[0] ?? '', false);
    return inner ? { ...inner, nodes: [...inner.nodes, t] } : null;
  }
  if (same(p, [0, 2, 1, 3])) return fromReshape(ix, t.input?.[0], [t]);
  return null;
}

function fromReshape(ix: GraphIndex, tensor: string | undefined, nodes: Node[]): HeadSource | null {
  const r = ix.op(tensor, 'Reshape');
  if (!r) return null;
  const shape = ix.shape(r.input?.[1]);
  if (!shape || shape.length !== 4) return null;
  const heads = shape[2];
  const headDim = shape[3];
  if (!heads || !headDim || heads <= 0 || headDim <= 0) return null;
  // The leading two dims must be copied (0) or dynamic (from the input's shape): [B, T, ·, ·].
  if (![shape[0], shape[1]].every((d) => d === null || d === 0)) return null;
  return { kind: 'separate', tensor: r.input![0]!, block: 0, heads, headDim, nodes: [...nodes, r] };
}

/** The fused-qkv form: Gather(idx, axis 0) of Transpose(2,0,3,1,4)(Reshape(qkv, [·,·,3,H,dh])). */
function fusedSource(ix: GraphIndex, tensor: string, transposedK: boolean): HeadSource | null {
  let t = tensor;
  const extra: Node[] = [];
  if (transposedK) {
    const tr = ix.op(t, 'Transpose');
    if (!tr || !same(perm(tr), [0, 1, 3, 2])) return null;
    extra.push(tr);
    t = tr.input![0]!;
  }
  const g = ix.op(t, 'Gather');
  if (!g) return null;
  const axis = num(attr(g, 'axis')?.i ?? 0);
  const idx = ix.constant(g.input?.[1]);
  if (axis !== 0 || !idx || idx.length !== 1 || (ix.constants.get(g.input![1]!)?.dims ?? []).length !== 0) return null;
  const tr = ix.op(g.input?.[0], 'Transpose');
  if (!tr || !same(perm(tr), [2, 0, 3, 1, 4])) return null;
  const r = ix.op(tr.input?.[0], 'Reshape');
  if (!r) return null;
  const shape = ix.shape(r.input?.[1]);
  if (!shape || shape.length !== 5 || shape[2] !== 3) return null;
  const heads = shape[3];
  const headDim = shape[4];
  if (!heads || !headDim || heads <= 0 || headDim <= 0) return null;
  if (![shape[0], shape[1]].every((d) => d === null || d === 0)) return null;
  const block = idx[0]! < 0 ? idx[0]! + 3 : idx[0]!;
  if (block < 0 || block > 2) return null;
  return { kind: 'fused', tensor: r.input![0]!, block, heads, headDim, nodes: [...extra, g] };
}

function source(ix: GraphIndex, tensor: string, transposedK: boolean): HeadSource | null {
  return headSource(ix, tensor, transposedK) ?? fusedSource(ix, tensor, transposedK);
}

function opsetOf(model: Model, domain: string): number | null {
  const o = (model.opsetImport ?? []).find((s) => (s.domain ?? '') === domain);
  return o?.version !== undefined ? num(o.version) : null;
}

/**
 * Fuses every recognised attention block of an ONNX model into com.microsoft MultiHeadAttention.
 * Returns the new bytes (null when no block matched). The caller must verify the result numerically.
 */
export function fuseAttention(bytes: Uint8Array): AttentionFusionResult {
  const Model = modelType();
  const model = Model.decode(bytes) as unknown as Model;
  const graph = model.graph;
  if (!graph?.node) return { bytes: null, fused: 0, skipped: 0 };
  const ix = new GraphIndex(graph);
  const onnxOpset = opsetOf(model, '') ?? opsetOf(model, 'ai.onnx') ?? 1;
  const replaced = new Map<Node, Node[]>(); // the MatMul feeding the output reshape → nodes to insert before it
  const removed = new Set<Node>();
  const splits = new Map<string, string[]>(); // fused qkv tensor → its three D-wide blocks
  let fused = 0;
  let skipped = 0;
  let counter = 0;
  const fresh = (p: string) => `cs_fused_attention_${p}_${counter++}`;
  const newInitializers: Tensor[] = [];

  for (const softmax of graph.node) {
    if (softmax.opType !== 'Softmax' || softmax.domain) continue;
    const check = (): Node[] | null => {
      const axis = num(attr(softmax, 'axis')?.i ?? (onnxOpset >= 13 ? -1 : 1));
      if (axis !== -1 && axis !== 3) return null;
      // probs @ V, then (0,2,1,3) and a reshape to [B, T, D]
      const pv = ix.only(softmax.output?.[0]);
      if (!pv || pv.opType !== 'MatMul' || pv.domain || pv.input?.[0] !== softmax.output?.[0]) return null;
      const back = ix.only(pv.output?.[0]);
      if (!back || back.opType !== 'Transpose' || back.domain || !same(perm(back), [0, 2, 1, 3])) return null;
      // Besides the reshape, exports read the context's Shape to build that reshape's target; those
      // Shape nodes die with it. Any other reader would keep the unfused block alive: no match.
      const readers = ix.graphOutputs.has(back.output![0]!) ? [] : (ix.consumers.get(back.output![0]!) ?? []);
      const merges = readers.filter((n) => n.opType !== 'Shape' || n.domain);
      const merge = merges.length === 1 ? merges[0]! : null;
      if (!merge || merge.opType !== 'Reshape' || merge.domain || merge.input?.[0] !== back.output?.[0]) return null;
      const outShape = ix.shape(merge.input?.[1]);
      // scores, with any scalar scales on them, on Q and on K
      const scores = peelScale(ix, softmax.input![0]!);
      const qk = ix.op(scores.source, 'MatMul');
      if (!qk) return null;
      const q = peelScale(ix, qk.input![0]!);
      const k = peelScale(ix, qk.input![1]!);
      const qs = source(ix, q.source, false);
      const ks = source(ix, k.source, true);
      const vs = source(ix, pv.input![1]!, false);
      if (!qs || !ks || !vs) return null;
      if (qs.kind !== ks.kind || qs.kind !== vs.kind) return null;
      const heads = qs.heads;
      const dh = qs.headDim;
      if (ks.heads !== heads || vs.heads !== heads || ks.headDim !== dh || vs.headDim !== dh) return null;
      if (qs.kind === 'fused' && !(qs.tensor === ks.tensor && ks.tensor === vs.tensor && qs.block === 0 && ks.block === 1 && vs.block === 2)) return null;
      const D = heads * dh;
      // [B, T, D] from [B, T, H, dh]: batch and tokens copied or taken from the tensor, at most one -1.
      if (!outShape || outShape.length !== 3) return null;
      const [ob, ot, od] = outShape;
      if (!(ob === null || ob === 0) || !(ot === null || ot === 0 || ot === -1) || !(od === D || (od === -1 && ot !== -1))) return null;
      const scale = scores.factor * q.factor * k.factor;
      let qT: string;
      let kT: string;
      let vT: string;
      const insert: Node[] = [];
      if (qs.kind === 'separate') {
        qT = qs.tensor;
        kT = ks.tensor;
        vT = vs.tensor;
      } else {
        let parts = splits.get(qs.tensor);
        if (!parts) {
          parts = [fresh('q'), fresh('k'), fresh('v')];
          const split: Node = { name: fresh('split'), opType: 'Split', domain: '', input: [qs.tensor], output: parts, attribute: [{ name: 'axis', type: AttrType.INT, i: -1 }] };
          if (onnxOpset >= 13) {
            const sizes = fresh('sizes');
            const data = BigInt64Array.from([BigInt(D), BigInt(D), BigInt(D)]);
            newInitializers.push({ name: sizes, dims: [3], dataType: DataType.INT64, rawData: new Uint8Array(data.buffer) });
            split.input!.push(sizes);
          } else {
            split.attribute!.push({ name: 'split', type: AttrType.INTS, ints: [D, D, D] });
          }
          insert.push(split);
          splits.set(qs.tensor, parts);
        }
        [qT, kT, vT] = parts as [string, string, string];
      }
      const mha: Node = {
        name: fresh('mha'),
        opType: 'MultiHeadAttention',
        domain: MS_DOMAIN,
        input: [qT, kT, vT],
        output: [merge.output![0]!],
        attribute: [
          { name: 'num_heads', type: AttrType.INT, i: heads },
          { name: 'scale', type: AttrType.FLOAT, f: scale },
        ],
      };
      insert.push(mha);
      // Only the output reshape is replaced outright (MHA produces its tensor); the rest of the old
      // block goes with pruneDead once nothing reads it, so an intermediate another node also uses stays.
      removed.add(merge);
      replaced.set(merge, insert);
      return insert;
    };
    const before = removed.size;
    if (check()) fused++;
    else {
      skipped++;
      if (removed.size !== before) throw new Error('internal: a rejected attention match removed nodes');
    }
  }
  if (fused === 0) return { bytes: null, fused: 0, skipped };

  const out: Node[] = [];
  for (const node of graph.node) {
    const ins = replaced.get(node);
    if (ins) out.push(...ins);
    if (!removed.has(node)) out.push(node);
  }
  graph.node = pruneDead(out, ix.graphOutputs);
  // Weights only the removed nodes read (shape and index constants) go too; ORT would warn about each.
  const read = new Set<string>();
  for (const n of graph.node) for (const i of n.input ?? []) read.add(i);
  graph.initializer = [...(graph.initializer ?? []), ...newInitializers].filter((t) => read.has(t.name ?? '') || ix.graphOutputs.has(t.name ?? ''));
  if (opsetOf(model, MS_DOMAIN) === null) model.opsetImport = [...(model.opsetImport ?? []), { domain: MS_DOMAIN, version: 1 }];
  const encoded = Model.encode(Model.fromObject(model as Record<string, unknown>)).finish();
  return { bytes: encoded, fused, skipped };
}

/** Drops nodes none of whose outputs is read (repeatedly), keeping graph outputs. */
function pruneDead(nodes: Node[], outputs: ReadonlySet<string>): Node[] {
  let list = nodes;
  for (;;) {
    const read = new Set<string>(outputs);
    for (const n of list) for (const i of n.input ?? []) if (i) read.add(i);
    const kept = list.filter((n) => (n.output ?? []).some((o) => read.has(o)));
    if (kept.length === list.length) return list;
    list = kept;
  }
}
