// Step 2 on tfjs with autodiff: the oracle of the onnxruntime Step 2 graphs and their fallback. The
// dropout masks are the batch's (drawn from the trainer's stream, dropout-masks.ts), multiplied in at
// the sampled rows, so this path trains the model the onnxruntime path trains.
import { resolveStep2Loss } from '../../../../shared/contract/step2-loss.js';
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../../../shared/contract/experiments.js';
import { assignConcepts, conceptVectors, pairMasks, type PairMasks } from '../concepts.js';
import { contrastiveSum, planContrastive, slicePlan, type ContrastivePlan } from '../contrastive.js';
import { temporalMasks, temporalMatches } from '../temporal-positives.js';
import { codebookQueries, headForward, project, type BranchMasks, type HeadSpec, type TrMasks } from '../heads.js';
import { gatherRows, l2normalize } from '../ops.js';
import { emaUpdate } from '../params.js';
import { globalIndices, readGrids } from './batch.js';
import { keepMultipliers, type SiteMasks } from './dropout-masks.js';
import type { EngineContext, PairStats, Step2Batch, Step2Outcome, Step2Part } from './step-engine.js';

/**
 * Memory the wasm heap may spend on one TR micro-batch's forward + backward. Measured: 1 GiB by this
 * estimate (9 images at 23×23, D 768) aborted the 4 GiB heap, and 3 images at 40×40 peaked at 3.9 GiB
 * RSS — the heap never shrinks and fragments, so the budget stays well below it.
 */
const TR_MICRO_BATCH_BYTES = 384 << 20;

/**
 * Images per TR micro-batch: a rough count of the float32 values one image keeps alive through
 * forward and backward (two N×N attention maps with softmax, dropout and their gradients, the FFN
 * activations, ~40 D-wide activations per token), fitted to TR_MICRO_BATCH_BYTES.
 */
export function trMicroBatch(spec: HeadSpec, config: Pick<TrainConfig, 'batchSize'>): number {
  const N = spec.gridTokens;
  const perImage = 4 * (16 * N * N + 6 * N * spec.ffnDim + 40 * N * spec.dim);
  return Math.max(1, Math.min(config.batchSize, Math.floor(TR_MICRO_BATCH_BYTES / perImage)));
}

/**
 * One network's masks as the tfjs head takes them, for images [b0, b1) of the batch. MLP: the sampled
 * rows are the head's rows. TR: the head runs on full grids; the sampled rows get their masks and the
 * other rows none (their outputs never reach the loss: each row's output depends on its own masks only).
 */
export function tfjsMasks(spec: HeadSpec, m: SiteMasks, batch: Pick<Step2Batch, 'indices' | 'n'>, b0: number, b1: number): BranchMasks | TrMasks {
  const p = spec.dropout;
  const n = batch.n;
  if (spec.kind === 'mlp') {
    const rows = (site: string) => {
      const w = spec.dim;
      return tf.tensor2d(keepMultipliers(m[site]!.subarray(b0 * n * w, b1 * n * w), p), [(b1 - b0) * n, w]);
    };
    return { m1: rows('o1'), m2: rows('o2') };
  }
  const N = spec.gridTokens;
  const B = b1 - b0;
  const full = (site: string): Float32Array => {
    const flags = m[site]!;
    const w = flags.length / (batch.indices.length * n);
    const out = new Float32Array(B * N * w).fill(1);
    const keep = keepMultipliers(flags.subarray(b0 * n * w, b1 * n * w), p);
    for (let b = 0; b < B; b++) {
      const idx = batch.indices[b0 + b]!;
      for (let j = 0; j < n; j++) out.set(keep.subarray((b * n + j) * w, (b * n + j + 1) * w), (b * N + idx[j]!) * w);
    }
    return out;
  };
  const rows2 = (site: string, w: number) => tf.tensor2d(full(site), [B * N, w]);
  return {
    a1: tf.tensor3d(full('a1'), [B, N, N]),
    sa: rows2('sa', spec.dim),
    a2: tf.tensor3d(full('a2'), [B, N, N]),
    ca: rows2('ca', spec.dim),
    h: rows2('h', spec.ffnDim),
    ff: rows2('ff', spec.dim),
    m1: rows2('o1', spec.dim),
    m2: rows2('o2', spec.dim),
  };
}

