// The CAUSE training loop: Step 1 clusterbook, Step 2 head with EMA teacher and concept bank, Step 3
// cluster probe — all on cached features, label-free, resumable at any checkpointed step.
// The trainer owns the schedule, the loop, checkpoints, metrics and the one random stream; the steps'
// engine-independent halves are in steps/, the engines behind engines/step-engine.ts, and the choice of
// engine with its fallback in engines/select.ts.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../../shared/contract/experiments.js';
import { ConceptBank } from './bank.js';
import { normalizedTranspose } from './concepts.js';
import { sampleBatch } from './engines/batch.js';
import { TrainingEngines } from './engines/select.js';
import type { EngineChoice, EngineContext, FrozenCodebook, TrainingState } from './engines/step-engine.js';
import type { FeatureSource } from './features.js';
import { sampledCount } from './grid-sampling.js';
import { Adam } from './optim.js';
import { ParamSet } from './params.js';
import { Prng } from '../../../shared/random.js';
import { batchItems, trainSchedule } from './schedule.js';
import { runStep1 } from './steps/step1.js';
import { runStep2 } from './steps/step2.js';
import { step3VariantFor, type Step3Context } from './steps/step3.js';
import { headSpecFor, initialTrainerState, STAGES, type CauseModel, type Stage, type TrainerState } from './trainer-state.js';
import { tidyData } from './ops.js';

export { batchItems, trainSchedule, type Schedule } from './schedule.js';
export { headSpecFor, initialTrainerState, STAGES, type CauseModel, type Stage, type TrainerState } from './trainer-state.js';
export { trMicroBatch } from './engines/tfjs-step2.js';

export interface TrainHooks {
  progress?(u: { stage: Stage; stageStep: number; stageSteps: number; globalStep: number; totalSteps: number }): void;
  /** Metric values of one global step. */
  metrics?(globalStep: number, values: Record<string, number>): void | Promise<void>;
  checkpointEvery?: number;
  /** `engines`: which engine ran each stage so far (a resumed run does not reopen finished stages). */
  saveCheckpoint?(state: TrainerState, engines: Readonly<{ step1?: string; step2?: string; step3?: string }>): void | Promise<void>;
  loadCheckpoint?(): TrainerState | undefined;
  throwIfCancelled?(): void;
  log?(message: string): void;
  /** Tests: stop (as if killed) after this global step has been checkpointed. */
  stopAfterStep?: number;
  /**
   * Step 2 engine: 'auto' (default) runs the step (MLP or TR head) as one onnxruntime graph, falling
   * back to tfjs with a log line when the session cannot open; 'tfjs' forces tfjs (the oracle);
   * 'onnxruntime' fails rather than fall back. Also picks the engine of the frozen TR teacher's forward
   * in Step 3 and the probe init (ort/tr-forward.ts), with the same fallback. Both engines draw every
   * mask from the run's stream, so they train the same model up to rounding.
   */
  step2Engine?: EngineChoice;
  /** Step 1: 'auto' (default) runs the assignment products on onnxruntime, the co-membership loop in tfjs. */
  step1Engine?: EngineChoice;
  /** onnxruntime intra-op threads for Step 2 (default: all cores). */
  ortThreads?: number;
  /** TR head on tfjs: images per gradient micro-batch (default 0 = sized from the grid to bound memory; the onnxruntime graph needs none). */
  trMicroBatch?: number;
}

/** Thrown by the `stopAfterStep` test hook: simulates a kill right after a checkpoint. */
export class TrainingStopped extends Error {
  constructor(readonly step: number) {
    super(`training stopped after step ${step}`);
  }
}

