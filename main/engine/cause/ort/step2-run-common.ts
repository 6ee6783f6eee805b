// What the two Step 2 runners (mlp-step2.ts, tr-step2.ts) do alike around session.run: feed the
// student and teacher parameters, and read loss, plan statistics, concepts, teacher projections and
// gradients back. The graphs share these input and output names (step2-graph-common.ts and theirs).
import * as ort from 'onnxruntime-node';
import { STEP2_STATS } from './step2-graph-common.js';

export interface Step2Outputs<P extends string> {
  /** Mean contrastive term (NaN-free: 0 when there is no term; check `stats.batchTerms + stats.bankTerms`). */
  readonly loss: number;
  readonly stats: Record<(typeof STEP2_STATS)[number], number>;
  /** Concept of each sampled token [T]. */
  readonly ids: Int32Array;
  /** normalize(teacher projection) [T, p]: the step's bank candidates. */
  readonly teacherProj: Float32Array;
  readonly grads: Map<P, Float32Array>;
}

/** Adds `s:<name>` and `t:<name>` feeds for every parameter; `graph` names the graph in errors. */
export function feedParams<P extends string>(
  feeds: Record<string, ort.Tensor>,
  names: readonly P[],
  shape: (name: P) => number[],
  nets: { readonly student: ReadonlyMap<string, Float32Array>; readonly teacher: ReadonlyMap<string, Float32Array> },
  graph: string,
): void {
  for (const name of names) {
    const dims = shape(name);
    for (const [prefix, m] of [['s', nets.student], ['t', nets.teacher]] as const) {
      const v = m.get(name);
      if (!v) throw new Error(`${graph}: parameter ${name} is missing`);
      feeds[`${prefix}:${name}`] = new ort.Tensor('float32', v, dims);
    }
  }
}

export function readStep2Outputs<P extends string>(out: ort.InferenceSession.OnnxValueMapType, T: number, names: readonly P[]): Step2Outputs<P> {
  const get = (name: string) => out[name]!.data;
  const statsRaw = get('stats') as Float32Array;
  const stats = Object.fromEntries(STEP2_STATS.map((s, i) => [s, statsRaw[i]!])) as Step2Outputs<P>['stats'];
  const ids64 = get('ids') as BigInt64Array;
  const ids = new Int32Array(T);
  for (let i = 0; i < T; i++) ids[i] = Number(ids64[i]!);
  const grads = new Map<P, Float32Array>();
  for (const name of names) grads.set(name, get(`g:${name}`) as Float32Array);
  return { loss: (get('loss') as Float32Array)[0]!, stats, ids, teacherProj: get('teacher_proj') as Float32Array, grads };
}