const stats = (plan: ContrastivePlan): PairStats => ({ terms: plan.terms, posPairs: plan.posPairs, negPairs: plan.negPairs });

export class TfjsStep2 implements Step2Part {
  readonly engine = 'tfjs';
  constructor(private readonly ctx: EngineContext) {}

  step(batch: Step2Batch): Promise<Step2Outcome> {
    return Promise.resolve(this.run(batch));
  }

  private run(batch: Step2Batch): Step2Outcome {
    const { source, config, spec, state } = this.ctx;
    const lossOptions = resolveStep2Loss(config.step2);
    const cb = this.ctx.codebook();
    const B = batch.items.length;
    const D = source.dim;
    const N = source.h * source.w;
    const n = batch.n;
    const T = B * n;
    const grids = spec.kind === 'tr' ? readGrids(source, batch.items) : null;
    const bankSnap = batch.bank;
    const adam = state.adam!;

    let result: Step2Outcome | undefined;
    tf.tidy(() => {
      const xs = tf.tensor2d(batch.tokens, [T, D]);
      const ids = assignConcepts(xs, cb.cbNormT);
      const V = tf.tensor2d(conceptVectors(cb.cbNorm, D, ids), [T, D]);
      const batchMasks = pairMasks(V, V, config.posThreshold, config.negThreshold, true);
      const batchPlan = planContrastive(batchMasks, B);
      let bank: { masks: PairMasks; plan: ContrastivePlan; targetsT: tf.Tensor2D } | null = null;
      if (bankSnap) {
        const Vb = tf.tensor2d(conceptVectors(cb.cbNorm, D, bankSnap.ids), [bankSnap.ids.length, D]);
        const masks = pairMasks(V, Vb, config.posThreshold, config.negThreshold, false);
        bank = {
          masks,
          plan: planContrastive(masks, B),
          targetsT: tf.transpose(tf.tensor2d(bankSnap.rows, [bankSnap.ids.length, config.projDim])),
        };
      }
      // Temporal positives (MLP heads): each token's match in a nearby frame, through the teacher.
      let temporal: { masks: PairMasks; plan: ContrastivePlan; targetsT: tf.Tensor2D } | null = null;
      if (lossOptions.temporal) {
        if (spec.kind !== 'mlp') throw new Error('step2.temporal (temporal positives) needs an MLP head (cause-mlp)');
        const tm = temporalMatches(source, batch.items, batch.indices, lossOptions.temporal);
        const xm = tf.tensor2d(tm.tokens, [T, D]);
        const Vm = tf.tensor2d(conceptVectors(cb.cbNorm, D, assignConcepts(xm, cb.cbNormT)), [T, D]);
        const masks = temporalMasks(tf.matMul(V, Vm, false, true), tm.matched, config.negThreshold);
        temporal = { masks, plan: planContrastive(masks, B), targetsT: tf.transpose(l2normalize(project(state.teacher, headForward(spec, state.teacher, xm)))) };
      }
      const terms = batchPlan.terms + (bank?.plan.terms ?? 0) + (temporal?.plan.terms ?? 0);

      // Head inputs: MLP samples before the head; TR runs on full grids and samples afterwards, a few
      // images at a time: given the constant teacher targets the loss is a sum of per-image terms, so the
      // micro-batches' gradients add up to the full-batch gradient while memory stays that of a micro-batch
      // (the whole batch of 16 40×40 grids does not fit wasm's 4 GiB heap).
      const mb = spec.kind === 'tr' ? Math.min(B, this.ctx.trMicroBatch > 0 ? this.ctx.trMicroBatch : trMicroBatch(spec, config)) : B;
      const chunks: [number, number][] = [];
      for (let b0 = 0; b0 < B; b0 += mb) chunks.push([b0, Math.min(B, b0 + mb)]);
      const headIn = (b0: number, b1: number): { xIn: tf.Tensor2D; queries?: tf.Tensor2D; gidx: Int32Array | null } => {
        if (spec.kind !== 'tr') return { xIn: chunks.length === 1 ? xs : xs.slice([b0 * n, 0], [(b1 - b0) * n, D]), gidx: null };
        const xIn = tf.tensor2d(grids!.subarray(b0 * N * D, b1 * N * D), [(b1 - b0) * N, D]);
        const queries = codebookQueries(xIn, state.clusterbook as unknown as tf.Tensor2D, cb.cbNormT);
        return { xIn, queries, gidx: globalIndices(batch.indices.slice(b0, b1), N) };
      };
      const masksOf = (net: 'teacher' | 'student', b0: number, b1: number) => (batch.masks ? tfjsMasks(spec, batch.masks[net], batch, b0, b1) : undefined);

      const ztParts = chunks.map(([b0, b1]) =>
        tf.tidy(() => {
          const h = headIn(b0, b1);
          const out = headForward(spec, state.teacher, h.xIn, h.queries, masksOf('teacher', b0, b1));
          return l2normalize(project(state.teacher, h.gidx ? tf.gather(out, tf.tensor1d(h.gidx, 'int32')) : out));
        }),
      );
      const ztn = ztParts.length === 1 ? ztParts[0]! : (tf.concat(ztParts, 0) as tf.Tensor2D);
      const ztnT = tf.transpose(ztn) as tf.Tensor2D;

      let loss = NaN;
      let gradNorm = NaN;
      if (terms > 0) {
        let acc: tf.NamedTensorMap | null = null;
        let sumLoss = 0;
        const rows = (m: PairMasks, r0: number, r1: number): PairMasks =>
          chunks.length === 1 ? m : { pos: m.pos.slice([r0, 0], [r1 - r0, -1]), neg: m.neg.slice([r0, 0], [r1 - r0, -1]) };
        for (const [b0, b1] of chunks) {
          const [r0, r1] = [b0 * n, b1 * n];
          const prev: tf.NamedTensorMap | null = acc;
          const next = tf.tidy(() => {
            const h = headIn(b0, b1);
            const masks = masksOf('student', b0, b1);
            const { value, grads } = tf.variableGrads(() => {
              const y = headForward(spec, state.student, h.xIn, h.queries, masks);
              const z = project(state.student, h.gidx ? gatherRows(y, h.gidx) : y);
              let sum = contrastiveSum(z, ztnT, rows(batchMasks, r0, r1), slicePlan(batchPlan, r0, r1), config.temperature, lossOptions);
              if (bank) sum = tf.add(sum, contrastiveSum(z, bank.targetsT, rows(bank.masks, r0, r1), slicePlan(bank.plan, r0, r1), config.temperature, lossOptions));
              if (temporal) {
                sum = tf.add(sum, contrastiveSum(z, temporal.targetsT, rows(temporal.masks, r0, r1), slicePlan(temporal.plan, r0, r1), config.temperature, lossOptions));
              }
              return tf.div(sum, terms) as tf.Scalar;
            }, state.student.list());
            const merged: tf.NamedTensorMap = {};
            for (const [k, g] of Object.entries(grads)) merged[k] = prev ? tf.add(prev[k]!, g) : g;
            return { value, merged };
          });
          if (prev) tf.dispose(Object.values(prev));
          sumLoss += next.value.dataSync()[0]!;
          next.value.dispose();
          acc = next.merged;
        }
        loss = sumLoss;
        gradNorm = adam.apply(acc!, config.gradClip);
        tf.dispose(Object.values(acc!));
        emaUpdate(state.teacher, state.student, config.emaMomentum);
      }
      result = {
        ids,
        teacherProj: terms > 0 ? (ztn.dataSync() as Float32Array) : null,
        batch: stats(batchPlan),
        bank: bank ? stats(bank.plan) : null,
        loss,
        gradNorm,
      };
    });
    if (!result) throw new Error('Step 2 (tfjs) produced no result');
    return result;
  }

  flush(): void {}

  async release(): Promise<void> {}
}
