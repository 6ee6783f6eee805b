// Durable jobs in the engine host: the row is written before work starts, work runs in a worker thread,
// progress streams to subscribers, and a dead engine's jobs come back as `interrupted` and resume.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import { StudioError, toErrorData } from '../../../shared/contract/errors.js';
import type { JobState, StudioEvent } from '../../../shared/contract/events.js';
import type { JobDetail, JobSummary } from '../../../shared/contract/jobs.js';
import * as q from '../db/queries/jobs.js';
import { diskFullError, removeStaleTemps, type Workspace } from '../workspace.js';
import type { HostContext } from './job-kind.js';
import type { JobRegistry } from './registry.js';
import { resolveModuleUrl, spawnWorker } from './spawn-worker.js';
import type { HostToWorker, WorkerInit, WorkerToHost } from './worker-messages.js';

const FINAL: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];
const PROGRESS_FLUSH_MS = 500;
const CANCEL_GRACE_MS = 5000;
/** The longest a cancelled job that has gone silent (one long native call) is waited for. */
const CANCEL_HARD_MS = 120_000;
/** Messages arriving this soon after a cancel request may have been posted before it. */
const IN_FLIGHT_MS = 1000;
/** How long close() waits for running jobs to reach a cancellation check (a training step, a batch). */
const CLOSE_GRACE_MS = 15_000;

/**
 * Resolves once a closing job's code has returned (its `done`/`error` message), its thread exited, or
 * `ms` passed. Host calls made meanwhile are refused, so code awaiting one unwinds instead of waiting.
 */
function jobCodeReturned(worker: Worker, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', finish);
      resolve();
    };
    const onMessage = (m: WorkerToHost) => {
      if (m.t === 'done' || m.t === 'error') finish();
      else if (m.t === 'hostCall') {
        const reply: HostToWorker = { t: 'hostReply', callId: m.callId, ok: false, error: { code: 'cancelled', message: 'engine shutting down' } };
        worker.postMessage(reply);
      }
    };
    const timer = setTimeout(finish, ms);
    worker.on('message', onMessage);
    worker.on('exit', finish);
  });
}

type Lane = 'queue' | 'interactive';

interface Running {
  readonly id: string;
  readonly kind: string;
  readonly heavy: boolean;
  /** Which heavy slot it holds: the queue's, or the one kept for a job a client waits on in the foreground. */
  readonly lane: Lane;
  readonly worker: Worker;
  readonly startedAt: number;
  readonly startFraction: number;
  cancelRequested: boolean;
  settled: boolean;
  lastFlush: number;
  /** When the worker last posted anything (a thread inside one long native call posts nothing). */
  lastMessageAt: number;
  progress: { fraction: number; step: number; totalSteps: number; message: string; stage: string | null; etaSeconds: number | null };
}

export interface JobManagerOptions {
  /** false: a read-only engine (CLI queries) that never starts work. */
  readonly runJobs: boolean;
  readonly maxHeavyJobs?: number;
  /**
   * 'all' (serve, the desktop app, the background engine): runs every queued job. 'own' (a CLI command
   * that opened the workspace itself): runs only the jobs it submitted or resumed, so a job another
   * command queued never runs inside, and is never interrupted by, an unrelated command. Default 'all'.
   */
  readonly scope?: 'all' | 'own';
}

