// Label export on the pool: the frames in ranges, one task each, written into the task's staging folder
// in the workspace (a worker writes nowhere else); the studio checks every file's sha256 and moves it
// into the export's partial folder, which the local job then finishes (mapping.json, rename into place).
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { FrameRecord } from '../datasets/frame-source.js';
import { listPredictionFrames } from '../db/queries/experiments.js';
import type { LabelsJobParams } from '../eval/labels-job.js';
import type { PredictionSource } from '../eval/predictions.js';
import { protocolSpecOf } from '../eval/protocol-spec.js';
import type { JobContext } from '../jobs/job-kind.js';
import type { PoolTask } from './client.js';
import { predictRangeSize } from './predict-remote.js';
import { taskId } from './protocol.js';
import { configuredQueue } from './queue-config.js';
import { moveStaged, readStaged, removeStaging, stagingDir } from './staging.js';
import type { LabelsRangeInput, LabelsRangeResult } from './tasks/labels-range.js';

/** How many files were moved into `partial`, or null when no queue is configured (write them here). */
export async function labelsOnPoolIfConfigured(
  ctx: JobContext,
  db: Database,
  p: LabelsJobParams,
  source: PredictionSource,
  frames: readonly FrameRecord[],
  partial: string,
): Promise<number | null> {
  const queue = configuredQueue(db);
  if (!queue) return null;
  const mapped = p.format === 'cityscapes' && p.mapping !== null;
  const protocol = mapped ? protocolSpecOf(db, p.mapping!.protocolId) : null;
  const rowOf = new Map(listPredictionFrames(db, p.experimentId, p.datasetId).map((r) => [r.frame_id, r]));
  const size = predictRangeSize(frames.length);
  const tasks: PoolTask[] = [];
  for (let from = 0; from < frames.length; from += size) {
    const slice = frames.slice(from, Math.min(frames.length, from + size));
    const input: LabelsRangeInput = {
      experimentId: p.experimentId,
      datasetId: p.datasetId,
      predictionKey: source.key,
      clusters: source.clusters,
      values: mapped ? p.mapping!.values : null,
      protocol,
      frames: slice.map((f) => ({ id: f.id, name: f.name })),
      rows: slice.map((f) => {
        const r = rowOf.get(f.id)!;
        return { frame_id: r.frame_id, cluster_file: r.cluster_file, confidence_file: r.confidence_file, width: r.width, height: r.height };
      }),
    };
    // The destination is part of the identity: two exports of the same frames to two folders each move
    // their own staged files (the studio moves them out of staging, so they cannot be shared).
    tasks.push({ id: taskId('labels.range', { root: ctx.workspaceRoot, input, partial }), data: { kind: 'labels.range', workspaceRoot: ctx.workspaceRoot, input } });
  }
  const { PoolClient } = await import('./client.js');
  const client = await PoolClient.open(queue);
  let files = 0;
  try {
    const workers = await client.workers();
    ctx.log(`pool ${client.display}: ${tasks.length} label range(s) of ≤${size} frames for ${workers.length} worker(s)${workers.length ? ': ' + workers.join(', ') : ''}`, workers.length ? 'info' : 'warn');
    await client.run<LabelsRangeResult>(tasks, {
      verify: (t, r) => Array.isArray(r?.files) && r.files.length > 0 && readStaged(stagingDir(ctx.workspaceRoot, t.id), r.files) !== null,
      onResult: (t, env) => {
        const dir = stagingDir(ctx.workspaceRoot, t.id);
        for (const f of env.result.files) moveStaged(path.join(dir, f.path), path.join(partial, f.path));
        files += env.result.files.length;
        return Promise.resolve();
      },
      onProgress: (done, finished, total) =>
        ctx.progress({ stage: 'export', fraction: done / total, message: `${finished}/${total} label ranges on the pool (${workers.length} worker(s) at start)` }),
      log: (m, level) => ctx.log(m, level),
      signal: ctx.signal,
    });
  } finally {
    await client.close();
    removeStaging(ctx.workspaceRoot, tasks.map((t) => t.id));
  }
  return files;
}
