// What a job kind is. The host half (params schema, title, what to write when it finishes) lives in the
// engine host; the heavy half (`run`) lives in a module that executes inside a worker thread.
import type { z } from 'zod';
import type { Database } from 'better-sqlite3';
import type { Workspace } from '../workspace.js';

export interface JobKindDefinition<P = unknown> {
  readonly kind: string;
  /** Module (file URL, .ts in dev/tests or .js when built) exporting `run: JobRunner<P>`. */
  readonly worker: URL;
  /**
   * Heavy jobs run one at a time (by default); light ones run alongside. A function is asked once, when
   * a job is submitted (e.g. a training sent to the worker pool only waits here, so it is not heavy).
   */
  readonly heavy: boolean | ((host: HostContext) => boolean);
  readonly params: z.ZodType<P>;
  title(params: P): string;
  /**
   * Runs in the host after the worker returned, inside one write transaction, so a job's rows appear
   * all at once or not at all. Its return value is stored as the job's result.
   */
  complete?(host: HostContext, job: { id: string; params: P }, result: unknown): unknown;
  /** Writes a worker may ask the host to make while it runs (the host is the single DB writer). */
  readonly hostOps?: Readonly<Record<string, (host: HostContext, job: { id: string; params: P }, payload: unknown) => unknown>>;
}

export interface HostContext {
  readonly db: Database;
  readonly workspace: Workspace;
}

export interface ProgressUpdate {
  /** 0..1; when omitted it is derived from step/totalSteps. */
  readonly fraction?: number;
  readonly step?: number;
  readonly totalSteps?: number;
  readonly message?: string;
  readonly stage?: string;
}

/** What job code sees inside its worker thread. */
export interface JobContext<S = unknown> {
  readonly jobId: string;
  readonly workspaceRoot: string;
  /** The database, for reading only (`readonly` connection); writes go through `hostCall` or `complete`. */
  readonly databasePath: string;
  /** The job's own folder: workspace/jobs/<id>. */
  readonly jobDir: string;
  /** How many times this job was started before (0 on the first run). */
  readonly attempt: number;
  /** Aborted when the job is cancelled. */
  readonly signal: AbortSignal;
  /** Throws a `cancelled` StudioError once the job has been cancelled. Call it between units of work. */
  throwIfCancelled(): void;
  progress(update: ProgressUpdate): void;
  metric(name: string, step: number, value: number): void;
  log(message: string, level?: 'debug' | 'info' | 'warn' | 'error'): void;
  /** The last checkpoint saved by a previous attempt, if any. */
  loadCheckpoint(): { step: number; state: S } | undefined;
  /** Atomically replaces the checkpoint (temp file + rename) and tells the host the step. */
  saveCheckpoint(step: number, state: S): void;
  /** Asks the host to run one of the kind's `hostOps` (a DB write) and waits for its answer. */
  hostCall(op: string, payload: unknown): Promise<unknown>;
}

export type JobRunner<P = unknown, R = unknown> = (ctx: JobContext, params: P) => Promise<R>;