export class JobManager {
  private readonly running = new Map<string, Running>();
  private readonly waiters = new Map<string, Set<(s: JobSummary) => void>>();
  private readonly maxHeavy: number;
  /** Jobs this manager submitted or resumed (what a scope-'own' manager may run). */
  private readonly owned = new Set<string>();
  /** Queued jobs a client waits on in the foreground: they may take the interactive heavy slot. */
  private readonly interactive = new Set<string>();
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly workspace: Workspace,
    readonly registry: JobRegistry,
    private readonly emit: (e: StudioEvent) => void,
    private readonly options: JobManagerOptions,
  ) {
    this.maxHeavy = options.maxHeavyJobs ?? 1;
  }

  /** Called once at engine start: running rows of a dead process become `interrupted`, then resume. */
  recover(options: { resume: boolean }): string[] {
    const ids = q.markRunningInterrupted(this.db);
    for (const id of ids) q.addJobEvent(this.db, id, 'interrupted', 'engine stopped while the job was running');
    // A killed engine's writers never renamed their temp files; their jobs start over from checkpoints.
    if (ids.length && this.options.runJobs) removeStaleTemps(this.workspace.root, { recursive: true });
    if (options.resume && this.options.runJobs) {
      for (const j of q.listJobs(this.db, { states: ['interrupted'], limit: 1000 }).reverse()) {
        if (this.registry.has(j.kind)) this.resume(j.id);
      }
    }
    this.schedule();
    return ids;
  }

  submit(kind: string, params: unknown): JobSummary {
    const def = this.registry.get(kind);
    const parsed = def.params.safeParse(params);
    if (!parsed.success) {
      throw new StudioError('bad_request', `invalid parameters for job '${kind}': ${parsed.error.message}`);
    }
    const id = randomUUID();
    // One transaction: on a full disk the job is refused whole, not left queued without its event.
    let summary: JobSummary;
    try {
      summary = this.db.transaction(() => {
        const heavy = typeof def.heavy === 'function' ? def.heavy({ db: this.db, workspace: this.workspace }) : def.heavy;
        const row = q.insertJob(this.db, { id, kind, title: def.title(parsed.data), heavy, params: parsed.data });
        q.addJobEvent(this.db, id, 'queued', 'job created');
        return row;
      })();
    } catch (e) {
      throw diskFullError(e, this.workspace.databasePath) ?? e;
    }
    this.owned.add(id);
    this.emit({ type: 'job.state', jobId: id, kind, state: 'queued' });
    this.schedule();
    return q.getJobSummary(this.db, id) ?? summary;
  }

  list(options: { states?: readonly JobState[]; limit?: number } = {}): JobSummary[] {
    return q.listJobs(this.db, options);
  }

  get(id: string): JobDetail {
    const d = q.getJobDetail(this.db, id);
    if (!d) throw new StudioError('not_found', `no job '${id}'`);
    return d;
  }

  summary(id: string): JobSummary {
    const s = q.getJobSummary(this.db, id);
    if (!s) throw new StudioError('not_found', `no job '${id}'`);
    return s;
  }

  cancel(id: string): JobSummary {
    const s = this.summary(id);
    const r = this.running.get(id);
    if (r) {
      r.cancelRequested = true;
      r.worker.postMessage({ t: 'cancel' } satisfies HostToWorker);
      // Job code that keeps running without checking for cancellation is stopped after a grace period.
      // A silent worker is inside one long call (an onnxruntime session.run on a big batch): terminating
      // it there would abort the whole process, so it gets until CANCEL_HARD_MS to reach its next check.
      const requestedAt = Date.now();
      const check = () => {
        if (r.settled) return;
        if (r.lastMessageAt > requestedAt + IN_FLIGHT_MS || Date.now() - requestedAt >= CANCEL_HARD_MS) void r.worker.terminate();
        else setTimeout(check, CANCEL_GRACE_MS).unref();
      };
      setTimeout(check, CANCEL_GRACE_MS).unref();
      q.addJobEvent(this.db, id, 'cancel', 'cancellation requested');
      return this.summary(id);
    }
    if (s.state === 'queued' || s.state === 'interrupted') {
      q.finishJob(this.db, id, 'cancelled', { error: null });
      q.addJobEvent(this.db, id, 'cancelled', 'cancelled before it ran');
      this.settle(id, 'cancelled');
      return this.summary(id);
    }
    throw new StudioError('conflict', `job '${id}' is ${s.state}; only queued or running jobs can be cancelled`);
  }

  /** Runs an interrupted, failed or cancelled job again, from its last checkpoint. */
  resume(id: string): JobSummary {
    const s = this.summary(id);
    if (!['interrupted', 'failed', 'cancelled'].includes(s.state)) {
      throw new StudioError('conflict', `job '${id}' is ${s.state}; only interrupted, failed or cancelled jobs resume`);
    }
    if (!this.options.runJobs) throw new StudioError('conflict', 'this engine is read-only and runs no jobs');
    this.registry.get(s.kind);
    this.owned.add(id);
    q.requeueJob(this.db, id);
    q.addJobEvent(this.db, id, 'resumed', 'queued again; resumes from its last checkpoint');
    this.emit({ type: 'job.state', jobId: id, kind: s.kind, state: 'queued' });
    this.schedule();
    return this.summary(id);
  }

  /**
   * Resolves when the job reaches succeeded, failed or cancelled (or is interrupted by shutdown).
   * `interactive`: someone waits at a terminal; a queued heavy job may then start in a second heavy slot
   * beside the queue's, so an `eval` finishes while a background training keeps running.
   */
  wait(id: string, signal?: AbortSignal, options: { interactive?: boolean } = {}): Promise<JobSummary> {
    const s = this.summary(id);
    if (FINAL.includes(s.state) || (s.state === 'interrupted' && !this.running.has(id))) return Promise.resolve(s);
    if (options.interactive && s.state === 'queued') {
      this.interactive.add(id);
      this.schedule();
    }
    return new Promise((resolve, reject) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const done = (summary: JobSummary) => {
        set.delete(done);
        resolve(summary);
      };
      set.add(done);
      signal?.addEventListener('abort', () => {
        set.delete(done);
        this.interactive.delete(id);
        reject(new StudioError('cancelled', 'wait cancelled'));
      });
    });
  }

  /**
   * Stops every worker; their jobs stay `interrupted` and resume at the next start. Job code is first
   * asked to stop at its next cancellation check: terminating a thread while a native call is in
   * flight (an onnxruntime session.run inside a training step) aborts the whole process with
   * "terminate called after throwing an instance of 'Napi::Error'". Only code that ignores the request
   * for CLOSE_GRACE_MS is terminated where it stands.
   */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.running.values()];
    const stopped = all.map((r) => jobCodeReturned(r.worker, CLOSE_GRACE_MS));
    for (const r of all) {
      r.settled = true;
      this.running.delete(r.id);
      q.finishJob(this.db, r.id, 'interrupted');
      q.addJobEvent(this.db, r.id, 'interrupted', 'engine shut down while the job was running');
      r.worker.postMessage({ t: 'cancel' } satisfies HostToWorker);
    }
    await Promise.all(stopped);
    await Promise.all(all.map((r) => r.worker.terminate()));
    for (const r of all) this.settle(r.id, 'interrupted');
  }

  private schedule(): void {
    if (this.closed || !this.options.runJobs) return;
    const heavy: Record<Lane, number> = { queue: 0, interactive: 0 };
    for (const r of this.running.values()) if (r.heavy) heavy[r.lane]++;
    for (const row of q.queuedJobs(this.db)) {
      if (this.running.has(row.id)) continue;
      if (this.options.scope === 'own' && !this.owned.has(row.id)) continue;
      let lane: Lane = 'queue';
      if (row.heavy) {
        if (heavy.queue < this.maxHeavy) lane = 'queue';
        else if (this.interactive.has(row.id) && heavy.interactive < 1) lane = 'interactive';
        else continue;
        heavy[lane]++;
      }
      this.start(row.id, lane);
    }
  }

  private start(id: string, lane: Lane): void {
    this.interactive.delete(id);
    const row = q.getJobRow(this.db, id)!;
    let def;
    try {
      def = this.registry.get(row.kind);
    } catch (e) {
      q.finishJob(this.db, id, 'failed', { error: (e as Error).message });
      this.settle(id, 'failed', (e as Error).message);
      return;
    }
    const jobDir = this.workspace.dir('jobs', id);
    const init: WorkerInit = {
      runner: resolveModuleUrl(def.worker).href,
      jobId: id,
      params: JSON.parse(row.params) as unknown,
      workspaceRoot: this.workspace.root,
      databasePath: this.workspace.databasePath,
      jobDir,
      attempt: row.attempts,
    };
    q.markStarted(this.db, id);
    q.addJobEvent(this.db, id, 'started', row.attempts > 0 ? `attempt ${row.attempts + 1}` : 'started');
    const worker = spawnWorker(new URL('./worker-entry.js', import.meta.url), init);
    const r: Running = {
      id,
      kind: row.kind,
      heavy: row.heavy === 1,
      lane,
      worker,
      startedAt: Date.now(),
      startFraction: row.fraction,
      cancelRequested: false,
      settled: false,
      lastFlush: 0,
      lastMessageAt: Date.now(),
      progress: {
        fraction: row.fraction,
        step: row.step,
        totalSteps: row.total_steps,
        message: row.message,
        stage: row.stage,
        etaSeconds: null,
      },
    };
    this.running.set(id, r);
    this.emit({ type: 'job.state', jobId: id, kind: row.kind, state: 'running' });

    const host: HostContext = { db: this.db, workspace: this.workspace };
    const params = init.params;
    worker.on('message', (m: WorkerToHost) => {
      r.lastMessageAt = Date.now();
      if (r.settled) return;
      switch (m.t) {
        case 'progress':
          this.onProgress(r, m.update);
          break;
        case 'metric':
          this.emit({ type: 'metric', jobId: id, name: m.name, step: m.step, value: m.value });
          break;
        case 'log':
          if (m.level !== 'debug') this.bestEffort(() => q.addJobEvent(this.db, id, `log.${m.level}`, m.message));
          this.emit({ type: 'log', level: m.level, message: m.message, jobId: id });
          break;
        case 'checkpoint':
          this.bestEffort(() => q.setCheckpointStep(this.db, id, m.step));
          break;
        case 'hostCall': {
          const op = def.hostOps?.[m.op];
          let reply: HostToWorker;
          if (!op) {
            reply = { t: 'hostReply', callId: m.callId, ok: false, error: { code: 'internal', message: `no host op '${m.op}'` } };
          } else {
            try {
              const result = this.db.transaction(() => op(host, { id, params }, m.payload))();
              reply = { t: 'hostReply', callId: m.callId, ok: true, result };
            } catch (e) {
              reply = { t: 'hostReply', callId: m.callId, ok: false, error: toErrorData(e) };
            }
          }
          worker.postMessage(reply);
          break;
        }
        case 'done': {
          let stored: unknown = m.result;
          try {
            if (def.complete) stored = this.db.transaction(() => def.complete!(host, { id, params }, m.result))();
            this.flushProgress(r, true);
            q.finishJob(this.db, id, 'succeeded', { result: stored ?? null });
            q.addJobEvent(this.db, id, 'succeeded', 'finished');
            this.finish(r, 'succeeded');
          } catch (e) {
            this.fail(r, toErrorData(e).message);
          }
          break;
        }
        case 'error':
          if (m.error.code === 'cancelled' || r.cancelRequested) {
            this.flushProgress(r, true);
            q.finishJob(this.db, id, 'cancelled', { error: null });
            q.addJobEvent(this.db, id, 'cancelled', 'cancelled');
            this.finish(r, 'cancelled');
          } else {
            this.fail(r, m.error.message);
          }
          break;
      }
    });
    worker.on('error', (e) => {
      if (!r.settled) this.fail(r, `worker crashed: ${e.message}`);
    });
    worker.on('exit', (code) => {
      if (r.settled) return;
      if (r.cancelRequested) {
        q.finishJob(this.db, id, 'cancelled', { error: null });
        q.addJobEvent(this.db, id, 'cancelled', 'stopped after the cancellation grace period');
        this.finish(r, 'cancelled');
      } else {
        this.fail(r, `worker exited unexpectedly (code ${code})`);
      }
    });
  }

  private onProgress(r: Running, u: { fraction?: number; step?: number; totalSteps?: number; message?: string; stage?: string }) {
    const p = r.progress;
    if (u.step !== undefined) p.step = u.step;
    if (u.totalSteps !== undefined) p.totalSteps = u.totalSteps;
    if (u.message !== undefined) p.message = u.message;
    if (u.stage !== undefined) p.stage = u.stage;
    const derived = p.totalSteps > 0 ? p.step / p.totalSteps : p.fraction;
    p.fraction = Math.min(1, Math.max(0, u.fraction ?? derived));
    // ETA from the rate since this attempt started, so a resumed job does not count work it skipped.
    const elapsed = (Date.now() - r.startedAt) / 1000;
    const done = p.fraction - r.startFraction;
    p.etaSeconds = elapsed > 1 && done > 0.005 ? ((1 - p.fraction) * elapsed) / done : null;
    this.emit({
      type: 'job.progress',
      jobId: r.id,
      kind: r.kind,
      fraction: p.fraction,
      step: p.step,
      totalSteps: p.totalSteps,
      etaSeconds: p.etaSeconds,
      message: p.message,
      ...(p.stage !== null ? { stage: p.stage } : {}),
    });
    this.flushProgress(r, false);
  }

  private flushProgress(r: Running, force: boolean): void {
    const now = Date.now();
    if (!force && now - r.lastFlush < PROGRESS_FLUSH_MS) return;
    r.lastFlush = now;
    this.bestEffort(() => q.updateProgress(this.db, r.id, r.progress));
  }

  /**
   * Progress, log lines and checkpoint steps are worth losing when the database cannot grow (a full
   * disk): throwing here, inside a worker's message handler, would take the whole engine down.
   */
  private bestEffort(write: () => void): boolean {
    try {
      write();
      return true;
    } catch (e) {
      if (!diskFullError(e, this.workspace.databasePath)) throw e;
      return false;
    }
  }

  private fail(r: Running, reason: string): void {
    this.flushProgress(r, true);
    // On a full disk the row may stay `running`; the next start marks it interrupted and resumes it.
    this.bestEffort(() => {
      q.finishJob(this.db, r.id, 'failed', { error: reason });
      q.addJobEvent(this.db, r.id, 'failed', reason);
    });
    this.finish(r, 'failed', reason);
  }

  private finish(r: Running, state: JobState, error?: string): void {
    r.settled = true;
    this.running.delete(r.id);
    void r.worker.terminate();
    this.settle(r.id, state, error);
    this.schedule();
  }

  private settle(id: string, state: JobState, error?: string): void {
    const s = q.getJobSummary(this.db, id);
    if (!s) return;
    this.emit({ type: 'job.state', jobId: id, kind: s.kind, state, ...(error ? { error } : {}) });
    if (FINAL.includes(state)) this.interactive.delete(id);
    for (const w of [...(this.waiters.get(id) ?? [])]) w(s);
    this.waiters.delete(id);
  }

  /** The job's folder, for kinds that keep files beside their checkpoint. */
  jobDir(id: string): string {
    return path.join(this.workspace.root, 'jobs', id);
  }
}
