// Step 1's dense parts on onnxruntime: the per-image modularity graph and the assignment
// C = max(0, x̂·normalize(M)ᵀ) forward, and the backward from ∂L/∂C to ∂L/∂M through the ReLU, the product and the row normalisation. The
// co-membership in between stays the typed-array loop of modularity.ts (tfjs customGrad): it needs a max
// over concepts with its winner, which no ONNX operator gives without the n×n×k tensor.
// Why: profiled (CPU time) at D = 768 on 23×23 (batch 16, k = 2048), the graph build (16 small per-image
// products and broadcasts) and the two [400 × 768 × 2048] products were over half of the step on wasm;
// MLAS runs them several times faster. What remains in tfjs is the co-membership loop and Adam.
// The tfjs modularityLoss is the oracle (test/unit/cause/ort-step1.test.ts).
import * as ort from 'onnxruntime-node';
import { GraphBuilder, float, int, ints } from '../../onnx/graph-builder.js';
import { createSession } from '../../onnx/providers.js';
import type { OrtStep2Options } from './mlp-step2.js';

function normalizedRows(g: GraphBuilder, M: string) {
  const eps = g.floats('eps', [], new Float32Array([1e-12]));
  const nrm = g.op('Max', [g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [M, M]), g.int64s('axes', [1])], { keepdims: int(1) })]), eps]);
  return { Mn: g.op('Div', [M, nrm]), nrm };
}

/**
 * The step's constants and the assignment from raw sampled tokens x [B, n, D] and M [k, D]: x̂ (rows
 * normalised) [B·n, D], the per-image modularity matrix W [B, n, n] and total affinity e [B] (exactly
 * modularity.ts' modularityGraph, which is the oracle), and C = relu(x̂ · normalize(M)ᵀ) [B·n, k].
 */
export function buildAssignmentForward(dim: number, concepts: number): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', ['B', 'n', dim]);
  const M = g.input('m', [concepts, dim]);
  const eps = g.floats('eps', [], new Float32Array([1e-12]));
  const zero = g.floats('zero', [], new Float32Array([0]));
  const one = g.floats('one', [], new Float32Array([1]));
  const xn = g.op('Div', [x, g.op('Max', [g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [x, x]), g.int64s('axes', [2])], { keepdims: int(1) })]), eps])]);
  // Affinity: clamped cosine, zero diagonal (EyeLike needs 2-D: take image 0's [n, n] as the template).
  const raw = g.op('Relu', [g.op('MatMul', [xn, g.op('Transpose', [xn], { perm: ints([0, 2, 1]) })])]);
  const eye = g.op('EyeLike', [g.op('Gather', [raw, g.int64s('i0', [0], [])], { axis: int(0) })]);
  const A = g.op('Mul', [raw, g.op('Sub', [one, eye])]);
  const d = g.op('ReduceSum', [A, g.int64s('axes', [2])], { keepdims: int(0) }); // [B, n]
  const eRaw = g.op('ReduceSum', [d, g.int64s('axes', [1])], { keepdims: int(0) }); // [B]
  const e = g.op('Where', [g.op('Greater', [eRaw, zero]), eRaw, g.op('Add', [g.op('Mul', [eRaw, zero]), one])], {}, 'e');
  const ddT = g.op('Mul', [g.op('Unsqueeze', [d, g.int64s('axes', [2])]), g.op('Unsqueeze', [d, g.int64s('axes', [1])])]);
  g.op('Sub', [A, g.op('Div', [ddT, g.op('Unsqueeze', [e, g.int64s('axes', [1, 2])])])], {}, 'w');
  const xhat = g.op('Reshape', [xn, g.int64s('shape', [-1, dim])], {}, 'xhat');
  const { Mn } = normalizedRows(g, M);
  g.op('Relu', [g.op('Gemm', [xhat, Mn], { transB: int(1), alpha: float(1) })], {}, 'c');
  g.output('xhat', ['T', dim]);
  g.output('w', ['B', 'n', 'n']);
  g.output('e', ['B']);
  g.output('c', ['T', concepts]);
  return g.toBytes({ producer: 'cause-studio step1', graphName: 'step1_assignment' });
}

