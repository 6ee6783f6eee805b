// The process behind `cause-studio worker`: takes tasks from the BullMQ queue and runs each in a worker
// thread through the same entry as the engine's jobs (main/engine/jobs/worker-entry.ts), so the job code
// is the local engine's. Heavy work stays off this thread, which keeps renewing BullMQ's locks: a worker
// that dies stops renewing, and BullMQ's stalled-job check hands its task to another worker.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnrecoverableError, Worker as QueueWorker, type Job } from 'bullmq';
import { StudioError, toErrorData } from '../../../shared/contract/errors.js';
import { resolveModuleUrl, spawnWorker } from '../jobs/spawn-worker.js';
import { motionPathForImage } from '../synth/motion.js';
import type { HostToWorker, WorkerInit, WorkerToHost } from '../jobs/worker-messages.js';
import { cancelKey, QUEUE_NAME, TASK_MODULES, taskDataSchema, type TaskEnvelope, type TaskKind } from './protocol.js';
import { parseQueueUrl } from './redis-url.js';
import { checkFiles, checkWorkspace, resolveRoots } from './roots.js';

export interface PoolWorkerOptions {
  readonly queue: string;
  /** Workspaces this worker serves must lie under one of these folders. */
  readonly roots: readonly string[];
  /** Tasks run at once (one thread each). Default 1. */
  readonly concurrency?: number;
  /** Inference threads per task (onnxruntime intra-op). Default 1. */
  readonly threads?: number;
  /** BullMQ lock: a dead worker's task is taken over about this long after it died. Default 30 s. */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled tasks. Default 30 s (BullMQ's). */
  readonly stalledIntervalMs?: number;
  readonly name?: string;
  log?(line: string): void;
}

export interface PoolWorker {
  readonly name: string;
  readonly display: string;
  /** Finishes the running tasks (or, with force, abandons them to the stalled check) and disconnects. */
  close(force?: boolean): Promise<void>;
}

const PROGRESS_EVERY_MS = 250;
/** How often a running task looks for the studio's request to stop it. */
const CANCEL_POLL_MS = 1000;

export async function startPoolWorker(o: PoolWorkerOptions): Promise<PoolWorker> {
  const target = parseQueueUrl(o.queue);
  const roots = resolveRoots(o.roots);
  if (roots.length === 0) throw new StudioError('bad_request', 'a worker needs at least one --workspace root');
  const name = o.name ?? `${os.hostname()}-${process.pid}`;
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const threads = o.threads ?? 1;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cause-studio-worker-'));

  const processor = async (job: Job): Promise<TaskEnvelope> => {
    const data = taskDataSchema.parse(job.data);
    const root = checkWorkspace(roots, data.workspaceRoot);
    checkFiles(roots, filesRead(data.kind, data.input, root));
    const input = withThreads(data.kind, data.input, threads);
    log(`${name}: ${job.id} (${data.kind}) started${job.attemptsMade > 0 ? `, attempt ${job.attemptsMade + 1}` : ''}`);
    const cancelled = async () => (await (await worker.getBackend().client).get(worker.toKey(cancelKey(job.id ?? '')))) !== null;
    const result = await runTaskThread(data.kind, root, input, job, path.join(scratch, job.id ?? 'task'), log, cancelled);
    log(`${name}: ${job.id} done`);
    return { result, computeMs: (result as { computeMs?: number }).computeMs ?? 0, worker: name };
  };

  const worker = new QueueWorker(QUEUE_NAME, processor, {
    connection: { ...target.connection },
    name,
    concurrency: o.concurrency ?? 1,
    ...(o.lockDurationMs ? { lockDuration: o.lockDurationMs } : {}),
    ...(o.stalledIntervalMs ? { stalledInterval: o.stalledIntervalMs } : {}),
    // A task whose worker died is worth another try on a live one; a third death means the task kills workers.
    maxStalledCount: 2,
  });
  worker.on('error', (e) => log(`${name}: queue error: ${e.message}`));
  worker.on('failed', (job, e) => log(`${name}: ${job?.id ?? '?'} failed: ${e.message}`));
  await worker.waitUntilReady();
  return {
    name,
    display: target.display,
    async close(force = false) {
      await worker.close(force);
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** The files a task names that it will read (frames, the model), checked against the roots before it runs. */
function filesRead(kind: TaskKind, input: unknown, root: string): string[] {
  const i = (input ?? {}) as FramesInput & { items?: { file?: unknown }[]; model?: { file?: unknown } | null };
  let list: unknown[];
  if (kind === 'train.run') {
    // The feature set's manifest and shards (paths relative to the workspace, as the manifest stores them).
    const shards = ((input ?? {}) as { manifest?: { shards?: { file?: unknown }[] } }).manifest?.shards ?? [];
    list = shards.map((s) => (typeof s.file === 'string' ? path.join(root, s.file) : s.file));
  } else if (kind === 'features.shard') {
    list = (i.items ?? []).map((x) => x.file);
    if (typeof i.model?.file === 'string') list.push(path.join(root, i.model.file));
  } else if (kind === 'predict.range') {
    list = (i.frames ?? []).map((x) => x.imagePath);
  } else {
    list = rangeFiles(kind, i, root);
  }
  return list.map((f) => {
    if (typeof f !== 'string' || !path.isAbsolute(f)) throw new StudioError('bad_request', `task names a file that is not an absolute path: ${String(f)}`);
    return f;
  });
}

interface FramesInput {
  frames?: { imagePath?: unknown; labelPath?: unknown }[];
  previous?: { imagePath?: unknown; labelPath?: unknown } | null;
  labelled?: { imagePath?: unknown; labelPath?: unknown }[];
  rows?: { cluster_file?: unknown; confidence_file?: unknown }[];
  labelFree?: boolean;
  withLabels?: boolean;
  spec?: { groundTruth?: unknown };
}

/** Evaluation, label and video ranges: their frames (images, label maps, motion) and prediction maps. */
function rangeFiles(kind: TaskKind, i: FramesInput, root: string): unknown[] {
  const frames = [...(i.frames ?? []), ...(i.previous ? [i.previous] : []), ...(i.labelled ?? [])];
  const rel = (f: unknown) => (typeof f === 'string' ? path.resolve(root, f) : f);
  const out: unknown[] = (i.rows ?? []).map((r) => rel(r.cluster_file));
  if (kind === 'eval.range') {
    if (i.labelFree) out.push(...(i.rows ?? []).map((r) => rel(r.confidence_file)));
    for (const f of frames) {
      if (i.labelFree) out.push(f.imagePath);
      if (i.withLabels && f.labelPath !== null) out.push(f.labelPath);
      // The motion channel sits beside the images (SynthDrive); absent for other datasets.
      const motion = i.labelFree && i.withLabels && typeof f.imagePath === 'string' ? motionPathForImage(f.imagePath) : null;
      if (motion && fs.existsSync(motion)) out.push(motion);
    }
  } else if (kind === 'video.range') {
    // An image that cannot be read is skipped by the render as locally; one that exists must be under the roots.
    for (const f of frames) if (typeof f.imagePath !== 'string' || fs.existsSync(f.imagePath)) out.push(f.imagePath);
    if (i.spec?.groundTruth) for (const f of frames) if (f.labelPath !== null) out.push(f.labelPath);
  }
  return out;
}

/** The worker's own thread count wins: the studio does not know how many cores a worker has. */
function withThreads(kind: TaskKind, input: unknown, threads: number): unknown {
  if (kind !== 'features.shard' || typeof input !== 'object' || input === null) return input;
  const i = input as { params?: Record<string, unknown> };
  return { ...i, params: { ...(i.params ?? {}), threads } };
}

function runTaskThread(
  kind: TaskKind,
  root: string,
  input: unknown,
  job: Job,
  jobDir: string,
  log: (l: string) => void,
  cancelled: () => Promise<boolean>,
): Promise<unknown> {
  const init: WorkerInit = {
    runner: resolveModuleUrl(TASK_MODULES[kind]).href,
    jobId: job.id ?? 'task',
    params: input,
    workspaceRoot: root,
    // Tasks carry what they need from the database: a worker never opens the studio's (SQLite's locks
    // do not hold across machines). A path that does not exist makes any slip fail loudly.
    databasePath: path.join(jobDir, 'no-database-on-workers'),
    jobDir,
    attempt: job.attemptsMade,
  };
  const thread = spawnWorker(new URL('../jobs/worker-entry.js', import.meta.url), init);
  let lastProgress = 0;
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    let stopping = false;
    // The studio cancelled the job: the task's code stops at its next cancellation check, as in the engine.
    const poll = setInterval(() => {
      void cancelled()
        .then((yes) => {
          if (!yes || stopping || settled) return;
          stopping = true;
          log(`${job.id}: cancelled by the studio`);
          thread.postMessage({ t: 'cancel' } satisfies HostToWorker);
        })
        .catch(() => undefined);
    }, CANCEL_POLL_MS);
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      void thread.terminate();
      fs.rmSync(jobDir, { recursive: true, force: true });
      f();
    };
    thread.on('message', (m: WorkerToHost) => {
      switch (m.t) {
        case 'progress': {
          const now = Date.now();
          if (now - lastProgress < PROGRESS_EVERY_MS) break;
          lastProgress = now;
          const u = m.update;
          const fraction = u.fraction ?? (u.totalSteps ? (u.step ?? 0) / u.totalSteps : 0);
          void job.updateProgress({ fraction, message: u.message ?? '' }).catch(() => undefined);
          break;
        }
        case 'log':
          if (m.level !== 'debug') log(`${job.id}: ${m.level}: ${m.message}`);
          break;
        case 'hostCall': {
          const reply: HostToWorker = { t: 'hostReply', callId: m.callId, ok: false, error: { code: 'internal', message: 'pool tasks make no host calls' } };
          thread.postMessage(reply);
          break;
        }
        case 'done':
          settle(() => resolve(m.result));
          break;
        case 'error':
          // A cancelled task is not retried (a later run of the studio's job enqueues it again).
          settle(() => reject(stopping ? new UnrecoverableError(`cancelled by the studio: ${m.error.message}`) : StudioError.fromData(m.error)));
          break;
        default:
          break;
      }
    });
    thread.on('error', (e) => settle(() => reject(new StudioError('internal', `task thread crashed: ${toErrorData(e).message}`))));
    thread.on('exit', (code) => settle(() => reject(new StudioError('internal', `task thread exited (code ${code})`))));
  });
}
