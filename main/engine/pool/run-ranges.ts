// What every job that splits its frames over the pool does around its own tasks: frames in ranges of a
// size fixed by the frame count alone (stable task ids), the queue opened, a line saying how many tasks
// go to which workers, the job's progress and cancel wired to the tasks, the connection closed.
import type { PredictionFrameRow } from '../db/queries/experiments.js';
import type { JobContext } from '../jobs/job-kind.js';
import type { PoolTask, RunTasksOptions } from './client.js';

/** Frames per task: about eight tasks per job, between 8 and 200 frames (fixed by the frame count alone, so ids are stable). */
export function rangeSize(frames: number): number {
  return Math.min(200, Math.max(8, Math.ceil(frames / 8)));
}

/** `items` cut into consecutive ranges of `rangeSize(items.length)`, each with where it starts. */
export function frameRanges<T>(items: readonly T[]): { readonly from: number; readonly slice: readonly T[] }[] {
  const size = rangeSize(items.length);
  const out: { from: number; slice: readonly T[] }[] = [];
  for (let from = 0; from < items.length; from += size) out.push({ from, slice: items.slice(from, Math.min(items.length, from + size)) });
  return out;
}

/** The prediction row a range task reads its maps from (the columns a worker needs, nothing else). */
export function wirePredictionRow(r: PredictionFrameRow): Pick<PredictionFrameRow, 'frame_id' | 'cluster_file' | 'confidence_file' | 'width' | 'height'> {
  return { frame_id: r.frame_id, cluster_file: r.cluster_file, confidence_file: r.confidence_file, width: r.width, height: r.height };
}

export interface PoolRun<R> extends Pick<RunTasksOptions<R>, 'verify' | 'onTaskProgress' | 'cancelRunning'> {
  /** What the tasks are, plural, for the log and progress lines: 'label ranges'. */
  readonly what: string;
  readonly stage: string;
  /** Frames per range, for the log line (omit for tasks that are not frame ranges). */
  readonly size?: number;
  onResult?: RunTasksOptions<R>['onResult'];
  /** Appended to the progress message (e.g. how many frames were encoded so far). */
  progressNote?(): string;
}

/** Runs `tasks` on the queue for a job: logs, progress, cancel; resolves when every result was verified and handled. */
export async function runOnPool<R>(ctx: JobContext, queue: string, tasks: readonly PoolTask[], o: PoolRun<R>): Promise<void> {
  const { PoolClient } = await import('./client.js');
  const client = await PoolClient.open(queue);
  try {
    const workers = await client.workers();
    const size = o.size === undefined ? '' : ` of ≤${o.size} frames`;
    ctx.log(
      workers.length > 0
        ? `pool ${client.display}: ${tasks.length} ${o.what}${size} for ${workers.length} worker(s): ${workers.join(', ')}`
        : `pool ${client.display}: ${tasks.length} ${o.what}${size} queued; no worker is connected yet (start one with \`cause-studio worker\`)`,
      workers.length > 0 ? 'info' : 'warn',
    );
    await client.run<R>(tasks, {
      verify: o.verify,
      onResult: o.onResult ?? (() => Promise.resolve()),
      onProgress: (done, finished, total) =>
        ctx.progress({ stage: o.stage, fraction: done / total, message: `${finished}/${total} ${o.what} on the pool${o.progressNote?.() ?? ''} (${workers.length} worker(s) at start)` }),
      ...(o.onTaskProgress ? { onTaskProgress: o.onTaskProgress } : {}),
      ...(o.cancelRunning !== undefined ? { cancelRunning: o.cancelRunning } : {}),
      log: (m, level) => ctx.log(m, level),
      signal: ctx.signal,
    });
  } finally {
    await client.close();
  }
}
