// Worker half of 'experiments.train': picks the TensorFlow.js backend, trains on the cached features
// (Steps 1-3, or the k-means baseline), checkpoints atomically, and writes the model file. With a queue
// configured the same training runs on a pool worker (../pool/train-remote.ts, tasks/train-run.ts).
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../db/connection.js';
import { listFrames } from '../datasets/frame-source.js';
import { sequenceNeighbours, type SequencedFrame } from '../temporal/neighbours.js';
import { openFeatureSet, type FeatureSet } from '../features/feature-reader.js';
import type { JobContext } from '../jobs/job-kind.js';
import { initTfBackend } from '../tf/backend.js';
import { trainOnPoolIfConfigured } from '../pool/train-remote.js';
import { writeFileAtomic } from '../workspace.js';
import type { FeatureSource } from './features.js';
import { trainKmeans } from './kmeans-baseline.js';
import { encodeTrainerState, readTrainerState, saveModel } from './model-io.js';
import { modelFile } from './paths.js';
import type { TrainJobParams, TrainJobResult } from './train-job.js';
import { trainCause, trainSchedule } from './trainer.js';

/**
 * Step 3 in the run's summary: the variant, and the clusters its centroids leave dead — counted on the
 * fitting tokens by a fitted variant, on the last step's tokens by the release probe.
 */
function step3Summary(config: TrainJobParams['config'], counters: Readonly<Record<string, number>>, lastUsed: number): Record<string, number | string> {
  const used = counters.step3ClustersUsed ?? lastUsed;
  return {
    step3Variant: config.step3.variant ?? 'release',
    ...(Number.isFinite(used) ? { 'step3.clustersUsed': used, 'step3.deadClusters': config.clusters - used } : {}),
  };
}

/** What the summary reports from stages a resumed attempt does not run again (its losses, engines). */
interface Carried {
  readonly lastLoss: Record<string, number>;
  readonly lastStep3Used: number | null;
  readonly engines: { step1?: string; step2?: string; step3?: string };
}

interface CheckpointRef {
  readonly file: string;
  readonly carried?: Carried;
}

export async function run(ctx: JobContext, params: TrainJobParams): Promise<TrainJobResult> {
  const pooled = await trainOnPoolIfConfigured(ctx, params);
  if (pooled) return pooled;
  const set = openFeatureSet(ctx.workspaceRoot, params.featureSetId);
  const outRel = modelFile(params.experimentId);
  try {
    const r = await trainModel(ctx, params.config, {
      set,
      outAbs: path.join(ctx.workspaceRoot, outRel),
      frames: () => sequenceFrames(ctx.databasePath, set.datasetId),
    });
    return { modelFile: outRel, summary: r.summary };
  } finally {
    set.close();
  }
}

/** The frames' sequence order (temporal positives), from the studio's database. */
function sequenceFrames(databasePath: string, datasetId: string): SequencedFrame[] {
  const db = openDatabase(databasePath, { readonly: true });
  try {
    return listFrames(db, datasetId);
  } finally {
    db.close();
  }
}

export interface TrainIo {
  /** The feature set, opened by the caller (closed by it too). */
  readonly set: FeatureSet;
  /** Where the model file goes. */
  readonly outAbs: string;
  /** The dataset's frames in sequence order, read only when Step 2 uses temporal positives. */
  frames(): readonly SequencedFrame[];
}

/**
 * The training itself, shared by the local job and the pool's 'train.run' task (which gives it a context
 * whose host calls, checkpoints and folder live on the pool): same code, same seed, same bytes.
 */
