// The engine host: owns the workspace, the database (single writer), the job queue and the asset server.
// Plain Node — it runs the same under the CLI, `serve`, the tests and Electron's utility process.
import type { Database } from 'better-sqlite3';
import {
  contract,
  isMethodName,
  StudioError,
  type ArgsOf,
  type MethodName,
  type ResultOf,
  type StudioClient,
  type StudioEvent,
} from '../../shared/contract/index.js';
import { openDatabase } from './db/connection.js';
import { ensureWorkspaceInfo } from './db/queries/workspace.js';
import { AssetServer } from './frames/asset-server.js';
import { BUILTIN_ASSET_TYPES, BUILTIN_ROOT_PROVIDERS } from './frames/asset-types.js';
import type { HandlerContext } from './handlers/handler-types.js';
import { handlers } from './handlers/index.js';
import { closePoolStatusConnections } from './handlers/pool.js';
import { JobManager } from './jobs/job-manager.js';
import { BUILTIN_JOB_KINDS, JobRegistry, type AnyKind } from './jobs/registry.js';
import { acquireWriterLock, defaultWorkspacePath, openWorkspace, type Workspace } from './workspace.js';
import { ENGINE_VERSION } from './version.js';

export interface EngineOptions {
  /** Workspace folder; default $CAUSE_STUDIO_HOME or the platform's user-data folder. */
  readonly workspace?: string;
  /** Run jobs (and resume interrupted ones). Off for one-shot CLI queries. Default true. */
  readonly runJobs?: boolean;
  /** Open the database read-only without taking the writer lock (inspect a workspace another engine owns). */
  readonly readonly?: boolean;
  /** Extra job kinds (tests register their own). */
  readonly jobKinds?: readonly AnyKind[];
  readonly maxHeavyJobs?: number;
  /** 'own': run only the jobs this engine submits or resumes (a CLI command); default 'all'. */
  readonly jobScope?: 'all' | 'own';
  /** Resume jobs that a dead engine left `interrupted`. Default: same as runJobs. */
  readonly resumeInterrupted?: boolean;
}

export class Engine implements StudioClient {
  readonly version = ENGINE_VERSION;
  readonly jobs: JobManager;
  readonly assets: AssetServer;
  private readonly listeners = new Set<(e: StudioEvent) => void>();
  private closed = false;

  constructor(
    readonly workspace: Workspace,
    readonly db: Database,
    private readonly releaseLock: () => void,
    options: EngineOptions,
  ) {
    const registry = new JobRegistry(BUILTIN_JOB_KINDS);
    for (const k of options.jobKinds ?? []) registry.register(k);
    this.jobs = new JobManager(db, workspace, registry, (e) => this.emit(e), {
      runJobs: (options.runJobs ?? true) && !options.readonly,
      ...(options.maxHeavyJobs !== undefined ? { maxHeavyJobs: options.maxHeavyJobs } : {}),
      ...(options.jobScope !== undefined ? { scope: options.jobScope } : {}),
    });
    this.assets = new AssetServer({ db, workspace });
    for (const a of BUILTIN_ASSET_TYPES) this.assets.register(a.type, a.resolve);
    for (const p of BUILTIN_ROOT_PROVIDERS) this.assets.addRoots(p);
  }

  /** Validates the arguments against the contract, runs the handler, and returns its result. */
  async call<M extends MethodName>(
    method: M,
    args: ArgsOf<M>,
    options: { signal?: AbortSignal } = {},
  ): Promise<ResultOf<M>> {
    return (await this.callUnchecked(method, args, options)) as ResultOf<M>;
  }

  /** The transports' entry point: method names and args arrive untrusted. */
  async callUnchecked(method: string, args: unknown, options: { signal?: AbortSignal } = {}): Promise<unknown> {
    if (this.closed) throw new StudioError('unavailable', 'engine is shut down');
    if (!isMethodName(method)) throw new StudioError('unknown_method', `unknown method '${method}'`);
    const spec = contract[method];
    const parsed = spec.args.safeParse(args ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`)
        .join('; ');
      throw new StudioError('bad_request', `${method}: ${issues}`);
    }
    const signal = options.signal ?? new AbortController().signal;
    const ctx: HandlerContext = {
      db: this.db,
      workspace: this.workspace,
      jobs: this.jobs,
      signal,
      emit: (e) => this.emit(e),
    };
    const handler = handlers[method] as (a: unknown, c: HandlerContext) => unknown;
    try {
      return await handler(parsed.data, ctx);
    } catch (e) {
      if (e instanceof StudioError) throw e;
      const err = e as Error & { code?: string };
      if (err.code === 'SQLITE_READONLY') {
        throw new StudioError('conflict', `${this.workspace.databasePath}: opened read-only (another engine owns it)`);
      }
      if (err.code === 'ENOSPC') throw new StudioError('io_error', `disk full: ${err.message}`);
      if (err.code === 'EACCES' || err.code === 'EROFS') throw new StudioError('io_error', err.message);
      throw e;
    }
  }

  onEvent(listener: (e: StudioEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: StudioEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        /* a broken listener must not break the engine */
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.jobs.close();
    await closePoolStatusConnections();
    this.db.close();
    this.releaseLock();
  }
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const root = options.workspace ?? defaultWorkspacePath();
  const workspace = openWorkspace(root, { readonly: options.readonly ?? false });
  if (options.readonly) {
    const db = openDatabase(workspace.databasePath, { readonly: true });
    return new Engine(workspace, db, () => {}, { ...options, runJobs: false });
  }
  const release = acquireWriterLock(workspace);
  try {
    const db = openDatabase(workspace.databasePath);
    ensureWorkspaceInfo(db, ENGINE_VERSION);
    const engine = new Engine(workspace, db, release, options);
    engine.jobs.recover({ resume: options.resumeInterrupted ?? options.runJobs ?? true });
    return engine;
  } catch (e) {
    release();
    throw e;
  }
}
