// `pool.status`: what the studio shows of its worker pool, read from Redis through BullMQ's own getters
// (workers = the queue's named connections in CLIENT LIST; tasks = BullMQ jobs with their progress).
// One connection per queue URL is kept between calls — a studio asks about once a second while its Pool
// view is open — and closed after a quiet spell. A read that fails or hangs answers `connected: false`
// with the reason instead of throwing, so the view says what is wrong and keeps asking.
import { Queue, type Job } from 'bullmq';
import type { PoolCounts, PoolStatus, PoolTaskInfo, PoolTaskState, PoolWorkerInfo } from '../../../shared/contract/pool.js';
import { QUEUE_NAME } from './protocol.js';
import { maskPasswords, parseQueueUrl } from './redis-url.js';

/** A status read slower than this reports the queue as unreachable (the view polls again). */
const READ_TIMEOUT_MS = 3000;
/** The kept connection closes after this long without a status call. */
const IDLE_CLOSE_MS = 20_000;
/** Running tasks listed at most (more workers × concurrency than this is not one screen). */
const ACTIVE_LIMIT = 100;

interface Probe {
  readonly queue: Queue;
  lastError: string;
  timer: NodeJS.Timeout | null;
}

const probes = new Map<string, Probe>();

export type PoolReading = Omit<PoolStatus, 'queue' | 'source'>;

const EMPTY_COUNTS: PoolCounts = { waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 };

