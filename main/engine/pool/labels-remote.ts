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
import { taskId } from './protocol.js';
import { configuredQueue } from './queue-config.js';
import { frameRanges, rangeSize, runOnPool, wirePredictionRow } from './run-ranges.js';
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
  const tasks: PoolTask[] = [];
  for (const { slice } of frameRanges(frames)) {
    const input: LabelsRangeInput = {
      experimentId: p.experimentId,
      datasetId: p.datasetId,
      predictionKey: source.key,
      clusters: source.clusters,
      values: mapped ? p.mapping!.values : null,
      protocol,
      frames: slice.map((f) => ({ id: f.id, name: f.name })),
      rows: slice.map((f) => wirePredictionRow(rowOf.get(f.id)!)),
    };
    // The destination is part of the identity: two exports of the same frames to two folders each move
    // their own staged files (the studio moves them out of staging, so they cannot be shared).
    tasks.push({ id: taskId('labels.range', { root: ctx.workspaceRoot, input, partial }), data: { kind: 'labels.range', workspaceRoot: ctx.workspaceRoot, input } });
  }
  let files = 0;
  try {
    await runOnPool<LabelsRangeResult>(ctx, queue, tasks, {
      what: 'label ranges',
      stage: 'export',
      size: rangeSize(frames.length),
      verify: (t, r) => Array.isArray(r?.files) && r.files.length > 0 && readStaged(stagingDir(ctx.workspaceRoot, t.id), r.files) !== null,
      onResult: (t, env) => {
        const dir = stagingDir(ctx.workspaceRoot, t.id);
        for (const f of env.result.files) moveStaged(path.join(dir, f.path), path.join(partial, f.path));
        files += env.result.files.length;
        return Promise.resolve();
      },
    });
  } finally {
    removeStaging(ctx.workspaceRoot, tasks.map((t) => t.id));
  }
  return files;
}