/** Steps 1-3. Takes features only (no labels) and returns the trained model. */
export async function trainCause(source: FeatureSource, config: TrainConfig, hooks: TrainHooks = {}): Promise<CauseModel> {
  if (config.method === 'kmeans') throw new Error('trainCause: k-means runs through trainKmeans');
  sampledCount(source.h, source.w); // reject grids with nothing to sample before any work
  const spec = headSpecFor(config, source);
  const schedule = trainSchedule(config, source.count);
  if (schedule.images.length === 0) throw new Error('trainCause: no feature items to train on');
  const loaded = hooks.loadCheckpoint?.();
  const s0 = loaded ?? initialTrainerState(source, config);
  if (loaded) hooks.log?.(`resuming at global step ${loaded.globalStep} (${STAGES[loaded.stage] ?? 'done'} step ${loaded.stageStep})`);
  const state: TrainingState = {
    clusterbook: tf.tidy(() => tf.variable(tf.tensor(s0.clusterbook.values, s0.clusterbook.shape))),
    student: new ParamSet(s0.student!),
    teacher: new ParamSet(s0.teacher!, false),
    probe: tf.tidy(() => tf.variable(tf.tensor(s0.probe!.values, s0.probe!.shape))),
    bank: s0.bank
      ? ConceptBank.restore({ dim: config.projDim, cap: config.bankPerConcept, ...s0.bank })
      : new ConceptBank(config.projDim, config.bankPerConcept),
    adam: null,
    rng: new Prng(s0.rng),
    counters: { ...s0.counters },
  };
  let stage = s0.stage;
  let stageStep = s0.stageStep;
  let globalStep = s0.globalStep;
  const stageVars = (st: number): ParamSet => (st === 0 ? wrap('clusterbook', state.clusterbook) : st === 1 ? state.student : wrap('probe', state.probe));
  const makeAdam = (st: number) => new Adam(stageVars(st), [config.step1.lr, config.step2.lr, config.step3.lr][st]!);
  if (stage < 3) {
    state.adam = makeAdam(stage);
    if (s0.adam) state.adam.load(s0.adam);
  }
  let frozen: FrozenCodebook | null = null;
  const codebook = (): FrozenCodebook => {
    if (!frozen) {
      // Kept: the first call may come from inside an engine's tf.tidy.
      const normT = tf.keep(normalizedTranspose(state.clusterbook as unknown as tf.Tensor2D));
      frozen = {
        cbNormT: normT,
        cbNorm: tidyData(() => tf.transpose(normT)),
        raw: state.clusterbook.dataSync() as Float32Array,
      };
    }
    return frozen;
  };
  const ctx: EngineContext = {
    source,
    config,
    spec,
    state,
    codebook,
    trMicroBatch: hooks.trMicroBatch ?? 0,
    ...(hooks.ortThreads ? { threads: hooks.ortThreads } : {}),
    ...(hooks.log ? { log: (m: string) => hooks.log!(m) } : {}),
  };
  // Temporal positives exist on the tfjs Step 2 only (not in the ONNX graphs). A source that knows no
  // neighbours (frames without sequences) has no temporal term, so it keeps the faster engine.
  const step2Engine = config.step2.temporal && source.neighbour ? 'tfjs' : (hooks.step2Engine ?? 'auto');
  const engines = new TrainingEngines(ctx, { step1: hooks.step1Engine ?? 'auto', step2: step2Engine });
  const step3 = step3VariantFor(config);
  const step3Context = (): Step3Context => ({
    engine: ctx,
    stageStep,
    stepsPerEpoch: schedule.stepsPerEpoch,
    teacherOutputs: async (items, rng) => {
      const fwd = await engines.teacherForward();
      const batch = sampleBatch(source, items, rng);
      return { out: await fwd.outputs(batch), n: batch.n };
    },
  });

  // An engine may keep state outside the tf variables (onnxruntime Step 2: host arrays); flushed before anyone reads them.
  const snapshot = (): TrainerState => (engines.flush(), {
    stage,
    stageStep,
    globalStep,
    rng: state.rng.state(),
    clusterbook: { shape: [...state.clusterbook.shape], values: state.clusterbook.dataSync() as Float32Array },
    student: state.student.export(),
    teacher: state.teacher.export(),
    probe: { shape: [...state.probe.shape], values: state.probe.dataSync() as Float32Array },
    adam: state.adam ? state.adam.export() : null,
    bank: (() => {
      const s = state.bank.snapshot();
      return { ids: s.ids, rows: s.rows };
    })(),
    counters: { ...state.counters },
  });

  try {
    while (stage < 3) {
      const steps = schedule.stageSteps[stage]!;
      if (stageStep >= steps) {
        // Stage boundary: the engines hand their state back and close; the next stage gets a fresh optimiser.
        await engines.release();
        state.adam?.dispose();
        stage++;
        stageStep = 0;
        state.adam = stage < 3 ? makeAdam(stage) : null;
        continue;
      }
      hooks.throwIfCancelled?.();
      const items = batchItems(config, schedule, stage, stageStep);
      const t0 = performance.now();
      const values =
        stage === 0
          ? await runStep1(await engines.step1Part(), ctx, items)
          : stage === 1
            ? await runStep2(await engines.step2Part(), ctx, items)
            : await step3.step(step3Context(), items);
      values.stepMs = performance.now() - t0;
      stageStep++;
      globalStep++;
      if (hooks.metrics) await hooks.metrics(globalStep, values);
      hooks.progress?.({ stage: STAGES[stage]!, stageStep, stageSteps: steps, globalStep, totalSteps: schedule.totalSteps });
      const every = hooks.checkpointEvery ?? config.checkpointEvery;
      if (hooks.saveCheckpoint && (globalStep % every === 0 || globalStep === schedule.totalSteps)) {
        await hooks.saveCheckpoint(snapshot(), { ...engines.names });
      }
      if (hooks.stopAfterStep !== undefined && globalStep >= hooks.stopAfterStep) throw new TrainingStopped(globalStep);
    }
    const { names } = engines;
    return {
      method: config.method,
      spec,
      grid: { h: source.h, w: source.w },
      clusterbook: state.clusterbook.dataSync() as Float32Array,
      teacher: state.teacher.export(),
      centroids: state.probe.dataSync() as Float32Array,
      counters: { ...state.counters },
      ...(names.step2 ? { step2Engine: names.step2 } : {}),
      ...(names.step1 ? { step1Engine: names.step1 } : {}),
      ...(names.step3 ? { step3Engine: names.step3 } : {}),
    };
  } finally {
    await engines.release();
    (frozen as FrozenCodebook | null)?.cbNormT.dispose();
    state.adam?.dispose();
    state.student.dispose();
    state.teacher.dispose();
    state.clusterbook.dispose();
    state.probe.dispose();
  }
}

/** A ParamSet view of a single existing variable (not copied). */
function wrap(name: string, v: tf.Variable): ParamSet {
  const p = Object.create(ParamSet.prototype) as ParamSet;
  (p as unknown as { vars: Map<string, tf.Variable> }).vars = new Map([[name, v]]);
  return p;
}