export async function readPoolStatus(url: string, o: { workspaceRoot: string; recent: number; now?: number }): Promise<PoolReading> {
  const now = o.now ?? Date.now();
  const checkedAt = new Date(now).toISOString();
  let probe: Probe;
  try {
    probe = probeFor(url);
  } catch (e) {
    return offline(maskPasswords((e as Error).message), checkedAt);
  }
  let timer: NodeJS.Timeout | undefined;
  let onError: ((e: Error) => void) | undefined;
  // A refused connection or password is an answer too: no need to wait out the timeout while ioredis retries.
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${READ_TIMEOUT_MS / 1000} s`)), READ_TIMEOUT_MS);
    onError = reject;
    probe.queue.on('error', onError);
  });
  try {
    return await Promise.race([read(probe.queue, o.workspaceRoot, o.recent, checkedAt), failed]);
  } catch (e) {
    // ioredis keeps retrying a lost connection for ever; a fresh one on the next call is simpler to reason about.
    const reason = probe.lastError || (e as Error).message;
    await drop(url);
    return offline(`cannot read the queue at ${parseQueueUrl(url).display}: ${maskPasswords(reason)}`, checkedAt);
  } finally {
    clearTimeout(timer);
    if (onError) probe.queue.off('error', onError);
  }
}

/** Closes every kept connection (engine shutdown, tests). */
export async function closePoolStatus(): Promise<void> {
  await Promise.all([...probes.keys()].map((url) => drop(url)));
}

function offline(error: string, checkedAt: string): PoolReading {
  return { connected: false, error, workers: [], counts: EMPTY_COUNTS, active: [], recent: [], checkedAt };
}

function probeFor(url: string): Probe {
  let probe = probes.get(url);
  if (!probe) {
    const target = parseQueueUrl(url);
    // A status read may fail fast: unlike a worker's, its commands need not wait out a reconnect.
    const queue = new Queue(QUEUE_NAME, { connection: { ...target.connection, maxRetriesPerRequest: 1, connectTimeout: READ_TIMEOUT_MS } });
    const created: Probe = { queue, lastError: '', timer: null };
    queue.on('error', (e: Error) => (created.lastError = e.message));
    probes.set(url, created);
    probe = created;
  }
  if (probe.timer) clearTimeout(probe.timer);
  probe.timer = setTimeout(() => void drop(url), IDLE_CLOSE_MS);
  // The kept connection must not keep a CLI process alive by itself.
  probe.timer.unref();
  return probe;
}

async function drop(url: string): Promise<void> {
  const probe = probes.get(url);
  if (!probe) return;
  probes.delete(url);
  if (probe.timer) clearTimeout(probe.timer);
  // close() waits for a connection that may never come; disconnect() stops ioredis' retries at once.
  await Promise.race([probe.queue.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
}

async function read(queue: Queue, workspaceRoot: string, recent: number, checkedAt: string): Promise<PoolReading> {
  await queue.waitUntilReady();
  const [clients, counts, active, completed, failed] = await Promise.all([
    queue.getWorkers() as Promise<Record<string, string>[]>,
    queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed'),
    queue.getActive(0, ACTIVE_LIMIT - 1),
    recent > 0 ? queue.getCompleted(0, recent - 1) : Promise.resolve([]),
    recent > 0 ? queue.getFailed(0, recent - 1) : Promise.resolve([]),
  ]);
  const activeTasks = active
    .filter((j): j is Job => Boolean(j))
    .map((j) => taskInfo(j, 'active', workspaceRoot))
    .sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
  const finished = [
    ...completed.filter((j): j is Job => Boolean(j)).map((j) => taskInfo(j, 'completed', workspaceRoot)),
    ...failed.filter((j): j is Job => Boolean(j)).map((j) => taskInfo(j, 'failed', workspaceRoot)),
  ]
    .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))
    .slice(0, recent);
  return {
    connected: true,
    error: null,
    workers: workersOf(clients, activeTasks),
    counts: {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      delayed: counts.delayed ?? 0,
    },
    active: activeTasks,
    recent: finished,
    checkedAt,
  };
}

/**
 * One entry per worker name. A BullMQ worker holds more than one named connection (commands, and the
 * blocking one it waits for tasks on), so the oldest stands for the worker.
 */
export function workersOf(clients: readonly Record<string, string>[], active: readonly PoolTaskInfo[]): PoolWorkerInfo[] {
  const byName = new Map<string, PoolWorkerInfo>();
  for (const c of clients) {
    const name = /:w:(.*)$/.exec(c.rawname ?? '')?.[1] ?? '(unnamed)';
    const connectedSeconds = Number(c.age ?? 0) || 0;
    const idleSeconds = Number(c.idle ?? 0) || 0;
    const prev = byName.get(name);
    if (prev && prev.connectedSeconds >= connectedSeconds) {
      byName.set(name, { ...prev, idleSeconds: Math.min(prev.idleSeconds, idleSeconds) });
      continue;
    }
    byName.set(name, {
      name,
      addr: c.addr ?? '?',
      connectedSeconds,
      idleSeconds: prev ? Math.min(prev.idleSeconds, idleSeconds) : idleSeconds,
      running: active.filter((t) => t.worker === name).map((t) => t.id),
    });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** What a BullMQ job shows of a task; its input (frame lists, model rows) stays in Redis. */
export function taskInfo(job: Pick<Job, 'id' | 'name' | 'data' | 'progress' | 'processedBy' | 'returnvalue' | 'attemptsMade' | 'processedOn' | 'finishedOn' | 'failedReason'>, state: PoolTaskState, workspaceRoot: string): PoolTaskInfo {
  const data = (job.data ?? {}) as { kind?: unknown; workspaceRoot?: unknown; input?: unknown };
  const progress = (typeof job.progress === 'object' && job.progress !== null ? job.progress : {}) as { fraction?: unknown; message?: unknown };
  const returned = (job.returnvalue ?? null) as { worker?: unknown } | null;
  const worker = job.processedBy ?? (typeof returned?.worker === 'string' ? returned.worker : null);
  const fraction = state === 'completed' ? 1 : typeof progress.fraction === 'number' ? Math.min(1, Math.max(0, progress.fraction)) : 0;
  return {
    id: job.id ?? '?',
    kind: typeof data.kind === 'string' ? data.kind : job.name,
    state,
    worker,
    fraction,
    message: typeof progress.message === 'string' ? progress.message : '',
    frames: framesOf(data.input),
    attempts: job.attemptsMade ?? 0,
    thisWorkspace: data.workspaceRoot === workspaceRoot,
    startedAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
    finishedAt: state !== 'active' && job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    error: state === 'failed' ? maskPasswords(job.failedReason || 'failed') : null,
  };
}

/** A shard's items, a range's frames or a training's feature items; other task kinds may name none. */
function framesOf(input: unknown): number | null {
  if (typeof input !== 'object' || input === null) return null;
  const trained = (input as { manifest?: { items?: unknown } }).manifest?.items;
  if (Array.isArray(trained)) return trained.length;
  for (const key of ['items', 'frames']) {
    const v = (input as Record<string, unknown>)[key];
    if (Array.isArray(v)) return v.length;
  }
  return null;
}
