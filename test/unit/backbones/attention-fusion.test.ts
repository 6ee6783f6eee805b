// The fused-attention rewrite: both export layouts are fused, the rewritten graph computes the same
// tokens as the original (within 1e-4), and graphs it does not fully recognise are left alone.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { fuseAttention, MS_DOMAIN } from '../../../main/engine/onnx/attention-fusion.js';
import { GraphBuilder, int, ints } from '../../../main/engine/onnx/graph-builder.js';
import { modelType } from '../../../main/engine/onnx/onnx-schema.js';
import { buildVitModel, type VitSpec } from '../../../main/engine/onnx/vit-model.js';

function image(n: number, h: number, w: number): Float32Array {
  const a = new Float32Array(n * 3 * h * w);
  let s = 11;
  for (let i = 0; i < a.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = (s / 2 ** 32) * 4 - 2;
  }
  return a;
}

async function run(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], logSeverityLevel: 3 });
  try {
    const out = (await s.run({ pixel_values: new ort.Tensor('float32', x, dims) })).last_hidden_state as ort.Tensor;
    return new Float32Array(out.data as Float32Array);
  } finally {
    await s.release();
  }
}

function opTypes(bytes: Uint8Array): string[] {
  const m = modelType().decode(bytes) as unknown as { graph: { node: { opType: string; domain?: string }[] } };
  return m.graph.node.map((n) => (n.domain ? `${n.domain}.${n.opType}` : n.opType));
}

describe('attention fusion (MultiHeadAttention rewrite)', () => {
  const cases: [string, VitSpec][] = [
    ['fused qkv (timm / DINO layout)', { patchSize: 8, dim: 48, depth: 3, heads: 4, seed: 3 }],
    ['separate q, k, v with run-time reshape shapes (Hugging Face layout)', { patchSize: 14, dim: 48, depth: 2, heads: 6, seed: 4, attentionLayout: 'separate-qkv', registers: 4 }],
  ];
  for (const [name, spec] of cases) {
    it(`fuses every block of a ${name} and reproduces its tokens within 1e-4`, async () => {
      const original = buildVitModel(spec);
      const r = fuseAttention(original);
      expect(r.fused).toBe(spec.depth);
      expect(r.skipped).toBe(0);
      const ops = opTypes(r.bytes!);
      expect(ops.filter((o) => o === `${MS_DOMAIN}.MultiHeadAttention`)).toHaveLength(spec.depth);
      expect(ops).not.toContain('Softmax');
      // The old blocks are gone, not left computing beside the new ones.
      expect(ops.filter((o) => o === 'MatMul').length).toBeLessThan(opTypes(original).filter((o) => o === 'MatMul').length);
      const p = spec.patchSize;
      const dims = [2, 3, 3 * p, 5 * p];
      const x = image(2, 3 * p, 5 * p);
      const [a, b] = [await run(original, x, dims), await run(r.bytes!, x, dims)];
      expect(b.length).toBe(a.length);
      let max = 0;
      let spread = 0;
      for (let i = 0; i < a.length; i++) {
        max = Math.max(max, Math.abs(a[i]! - b[i]!));
        spread = Math.max(spread, Math.abs(a[i]!));
      }
      expect(spread).toBeGreaterThan(0.5); // a real output, not all zeros
      expect(max).toBeLessThan(1e-4);
    });
  }

  it('leaves attention it cannot prove equivalent alone', () => {
    // Softmax over heads-less scores (no reshape to heads): nothing to hand to MultiHeadAttention.
    const g = new GraphBuilder();
    const x = g.input('pixel_values', [1, 4, 8]);
    const s = g.op('Softmax', [g.op('MatMul', [x, g.op('Transpose', [x], { perm: ints([0, 2, 1]) })])], { axis: int(-1) });
    g.op('MatMul', [s, x], {}, 'last_hidden_state');
    g.output('last_hidden_state', [1, 4, 8]);
    const r = fuseAttention(g.toBytes());
    expect(r).toMatchObject({ bytes: null, fused: 0, skipped: 1 });
  });

  it('keeps a block whose attention probabilities are also a model output', () => {
    // Exports that return attention maps need the probabilities: fusing would drop them.
    const bytes = buildVitModel({ patchSize: 8, dim: 16, depth: 1, heads: 2 });
    const Model = modelType();
    const m = Model.decode(bytes) as unknown as { graph: { node: { opType: string; output: string[] }[]; output: unknown[] } };
    const softmax = m.graph.node.find((n) => n.opType === 'Softmax')!;
    m.graph.output.push({ name: softmax.output[0], type: { tensorType: { elemType: 1 } } });
    const r = fuseAttention(Model.encode(Model.fromObject(m as unknown as Record<string, unknown>)).finish());
    expect(r.fused).toBe(0);
    expect(r.skipped).toBe(1);
  });
});
