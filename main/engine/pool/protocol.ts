// What travels through the queue: one BullMQ queue of tasks, each a slice of a studio job (a feature
// shard, a range of frames to predict, evaluate, export as labels or render for a video) or a whole
// training run. A task's id is the hash of its inputs, so enqueueing the same
// slice twice (a retry, an engine that restarted and reattaches) finds the job already there.
import crypto from 'node:crypto';
import { z } from 'zod';

export const QUEUE_NAME = 'cause-studio-tasks';

export const TASK_KINDS = ['features.shard', 'predict.range', 'eval.range', 'labels.range', 'video.range', 'train.run'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** A task as it sits in Redis. `input` is checked by the task module's own schema. */
export const taskDataSchema = z
  .object({
    kind: z.enum(TASK_KINDS),
    /** Absolute workspace path on storage the studio and the workers all see. */
    workspaceRoot: z.string().min(1),
    input: z.unknown(),
  })
  .strict();
export type TaskData = z.infer<typeof taskDataSchema>;

/** What every task returns beside its own result: how long the task's code ran, for the overhead figure. */
export interface TaskEnvelope<R = unknown> {
  readonly result: R;
  readonly computeMs: number;
  readonly worker: string;
}

/** The worker-thread module that runs each kind: it exports `run(ctx, input)` like a job module. */
export const TASK_MODULES: Readonly<Record<TaskKind, URL>> = {
  'features.shard': new URL('./tasks/features-shard.js', import.meta.url),
  'predict.range': new URL('./tasks/predict-range.js', import.meta.url),
  'eval.range': new URL('./tasks/eval-range.js', import.meta.url),
  'labels.range': new URL('./tasks/labels-range.js', import.meta.url),
  'video.range': new URL('./tasks/video-range.js', import.meta.url),
  'train.run': new URL('./tasks/train-run.js', import.meta.url),
};

/**
 * The Redis key (under the queue's, through `toKey`) the studio sets to stop a task a worker is running
 * (cancelling a training); the worker looks for it while the task runs.
 */
export const cancelKey = (id: string): string => `cancel:${id}`;

/** BullMQ job ids must not be plain integers and we avoid ':' (Redis key separators). */
export function taskId(kind: TaskKind, inputs: unknown): string {
  const h = crypto.createHash('sha256').update(JSON.stringify([kind, inputs])).digest('hex').slice(0, 32);
  return `${kind.replace('.', '-')}-${h}`;
}

/** Retry policy for a task that throws: other workers may take it (a refused root, a transient error). */
export const TASK_ATTEMPTS = 3;
/** Finished tasks stay in Redis this long, so an engine that restarts finds their results. */
export const KEEP_FINISHED_SECONDS = 7 * 24 * 3600;
