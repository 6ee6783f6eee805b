// Step 2 with the MLP head on onnxruntime-node: the graph of mlp-step2-graph.ts computes loss and
// gradients; clipping, Adam and the EMA run here on host arrays (measured: a few ms per step for ~1 M
// parameters, against hundreds for the graph). Dropout masks are drawn in JS from the trainer's PRNG
// (engines/dropout-masks.ts) and fed as inputs, so a resumed run repeats an uninterrupted one bit for bit.
// session.run blocks its thread for the whole step: this runs inside the training worker.
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderChoice } from '../../../../shared/contract/backbones.js';
import { createSession } from '../../onnx/providers.js';
import type { BankSnapshot } from '../bank.js';
import { adamHostStep, type Adam, type AdamState } from '../optim.js';
import { emaHostUpdate, type ParamInit, type ParamSet } from '../params.js';
import { buildMlpStep2Graph, MLP_PARAMS, paramShape, type MlpParamName, type MlpStep2GraphSpec } from './mlp-step2-graph.js';
import { feedParams, readStep2Outputs, type Step2Outputs } from './step2-run-common.js';

export interface OrtStep2Options {
  /** Intra-op threads (default: onnxruntime's choice, all cores). */
  readonly threads?: number;
  readonly provider?: ExecutionProviderChoice;
  readonly log?: (message: string) => void;
}

export interface MlpStep2Inputs {
  /** Sampled tokens [T, D], images contiguous (n rows each). */
  readonly tokens: Float32Array;
  /** Bank rows (normalised teacher projections) and their concepts; null or empty = no bank term. */
  readonly bank: Pick<BankSnapshot, 'ids' | 'rows'> | null;
  /** Dropout multipliers (0 or 1/(1−p)) [T, D] each, in draw order; null when the graph has no dropout. */
  readonly masks: { readonly t1: Float32Array; readonly t2: Float32Array; readonly s1: Float32Array; readonly s2: Float32Array } | null;
  readonly student: ReadonlyMap<string, Float32Array>;
  readonly teacher: ReadonlyMap<string, Float32Array>;
}

export type MlpStep2Outputs = Step2Outputs<MlpParamName>;

/** Runs the Step 2 MLP graph; one session per shape configuration, reused across steps (T and Q are symbolic). */
export class MlpStep2Graph {
  private cbTensor: ort.Tensor | null = null;
  private cbSource: Float32Array | null = null;

  private constructor(
    readonly spec: MlpStep2GraphSpec,
    private readonly session: ort.InferenceSession,
    readonly provider: string,
  ) {}

  static async open(spec: MlpStep2GraphSpec, options: OrtStep2Options = {}): Promise<MlpStep2Graph> {
    const created = await createSession(buildMlpStep2Graph(spec), 'Step 2 MLP training graph', {
      provider: options.provider ?? 'auto',
      ...(options.threads ? { threads: options.threads } : {}),
    });
    for (const f of created.fallbacks) options.log?.(`Step 2 graph: provider ${f.provider} unavailable (${f.reason}); using ${created.provider}`);
    return new MlpStep2Graph(spec, created.session, created.provider);
  }

