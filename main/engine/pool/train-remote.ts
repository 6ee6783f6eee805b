// Training on the pool: with a queue configured, 'experiments.train' sends one 'train.run' task carrying
// what the worker would otherwise read from the database (the config with its seed, the feature set's
// manifest, the frames' sequence order for temporal positives). The task id is the hash of those inputs,
// so a resumed or repeated job reattaches to the same task and a retried task writes the same bytes.
// The studio checks the model's sha256, puts it at the experiment's usual path and hands the summary and
// metric points to the job's complete() (markTrained, insertMetrics): the database keeps one writer.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { modelFile } from '../cause/paths.js';
import type { TrainJobParams, TrainJobResult } from '../cause/train-job.js';
import { openDatabase } from '../db/connection.js';
import { listFrames } from '../datasets/frame-source.js';
import { sha256Bytes } from '../features/cache-key.js';
import { readManifest } from '../features/manifest.js';
import type { JobContext } from '../jobs/job-kind.js';
import { writeFileAtomic } from '../workspace.js';
import type { PoolTask } from './client.js';
import { taskId } from './protocol.js';
import { configuredQueue } from './queue-config.js';
import { removeStaging } from './staging.js';
import type { TrainRunInput, TrainRunResult } from './tasks/train-run.js';

/** The task of a training job: its id is the hash of everything the result depends on. */
export function trainTask(workspaceRoot: string, input: TrainRunInput): PoolTask {
  // The manifest's creation time says nothing about the features: a re-extraction of the same bytes is the same task.
  const { createdAt: _createdAt, ...manifest } = input.manifest;
  return {
    id: taskId('train.run', { root: workspaceRoot, config: input.config, manifest, frames: input.frames }),
    data: { kind: 'train.run', workspaceRoot, input },
  };
}

/** The model file's bytes when they match the task's checksum; null otherwise (the task is recomputed). */
function stagedModel(workspaceRoot: string, r: TrainRunResult | undefined): Buffer | null {
  if (!r || typeof r.modelFile !== 'string' || typeof r.sha256 !== 'string') return null;
  const abs = path.resolve(workspaceRoot, r.modelFile);
  if (!abs.startsWith(path.join(workspaceRoot, 'pool', 'out') + path.sep)) return null;
  try {
    const bytes = fs.readFileSync(abs);
    return sha256Bytes(bytes) === r.sha256 ? bytes : null;
  } catch {
    return null;
  }
}

/** The job's result trained on the pool, or null when no queue is configured (train here). */
export async function trainOnPoolIfConfigured(ctx: JobContext, params: TrainJobParams): Promise<(TrainJobResult & { metrics: TrainRunResult['metrics'] }) | null> {
  const db = openDatabase(ctx.databasePath, { readonly: true });
  let queue: string | null;
  let input: TrainRunInput;
  try {
    queue = configuredQueue(db);
    if (!queue) return null;
    const manifest = readManifest(ctx.workspaceRoot, params.featureSetId);
    const frames = params.config.step2.temporal ? listFrames(db, manifest.datasetId).map((f) => ({ id: f.id, sequenceId: f.sequenceId, index: f.index })) : [];
    input = { config: params.config, manifest, frames };
  } finally {
    db.close();
  }
  const task = trainTask(ctx.workspaceRoot, input);
  const { PoolClient } = await import('./client.js');
  const client = await PoolClient.open(queue);
  let out: TrainRunResult | null = null;
  let bytes: Buffer | null = null;
  try {
    const workers = await client.workers();
    ctx.log(`pool ${client.display}: training as task ${task.id} for ${workers.length} worker(s)${workers.length ? ': ' + workers.join(', ') : ''}`, workers.length ? 'info' : 'warn');
    await client.run<TrainRunResult>([task], {
      verify: (_t, r) => (bytes = stagedModel(ctx.workspaceRoot, r)) !== null,
      onResult: (_t, env) => {
        out = env.result;
        ctx.log(`trained on worker ${env.worker} in ${(env.computeMs / 1000).toFixed(1)} s`);
        return Promise.resolve();
      },
      onTaskProgress: (_t, p) => ctx.progress({ stage: 'train', fraction: p.fraction, message: `${p.message || 'training'} (on the pool)` }),
      log: (m, level) => ctx.log(m, level),
      signal: ctx.signal,
      // A training holds a worker for long: cancelling the job stops it there too (its checkpoints stay for a resume).
      cancelRunning: true,
    });
  } finally {
    await client.close();
  }
  const result = out as TrainRunResult | null;
  if (!result || !bytes) throw new StudioError('internal', `task ${task.id}: no verified model`);
  const rel = modelFile(params.experimentId);
  const abs = path.join(ctx.workspaceRoot, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  writeFileAtomic(abs, bytes);
  removeStaging(ctx.workspaceRoot, [task.id]);
  await ctx.hostCall('started', { backend: result.backend });
  return { modelFile: rel, summary: result.summary, metrics: result.metrics };
}
