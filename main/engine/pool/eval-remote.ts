// Evaluation on the pool: the frames the job reads, in ranges, one task each. A task returns its part
// (integer sums and per-frame histograms) with a checksum over it; the studio checks the checksum and
// that the part covers exactly its frames, then merges the parts in frame order (eval/eval-frames.ts) —
// the same merge a local run does with its one part, so the stored rows are the same.
import fs from 'node:fs';
import type { Database } from 'better-sqlite3';
import type { FrameRecord } from '../datasets/frame-source.js';
import { listPredictionFrames } from '../db/queries/experiments.js';
import { contextFor, type EvalPart, type EvalPassSpec } from '../eval/eval-frames.js';
import type { EvalJobParams } from '../eval/eval-job.js';
import type { PredictionSource } from '../eval/predictions.js';
import type { JobContext } from '../jobs/job-kind.js';
import type { PoolTask } from './client.js';
import { taskId } from './protocol.js';
import { configuredQueue } from './queue-config.js';
import { frameRanges, rangeSize, runOnPool, wirePredictionRow } from './run-ranges.js';
import { fromWire, partSha, type EvalRangeInput, type EvalRangeResult } from './tasks/eval-range.js';

const stamp = (file: string | null): [number, number] | null => {
  if (!file) return null;
  try {
    const st = fs.statSync(file);
    return [st.size, st.mtimeMs];
  } catch {
    return null;
  }
};

const wire = (l: readonly FrameRecord[]) => l as unknown as EvalRangeInput['frames'];

/** The job's parts computed on the pool, in frame order; null when no queue is configured (evaluate here). */
export async function evalOnPoolIfConfigured(
  ctx: JobContext,
  db: Database,
  params: EvalJobParams,
  spec: EvalPassSpec,
  source: PredictionSource,
  work: readonly FrameRecord[],
): Promise<EvalPart[] | null> {
  const queue = configuredQueue(db);
  if (!queue || work.length === 0) return null;
  const rowOf = new Map(listPredictionFrames(db, params.experimentId, params.datasetId).map((r) => [r.frame_id, r]));
  const row = (f: FrameRecord) => wirePredictionRow(rowOf.get(f.id)!);
  // Same sizing as prediction: about eight ranges, fixed by the frame count alone (stable task ids).
  const tasks: PoolTask[] = [];
  const expected = new Map<string, { histogram: string[]; presence: string[] }>();
  for (const { from, slice: frames } of frameRanges(work)) {
    const context = contextFor(spec, work, from);
    const all = [...frames, ...(context.previous ? [context.previous] : []), ...context.labelled];
    const input: EvalRangeInput = {
      experimentId: params.experimentId,
      datasetId: params.datasetId,
      predictionKey: params.predictionKey,
      clusters: source.clusters,
      protocol: params.protocol,
      geometry: params.geometry,
      labelFree: params.labelFree,
      withLabels: spec.withLabels,
      frames: wire(frames),
      previous: context.previous ? wire([context.previous])[0]! : null,
      labelled: wire(context.labelled),
      rows: [...new Map(all.map((f) => [f.id, row(f)])).values()],
    };
    // The prediction key names the prediction set: a re-predicted experiment gets new tasks. Label maps
    // and images are pinned by size and mtime, so a dataset changed in place is read again, not
    // answered from a finished task's part.
    const id = taskId('eval.range', { root: ctx.workspaceRoot, input, stamps: all.map((f) => [stamp(f.imagePath), stamp(f.labelPath)]) });
    tasks.push({ id, data: { kind: 'eval.range', workspaceRoot: ctx.workspaceRoot, input } });
    expected.set(id, {
      histogram: spec.withLabels ? frames.filter((f) => f.labelPath !== null).map((f) => f.id) : [],
      presence: spec.labelFree ? frames.map((f) => f.id) : [],
    });
  }
  const denseSize = source.clusters * spec.protocol.classNames.length;
  const parts = new Map<string, EvalPart>();
  await runOnPool<EvalRangeResult>(ctx, queue, tasks, {
    what: 'evaluation ranges',
    stage: 'evaluate',
    size: rangeSize(work.length),
    // No file to read back here: the part itself is the result. It must be whole (checksum) and cover
    // exactly the task's frames, in order, before it is merged.
    verify: (t, r) => {
      if (!r?.part || partSha(r.part) !== r.sha256) return false;
      const e = expected.get(t.id)!;
      const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
      const h = r.part.histogram;
      if (spec.withLabels !== (h !== null)) return false;
      if (h && !same(h.frames.map((f) => f.frameId), e.histogram)) return false;
      if (!same(r.part.presence.map((p) => p.frameId), e.presence)) return false;
      try {
        parts.set(t.id, fromWire(r.part, denseSize));
        return true;
      } catch {
        return false;
      }
    },
  });
  return tasks.map((t) => parts.get(t.id)!);
}
