// The studio's side of the pool: enqueue a job's tasks, follow their progress, verify each result and
// hand it to the caller (who registers it through the engine host: the database keeps one writer).
// Task ids are input hashes, so a restarted engine that enqueues the same tasks reattaches to them —
// finished ones answer at once from Redis, running ones keep running.
import { Queue, QueueEvents, type Job } from 'bullmq';
import { StudioError } from '../../../shared/contract/errors.js';
import { cancelKey, KEEP_FINISHED_SECONDS, QUEUE_NAME, TASK_ATTEMPTS, type TaskData, type TaskEnvelope } from './protocol.js';
import { parseQueueUrl } from './redis-url.js';

export interface PoolTask {
  readonly id: string;
  readonly data: TaskData;
}

export interface RunTasksOptions<R> {
  /** Checks a result against the files it names; false = recompute (the task is removed and enqueued again). */
  verify(task: PoolTask, result: R): boolean;
  /** Called once per task with its verified result, in completion order. */
  onResult(task: PoolTask, envelope: TaskEnvelope<R>): Promise<void>;
  /** Sum of the tasks' fractions, and how many are finished. */
  onProgress?(done: number, finished: number, total: number): void;
  /** Each progress report of a task as its worker sent it. */
  onTaskProgress?(task: PoolTask, progress: { fraction: number; message: string }): void;
  /** Cancelling also stops the tasks workers are running (they fail for good; a later run retries them). */
  cancelRunning?: boolean;
  log?(message: string, level?: 'info' | 'warn'): void;
  signal?: AbortSignal;
}

/** How long the studio waits for Redis before the job fails (a worker waits for ever). */
const CONNECT_TIMEOUT_MS = 15_000;

/** How many times a result that fails verification is recomputed before the job fails. */
const RECOMPUTE_LIMIT = 2;

export class PoolClient {
  private readonly cancelling: Promise<void>[] = [];

  private constructor(
    readonly display: string,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
  ) {}

  static async open(url: string): Promise<PoolClient> {
    const target = parseQueueUrl(url);
    const queue = new Queue(QUEUE_NAME, { connection: { ...target.connection } });
    const events = new QueueEvents(QUEUE_NAME, { connection: { ...target.connection } });
    // ioredis reconnects for ever (what a long job wants once connected); until then, keep the last error.
    let lastError = '';
    queue.on('error', (e) => (lastError = e.message));
    events.on('error', (e) => (lastError = e.message));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
    });
    try {
      await Promise.race([Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), timeout]);
    } catch (e) {
      // close() waits for a connection that may never come; disconnecting stops ioredis' retries.
      await Promise.race([Promise.allSettled([queue.disconnect(), events.disconnect()]), new Promise((r) => setTimeout(r, 1000))]);
      throw new StudioError('unavailable', `cannot reach the queue at ${target.display}: ${lastError || (e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    return new PoolClient(target.display, queue, events);
  }

  /** Names of the workers connected to the queue now. */
  async workers(): Promise<string[]> {
    const list = (await this.queue.getWorkers()) as { rawname?: string; name?: string }[];
    return list.map((w) => /:w:(.*)$/.exec(w.rawname ?? '')?.[1] ?? w.name ?? '?');
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
  }

  /** Enqueues every task (or finds it already there) and resolves when all are done and verified. */
  async run<R>(tasks: readonly PoolTask[], o: RunTasksOptions<R>): Promise<void> {
    const fractions = new Map<string, number>(tasks.map((t) => [t.id, 0]));
    let finished = 0;
    const report = () => {
      let sum = 0;
      for (const f of fractions.values()) sum += f;
      o.onProgress?.(sum, finished, tasks.length);
    };
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
      if (!fractions.has(jobId) || fractions.get(jobId) === 1) return;
      const { fraction: f, message } = (data ?? {}) as { fraction?: number; message?: string };
      if (typeof f === 'number') {
        fractions.set(jobId, Math.min(0.99, Math.max(0, f)));
        report();
        const task = tasks.find((t) => t.id === jobId);
        if (task) o.onTaskProgress?.(task, { fraction: fractions.get(jobId)!, message: typeof message === 'string' ? message : '' });
      }
    };
    this.events.on('progress', onProgress);
    const onAbort = () => this.cancelling.push(this.removeWaiting(tasks, o.cancelRunning === true).catch(() => undefined));
    o.signal?.addEventListener('abort', onAbort);
    try {
      const each = tasks.map(async (task) => {
        for (let round = 0; ; round++) {
          const envelope = (await this.once(task, o.signal, o.cancelRunning === true)) as TaskEnvelope<R>;
          if (o.verify(task, envelope.result)) {
            await o.onResult(task, envelope);
            fractions.set(task.id, 1);
            finished++;
            report();
            return;
          }
          if (round >= RECOMPUTE_LIMIT) throw new StudioError('io_error', `task ${task.id}: its result failed verification ${round + 1} times`);
          o.log?.(`task ${task.id}: its result is missing or fails its checksum; recomputing`, 'warn');
          await this.queue.remove(task.id);
        }
      });
      // Every task settles before we answer, so a failure does not leave others unobserved.
      const settled = await Promise.allSettled(each);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      this.events.off('progress', onProgress);
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** One task to completion: enqueued if absent, retried if it sits failed from an earlier run. */
  private async once(task: PoolTask, signal: AbortSignal | undefined, cancellable: boolean): Promise<unknown> {
    if (signal?.aborted) throw new StudioError('cancelled', 'job cancelled');
    // A cancel request from an earlier run of the job must not stop this one (only tasks stopped while
    // running ever get one: a round trip per task saved for the many short shard and range tasks).
    if (cancellable) await (await this.queue.getBackend().client).del(this.queue.toKey(cancelKey(task.id)));
    const job: Job = await this.queue.add(task.data.kind, task.data, {
      jobId: task.id,
      attempts: TASK_ATTEMPTS,
      backoff: { type: 'fixed', delay: 500 },
      removeOnComplete: { age: KEEP_FINISHED_SECONDS },
      removeOnFail: { age: KEEP_FINISHED_SECONDS },
    });
    if ((await job.getState()) === 'failed') await job.retry('failed');
    const cancelled = new Promise<never>((_, reject) => {
      if (!signal) return;
      signal.addEventListener('abort', () => reject(new StudioError('cancelled', 'job cancelled')), { once: true });
    });
    cancelled.catch(() => undefined);
    try {
      return await Promise.race([job.waitUntilFinished(this.events), cancelled]);
    } catch (e) {
      if (e instanceof StudioError) throw e;
      throw new StudioError('internal', `task ${task.id} failed on the pool: ${(e as Error).message}`);
    }
  }

  /**
   * Cancelling a studio job drops its tasks that no worker has taken yet; running ones finish, unless
   * `running`: then their workers are asked to stop them (a key the worker looks for while a task runs).
   */
  private async removeWaiting(tasks: readonly PoolTask[], running: boolean): Promise<void> {
    for (const t of tasks) {
      const job = await this.queue.getJob(t.id).catch(() => undefined);
      const state = job ? await job.getState() : null;
      if (job && ['waiting', 'delayed', 'prioritized'].includes(state ?? '')) await job.remove().catch(() => undefined);
      else if (running && state === 'active') await (await this.queue.getBackend().client).set(this.queue.toKey(cancelKey(t.id)), '1', { EX: 24 * 3600 }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    // A cancelled run's requests (remove its waiting tasks, stop its running ones) go out before we disconnect.
    await Promise.allSettled(this.cancelling);
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}