/** ∂L/∂M from ∂L/∂C (C as forward returned it): ReLU mask, x̂ᵀ product, row-normalisation backward. */
export function buildAssignmentBackward(dim: number, concepts: number): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('xhat', ['T', dim]);
  const M = g.input('m', [concepts, dim]);
  const C = g.input('c', ['T', concepts]);
  const dC = g.input('dc', ['T', concepts]);
  const { Mn, nrm } = normalizedRows(g, M);
  const zero = g.floats('zero', [], new Float32Array([0]));
  // ReLU passes the gradient where its input was > 0, i.e. where C > 0.
  const dPre = g.op('Mul', [dC, g.op('Cast', [g.op('Greater', [C, zero])], { to: int(1) })]);
  const dMn = g.op('Gemm', [dPre, x], { transA: int(1) }); // [k, D]
  const dot = g.op('ReduceSum', [g.op('Mul', [Mn, dMn]), g.int64s('axes', [1])], { keepdims: int(1) });
  g.op('Div', [g.op('Sub', [dMn, g.op('Mul', [Mn, dot])]), nrm], {}, 'dm');
  g.output('dm', [concepts, dim]);
  return g.toBytes({ producer: 'cause-studio step1', graphName: 'step1_assignment_backward' });
}

export class OrtStep1 {
  private constructor(
    private readonly fwd: ort.InferenceSession,
    private readonly bwd: ort.InferenceSession,
    readonly provider: string,
    private readonly dim: number,
    private readonly concepts: number,
  ) {}

  static async open(dim: number, concepts: number, options: OrtStep2Options = {}): Promise<OrtStep1> {
    const opts = { provider: options.provider ?? 'auto', ...(options.threads ? { threads: options.threads } : {}) };
    const f = await createSession(buildAssignmentForward(dim, concepts), 'Step 1 assignment graph', opts);
    for (const fb of f.fallbacks) options.log?.(`Step 1 graph: provider ${fb.provider} unavailable (${fb.reason}); using ${f.provider}`);
    // The backward runs on whatever provider the forward got, so both halves agree.
    const b = await createSession(buildAssignmentBackward(dim, concepts), 'Step 1 assignment backward graph', { ...opts, provider: f.provider });
    return new OrtStep1(f.session, b.session, f.provider, dim, concepts);
  }

  /** Graph constants and assignment of sampled tokens [B, n, D] (see buildAssignmentForward). */
  async assignment(tokens: Float32Array, B: number, m: Float32Array): Promise<{ xhat: Float32Array; w: Float32Array; e: Float32Array; c: Float32Array }> {
    const n = tokens.length / (B * this.dim);
    const out = await this.fwd.run({
      x: new ort.Tensor('float32', tokens, [B, n, this.dim]),
      m: new ort.Tensor('float32', m, [this.concepts, this.dim]),
    });
    const f = (name: string) => out[name]!.data as Float32Array;
    return { xhat: f('xhat'), w: f('w'), e: f('e'), c: f('c') };
  }

  async clusterbookGrad(xhat: Float32Array, m: Float32Array, c: Float32Array, dc: Float32Array): Promise<Float32Array> {
    const T = xhat.length / this.dim;
    const out = await this.bwd.run({
      xhat: new ort.Tensor('float32', xhat, [T, this.dim]),
      m: new ort.Tensor('float32', m, [this.concepts, this.dim]),
      c: new ort.Tensor('float32', c, [T, this.concepts]),
      dc: new ort.Tensor('float32', dc, [T, this.concepts]),
    });
    return out.dm!.data as Float32Array;
  }

  async release(): Promise<void> {
    await this.fwd.release();
    await this.bwd.release();
  }
}