export async function trainModel(ctx: JobContext, config: TrainJobParams['config'], io: TrainIo): Promise<{ summary: Record<string, number | string> }> {
  const started = Date.now();
  const choice = await initTfBackend(config.backend, (m) => ctx.log(m));
  await ctx.hostCall('started', { backend: choice.name });
  const set = io.set;
  // Frames without sequences pair with nothing: no temporal term, and Step 2 keeps the ONNX engine.
  const neighbour = config.step2.temporal ? sequenceNeighbours(set.items, io.frames(), config.step2.temporal.offset) : null;
  const source: FeatureSource = {
    count: set.items.length,
    h: set.grid.h,
    w: set.grid.w,
    dim: set.dim,
    read: (i) => set.read(i),
    ...(neighbour ? { neighbour } : {}),
  };
  const outAbs = io.outAbs;
  fs.mkdirSync(path.dirname(outAbs), { recursive: true });
  if (config.method === 'kmeans') {
    ctx.progress({ stage: 'kmeans', message: 'k-means on sampled tokens', fraction: 0 });
    const model = trainKmeans(source, config, (m) => ctx.log(m));
    saveModel(outAbs, model);
    return { summary: { backend: choice.name, items: source.count, seconds: (Date.now() - started) / 1000 } };
  }
  const schedule = trainSchedule(config, source.count);
  let pending: { name: string; step: number; value: number | null }[] = [];
  const carried = (ctx.loadCheckpoint() as { state: CheckpointRef } | undefined)?.state.carried;
  let lastLoss: Record<string, number> = { ...carried?.lastLoss };
  let lastStep3Used = carried?.lastStep3Used ?? NaN;
  let engines: Carried['engines'] = { ...carried?.engines };
  const model = await trainCause(source, config, {
    throwIfCancelled: () => ctx.throwIfCancelled(),
    log: (m) => ctx.log(m),
    progress: (u) =>
      ctx.progress({
        step: u.globalStep,
        totalSteps: u.totalSteps,
        stage: u.stage,
        message: `${u.stage} ${u.stageStep}/${u.stageSteps}`,
      }),
    metrics: async (step, values) => {
      for (const [name, value] of Object.entries(values)) {
        if (Number.isFinite(value)) ctx.metric(name, step, value);
        pending.push({ name, step, value: Number.isFinite(value) ? value : null });
        if (name.endsWith('.loss') && Number.isFinite(value)) lastLoss = { ...lastLoss, [name]: value };
        if (name === 'step3.clustersUsed' && Number.isFinite(value)) lastStep3Used = value;
      }
      // Written through the host in small batches; the checkpoint cadence bounds what a kill loses.
      if (pending.length >= 64 || step === schedule.totalSteps) {
        const batch = pending;
        pending = [];
        await ctx.hostCall('metrics', batch);
      }
    },
    saveCheckpoint: async (state, ran) => {
      engines = { ...engines, ...ran };
      if (pending.length) {
        const batch = pending;
        pending = [];
        await ctx.hostCall('metrics', batch);
      }
      const file = path.join(ctx.jobDir, `state-${state.globalStep}.bin`);
      fs.mkdirSync(ctx.jobDir, { recursive: true });
      writeFileAtomic(file, encodeTrainerState(state));
      const previous = ctx.loadCheckpoint() as { state: CheckpointRef } | undefined;
      const keep: Carried = { lastLoss, lastStep3Used: Number.isFinite(lastStep3Used) ? lastStep3Used : null, engines };
      ctx.saveCheckpoint(state.globalStep, { file: path.basename(file), carried: keep } satisfies CheckpointRef);
      if (previous && previous.state.file !== path.basename(file)) fs.rmSync(path.join(ctx.jobDir, previous.state.file), { force: true });
    },
    loadCheckpoint: () => {
      const c = ctx.loadCheckpoint() as { step: number; state: CheckpointRef } | undefined;
      if (!c) return undefined;
      return readTrainerState(path.join(ctx.jobDir, c.state.file));
    },
  });
  saveModel(outAbs, model);
  return {
    summary: {
      backend: choice.name,
      items: source.count,
      steps: schedule.totalSteps,
      ...step3Summary(config, model.counters ?? {}, lastStep3Used),
      seconds: (Date.now() - started) / 1000,
      ...lastLoss,
      ...model.counters,
      // Which engine ran each stage (onnxruntime-cpu or tfjs): stored so a run's speed can be explained.
      ...((model.step1Engine ?? engines.step1) ? { step1Engine: model.step1Engine ?? engines.step1 } : {}),
      ...((model.step2Engine ?? engines.step2) ? { step2Engine: model.step2Engine ?? engines.step2 } : {}),
      ...((model.step3Engine ?? engines.step3) ? { step3Engine: model.step3Engine ?? engines.step3 } : {}),
    },
  };
}
