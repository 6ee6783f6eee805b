// Prediction on the pool: the job's frames in ranges, one task each. The maps are files at fixed paths;
// the studio checks each against the checksum its task returned and assembles the result the local
// job would have returned, which the host records in one transaction as before.
import fs from 'node:fs';
import path from 'node:path';
import type { PredictedFrame, PredictJobParams, PredictJobResult } from '../cause/predict-job.js';
import { framesToPredict } from '../cause/predict-worker.js';
import { openDatabase } from '../db/connection.js';
import type { FrameRecord } from '../datasets/frame-source.js';
import { sha256Bytes } from '../features/cache-key.js';
import { openFeatureSet } from '../features/feature-reader.js';
import type { JobContext } from '../jobs/job-kind.js';
import type { PoolTask } from './client.js';
import { taskId } from './protocol.js';
import { configuredQueue } from './queue-config.js';
import { frameRanges, rangeSize, runOnPool } from './run-ranges.js';
import { fileSha, type PredictRangeResult } from './tasks/predict-range.js';

/** The job's result computed on the pool, or null when no queue is configured (predict here). */
export async function predictOnPoolIfConfigured(ctx: JobContext, params: PredictJobParams): Promise<PredictJobResult | null> {
  const db = openDatabase(ctx.databasePath, { readonly: true });
  let frames: FrameRecord[];
  let queue: string | null;
  try {
    queue = configuredQueue(db);
    if (!queue) return null;
    const set = openFeatureSet(ctx.workspaceRoot, params.featureSetId);
    try {
      frames = framesToPredict(db, set, params.datasetId).frames;
    } finally {
      set.close();
    }
  } finally {
    db.close();
  }
  // The model's bytes are part of the task's identity: a retrained model must not reuse old maps.
  const modelSha = sha256Bytes(fs.readFileSync(path.join(ctx.workspaceRoot, params.modelFile)));
  const tasks: PoolTask[] = [];
  for (const { from, slice } of frameRanges(frames)) {
    const to = from + slice.length;
    tasks.push({
      id: taskId('predict.range', { root: ctx.workspaceRoot, params, modelSha, from, to, frames: slice }),
      data: { kind: 'predict.range', workspaceRoot: ctx.workspaceRoot, input: { params, from, to, frames: slice } },
    });
  }
  const parts = new Map<string, PredictedFrame[]>();
  let backend = 'pool';
  await runOnPool<PredictRangeResult>(ctx, queue, tasks, {
    what: 'frame ranges',
    stage: 'predict',
    size: rangeSize(frames.length),
    verify: (_t, r) => r.frames.length > 0 && r.frames.every((f, i) => fileSha(ctx.workspaceRoot, f.clusterFile) === r.sums[i]?.[0] && fileSha(ctx.workspaceRoot, f.confidenceFile) === r.sums[i]?.[1]),
    onResult: (t, env) => {
      parts.set(t.id, env.result.frames);
      backend = env.result.backend;
      return Promise.resolve();
    },
  });
  return { frames: tasks.flatMap((t) => parts.get(t.id)!), backend };
}