  /** Loss, plan statistics, concepts, teacher projections and student gradients of one step. */
  async run(cbNorm: Float32Array, inp: MlpStep2Inputs): Promise<MlpStep2Outputs> {
    const { dim: D, projDim: p, tokensPerImage: n } = this.spec;
    const T = inp.tokens.length / D;
    if (!Number.isInteger(T) || T === 0 || T % n !== 0) throw new Error(`Step 2 graph: ${inp.tokens.length} token values is not whole images of ${n}×${D}`);
    if (this.cbSource !== cbNorm) {
      this.cbTensor = new ort.Tensor('float32', cbNorm, [cbNorm.length / D, D]);
      this.cbSource = cbNorm;
    }
    const f32 = (a: Float32Array, dims: number[]) => new ort.Tensor('float32', a, dims);
    const Q = inp.bank && inp.bank.ids.length > 0 ? inp.bank.ids.length : 0;
    // An empty bank is one padding row with bank_valid = 0: it adds no pair, so no term and no gradient.
    const bankIds = new BigInt64Array(Math.max(Q, 1));
    for (let i = 0; i < Q; i++) bankIds[i] = BigInt(inp.bank!.ids[i]!);
    const feeds: Record<string, ort.Tensor> = {
      x: f32(inp.tokens, [T, D]),
      cb_norm: this.cbTensor!,
      bank_ids: new ort.Tensor('int64', bankIds, [Math.max(Q, 1)]),
      bank_rows: f32(Q > 0 ? inp.bank!.rows : new Float32Array(p), [Math.max(Q, 1), p]),
      bank_valid: f32(Q > 0 ? new Float32Array(Q).fill(1) : new Float32Array(1), [Math.max(Q, 1)]),
    };
    if (this.spec.dropout) {
      if (!inp.masks) throw new Error('Step 2 graph: dropout masks are required');
      feeds.drop_t1 = f32(inp.masks.t1, [T, D]);
      feeds.drop_t2 = f32(inp.masks.t2, [T, D]);
      feeds.drop_s1 = f32(inp.masks.s1, [T, D]);
      feeds.drop_s2 = f32(inp.masks.s2, [T, D]);
    }
    feedParams(feeds, MLP_PARAMS, (name) => paramShape(this.spec, name), inp, 'Step 2 graph');
    return readStep2Outputs(await this.session.run(feeds), T, MLP_PARAMS);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}


/** Host copies of what Step 2 changes: student, teacher, Adam moments. The trainer syncs them with its tf variables. */
export interface HostStep2State {
  readonly student: Map<string, Float32Array>;
  readonly teacher: Map<string, Float32Array>;
  readonly m: Map<string, Float32Array>;
  readonly v: Map<string, Float32Array>;
  t: number;
}

export function hostState(student: ReadonlyMap<string, ParamInit>, teacher: ReadonlyMap<string, ParamInit>, adam: AdamState): HostStep2State {
  const copy = (src: ReadonlyMap<string, ParamInit>) => new Map([...src].map(([k, v]) => [k, Float32Array.from(v.values)]));
  return { student: copy(student), teacher: copy(teacher), m: copy(adam.m), v: copy(adam.v), t: adam.t };
}

export function exportHostState(s: HostStep2State, shapes: ReadonlyMap<string, readonly number[]>): {
  student: Map<string, ParamInit>;
  teacher: Map<string, ParamInit>;
  adam: AdamState;
} {
  const dump = (src: Map<string, Float32Array>) =>
    new Map([...src].map(([k, v]) => [k, { shape: [...(shapes.get(k) ?? [v.length])], values: Float32Array.from(v) }]));
  return { student: dump(s.student), teacher: dump(s.teacher), adam: { t: s.t, m: dump(s.m), v: dump(s.v) } };
}

/** Clip + Adam on the student, then the EMA teacher update: the rest of a Step 2 step. */
export function applyHostUpdate(s: HostStep2State, grads: ReadonlyMap<string, Float32Array>, lr: number, clip: number | null, emaMomentum: number): number {
  s.t++;
  const norm = adamHostStep(s.student, grads, s.m, s.v, s.t, lr, clip);
  emaHostUpdate(s.teacher, s.student, emaMomentum);
  return norm;
}

/**
 * The graph (MLP or TR, see tr-step2.ts) plus the host copy of the trainer's Step 2 state. The trainer's tf variables stay the
 * state of record for checkpoints and Step 3: `attach` copies them in before the first step, `flush`
 * writes the host arrays back (before a snapshot and at the end of the stage) — once, not every step.
 */
export class OrtMlpStep2<G extends { release(): Promise<void> } = MlpStep2Graph> {
  private host: HostStep2State | null = null;
  private dirty = false;

  constructor(readonly graph: G) {}

  state(student: ParamSet, teacher: ParamSet, adam: Adam): HostStep2State {
    this.host ??= hostState(student.export(), teacher.export(), adam.export());
    return this.host;
  }

  /** Marks the host arrays as ahead of the tf variables. */
  touched(): void {
    this.dirty = true;
  }

  flush(student: ParamSet, teacher: ParamSet, adam: Adam | null): void {
    if (!this.host || !this.dirty) return;
    const shapes = new Map(student.names().map((nm) => [nm, student.get(nm).shape]));
    const s = exportHostState(this.host, shapes);
    student.load(s.student);
    teacher.load(s.teacher);
    adam?.load(s.adam);
    this.dirty = false;
  }

  async release(): Promise<void> {
    this.host = null;
    await this.graph.release();
  }
}
