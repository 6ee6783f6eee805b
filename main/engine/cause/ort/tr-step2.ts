// Step 2 with the TR head on onnxruntime-node: the graph of tr-step2-graph.ts computes loss and
// gradients; clipping, Adam and the EMA run on host arrays exactly as for the MLP head (OrtStep2Host /
// applyHostUpdate in mlp-step2.ts). Dropout masks are drawn in JS from the trainer's PRNG
// (engines/dropout-masks.ts) and fed as inputs — only at the sampled rows, the only rows the loss
// sees — so a resumed run repeats exactly.
// session.run blocks its thread for the whole step: this runs inside the training worker.
import * as ort from 'onnxruntime-node';
import { createSession } from '../../onnx/providers.js';
import type { BankSnapshot } from '../bank.js';
import type { OrtStep2Options } from './mlp-step2.js';
import { feedParams, readStep2Outputs, type Step2Outputs } from './step2-run-common.js';
import {
  buildTrStep2Graph,
  maskInput,
  maskWidth,
  TR_DROPOUT_SITES,
  trParamNames,
  trParamShape,
  type TrDropoutSite,
  type TrParamName,
  type TrStep2GraphSpec,
} from './tr-step2-graph.js';

/** Keep flags (1 keep, 0 drop) of one network's dropout sites at the sampled rows, [T, width] each. */
export type TrMaskSet = Readonly<Record<TrDropoutSite, Uint8Array>>;

export interface TrStep2Inputs {
  /** B full grids [B·N, D], images contiguous. */
  readonly grids: Float32Array;
  /** Sampled rows as indices into the B·N grid rows, n per image, images in order. */
  readonly rows: Int32Array;
  readonly bank: Pick<BankSnapshot, 'ids' | 'rows'> | null;
  /** Null when the graph has no dropout. */
  readonly masks: { readonly teacher: TrMaskSet; readonly student: TrMaskSet } | null;
  readonly student: ReadonlyMap<string, Float32Array>;
  readonly teacher: ReadonlyMap<string, Float32Array>;
}

export type TrStep2Outputs = Step2Outputs<TrParamName>;

/** Runs the Step 2 TR graph; one session per shape configuration, reused across steps (B and Q are symbolic). */
export class TrStep2Graph {
  private cb: { source: Float32Array; norm: ort.Tensor; raw: ort.Tensor } | null = null;

  private constructor(
    readonly spec: TrStep2GraphSpec,
    private readonly session: ort.InferenceSession,
    readonly provider: string,
  ) {}

  static async open(spec: TrStep2GraphSpec, options: OrtStep2Options = {}): Promise<TrStep2Graph> {
    const created = await createSession(buildTrStep2Graph(spec), 'Step 2 TR training graph', {
      provider: options.provider ?? 'auto',
      ...(options.threads ? { threads: options.threads } : {}),
    });
    for (const f of created.fallbacks) options.log?.(`Step 2 graph: provider ${f.provider} unavailable (${f.reason}); using ${created.provider}`);
    return new TrStep2Graph(spec, created.session, created.provider);
  }

  /** Loss, plan statistics, concepts, teacher projections and student gradients of one step. */
  async run(cbNorm: Float32Array, clusterbook: Float32Array, inp: TrStep2Inputs): Promise<TrStep2Outputs> {
    const { dim: D, projDim: p, tokensPerImage: n, gridTokens: N } = this.spec;
    const B = inp.grids.length / (N * D);
    if (!Number.isInteger(B) || B === 0) throw new Error(`Step 2 TR graph: ${inp.grids.length} grid values is not whole ${N}×${D} grids`);
    const T = inp.rows.length;
    if (T !== B * n) throw new Error(`Step 2 TR graph: ${T} sampled rows for ${B} images of ${n}`);
    for (let i = 0; i < T; i++) {
      const r = inp.rows[i]!;
      if (r < 0 || r >= B * N || Math.floor(r / N) !== Math.floor(i / n)) throw new Error(`Step 2 TR graph: sampled row ${i} (${r}) is not in image ${Math.floor(i / n)}`);
    }
    if (this.cb?.source !== cbNorm) {
      const k = cbNorm.length / D;
      this.cb = { source: cbNorm, norm: new ort.Tensor('float32', cbNorm, [k, D]), raw: new ort.Tensor('float32', clusterbook, [k, D]) };
    }
    const f32 = (a: Float32Array, dims: number[]) => new ort.Tensor('float32', a, dims);
    const Q = inp.bank && inp.bank.ids.length > 0 ? inp.bank.ids.length : 0;
    // An empty bank is one padding row with bank_valid = 0: it adds no pair, so no term and no gradient.
    const bankIds = new BigInt64Array(Math.max(Q, 1));
    for (let i = 0; i < Q; i++) bankIds[i] = BigInt(inp.bank!.ids[i]!);
    const rows64 = new BigInt64Array(T);
    for (let i = 0; i < T; i++) rows64[i] = BigInt(inp.rows[i]!);
    const feeds: Record<string, ort.Tensor> = {
      x: f32(inp.grids, [B * N, D]),
      rows: new ort.Tensor('int64', rows64, [T]),
      cb_norm: this.cb.norm,
      clusterbook: this.cb.raw,
      bank_ids: new ort.Tensor('int64', bankIds, [Math.max(Q, 1)]),
      bank_rows: f32(Q > 0 ? inp.bank!.rows : new Float32Array(p), [Math.max(Q, 1), p]),
      bank_valid: f32(Q > 0 ? new Float32Array(Q).fill(1) : new Float32Array(1), [Math.max(Q, 1)]),
    };
    if (this.spec.dropout > 0) {
      if (!inp.masks) throw new Error('Step 2 TR graph: dropout masks are required');
      for (const site of TR_DROPOUT_SITES) {
        const dims = [T, maskWidth(this.spec, site)];
        feeds[maskInput('t', site)] = new ort.Tensor('uint8', inp.masks.teacher[site], dims);
        feeds[maskInput('s', site)] = new ort.Tensor('uint8', inp.masks.student[site], dims);
      }
    }
    const names = trParamNames(this.spec);
    feedParams(feeds, names, (name) => trParamShape(this.spec, name), inp, 'Step 2 TR graph');
    return readStep2Outputs(await this.session.run(feeds), T, names);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

