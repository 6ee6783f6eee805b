// The worker pool as the studio sees it: which queue, which `cause-studio worker` processes are
// connected, and the tasks they are running or just finished. Read from Redis on each call (workers
// announce themselves only as named Redis connections, which push nothing), so clients poll it.
import { z } from 'zod';
import { method } from './define.js';

export interface PoolWorkerInfo {
  /** What the worker calls itself: `--name`, by default `<host>-<pid>`. */
  readonly name: string;
  /** Where its Redis connection comes from (ip:port as Redis sees it). */
  readonly addr: string;
  /** Seconds since the worker connected. */
  readonly connectedSeconds: number;
  /** Seconds since its connection last sent a command (a busy worker renews its locks). */
  readonly idleSeconds: number;
  /** Ids of the tasks it is running now. */
  readonly running: readonly string[];
}

export type PoolTaskState = 'active' | 'completed' | 'failed';

export interface PoolTaskInfo {
  readonly id: string;
  /** `features.shard`, `predict.range`, … (the task kind, as it travels through the queue). */
  readonly kind: string;
  readonly state: PoolTaskState;
  /** The worker running it, or the one that finished it. */
  readonly worker: string | null;
  /** 0–1; 1 once completed. */
  readonly fraction: number;
  readonly message: string;
  /** Frames the task covers (a shard's items, a prediction range's frames), when it names them. */
  readonly frames: number | null;
  /** Attempts made so far (a task retried after a worker died counts each). */
  readonly attempts: number;
  /** The task belongs to this studio's workspace (other studios may share the queue). */
  readonly thisWorkspace: boolean;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly error: string | null;
}

export interface PoolCounts {
  readonly waiting: number;
  readonly active: number;
  readonly completed: number;
  readonly failed: number;
  readonly delayed: number;
}

export interface PoolStatus {
  /** The queue URL with any password masked; null = no queue configured (everything runs here). */
  readonly queue: string | null;
  /** 'launch': `--queue` or $CAUSE_STUDIO_QUEUE when the studio started (wins); 'setting': the workspace setting `queue`. */
  readonly source: 'launch' | 'setting' | null;
  readonly connected: boolean;
  /** Why the queue could not be read (unreachable, refused password…), password masked. */
  readonly error: string | null;
  readonly workers: readonly PoolWorkerInfo[];
  readonly counts: PoolCounts;
  /** Tasks running now, oldest first. */
  readonly active: readonly PoolTaskInfo[];
  /** The latest finished tasks (completed or failed), newest first. */
  readonly recent: readonly PoolTaskInfo[];
  readonly checkedAt: string;
}

export const poolMethods = {
  'pool.status': method<PoolStatus>()(
    z
      .object({
        /** How many finished tasks to list (default 10). */
        recent: z.number().int().min(0).max(100).optional(),
      })
      .strict(),
  ),
};
