// Runs the forward-only TR head graph (tr-forward-graph.ts) on onnxruntime-node: the frozen teacher's
// outputs at the sampled rows for Step 3 and the probe's k-means init. One session per shape
// configuration, reused across steps (B and T are symbolic). The parameters are fed as tensors built
// once per parameter map: the teacher does not change after Step 2, and rebuilding them per step
// would only copy the same values.
import * as ort from 'onnxruntime-node';
import { createSession } from '../../onnx/providers.js';
import type { OrtStep2Options } from './mlp-step2.js';
import { buildTrForwardGraph, paramInput, trHeadParamShape, type TrForwardGraphSpec } from './tr-forward-graph.js';
import { trHeadParamNames } from './tr-step2-graph.js';

export class TrForwardGraph {
  private params: { source: ReadonlyMap<string, Float32Array>; feeds: Record<string, ort.Tensor> } | null = null;
  private cb: { source: Float32Array; raw: Float32Array; norm: ort.Tensor; clusterbook: ort.Tensor } | null = null;

  private constructor(
    readonly spec: TrForwardGraphSpec,
    private readonly session: ort.InferenceSession,
    readonly provider: string,
  ) {}

  static async open(spec: TrForwardGraphSpec, options: OrtStep2Options = {}): Promise<TrForwardGraph> {
    const created = await createSession(buildTrForwardGraph(spec), 'TR head forward graph', {
      provider: options.provider ?? 'auto',
      ...(options.threads ? { threads: options.threads } : {}),
    });
    for (const f of created.fallbacks) options.log?.(`TR forward graph: provider ${f.provider} unavailable (${f.reason}); using ${created.provider}`);
    return new TrForwardGraph(spec, created.session, created.provider);
  }

  /**
   * Head outputs [T, r] (eval mode) at `rows` (indices into the B·N rows of `grids`, n per image,
   * images in order) of B full grids [B·N, D]. `cbNorm` holds the L2-normalised clusterbook rows [k, D].
   * `params` is the head's parameter map (TR_HEAD_PARAMS; a projection in it is ignored); pass the same
   * map object again to reuse its tensors.
   */
  async run(cbNorm: Float32Array, clusterbook: Float32Array, grids: Float32Array, rows: Int32Array, params: ReadonlyMap<string, Float32Array>): Promise<Float32Array> {
    const { dim: D, tokensPerImage: n, gridTokens: N, concepts: k, headDim: r } = this.spec;
    const B = grids.length / (N * D);
    if (!Number.isInteger(B) || B === 0) throw new Error(`TR forward graph: ${grids.length} grid values is not whole ${N}×${D} grids`);
    const T = rows.length;
    if (T !== B * n) throw new Error(`TR forward graph: ${T} sampled rows for ${B} images of ${n}`);
    const rows64 = new BigInt64Array(T);
    for (let i = 0; i < T; i++) {
      const row = rows[i]!;
      if (row < 0 || row >= B * N || Math.floor(row / N) !== Math.floor(i / n)) throw new Error(`TR forward graph: sampled row ${i} (${row}) is not in image ${Math.floor(i / n)}`);
      rows64[i] = BigInt(row);
    }
    if (cbNorm.length !== k * D || clusterbook.length !== k * D) throw new Error(`TR forward graph: the clusterbook must be ${k}×${D}`);
    if (this.cb?.source !== cbNorm || this.cb.raw !== clusterbook) {
      this.cb = { source: cbNorm, raw: clusterbook, norm: new ort.Tensor('float32', cbNorm, [k, D]), clusterbook: new ort.Tensor('float32', clusterbook, [k, D]) };
    }
    if (this.params?.source !== params) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const name of trHeadParamNames(this.spec)) {
        const v = params.get(name);
        const dims = trHeadParamShape(this.spec, name);
        if (!v) throw new Error(`TR forward graph: parameter ${name} is missing`);
        if (v.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`TR forward graph: parameter ${name} has ${v.length} values, expected ${dims.join('×')}`);
        feeds[paramInput(name)] = new ort.Tensor('float32', v, dims);
      }
      this.params = { source: params, feeds };
    }
    const out = await this.session.run({
      x: new ort.Tensor('float32', grids, [B * N, D]),
      rows: new ort.Tensor('int64', rows64, [T]),
      cb_norm: this.cb.norm,
      clusterbook: this.cb.clusterbook,
      ...this.params.feeds,
    });
    const y = out.y!.data as Float32Array;
    if (y.length !== T * r) throw new Error(`TR forward graph: ${y.length} outputs, expected ${T}×${r}`);
    return y;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
