// How engine methods are implemented: one handler group per domain, typed from the contract.
import type { Database } from 'better-sqlite3';
import type { ParsedArgsOf, ResultOf, MethodName, StudioEvent } from '../../../shared/contract/index.js';
import type { JobManager } from '../jobs/job-manager.js';
import type { Workspace } from '../workspace.js';

export interface HandlerContext {
  /** The engine's single writer connection. */
  readonly db: Database;
  readonly workspace: Workspace;
  readonly jobs: JobManager;
  /** Aborted when the caller cancels a `cancellable` request. */
  readonly signal: AbortSignal;
  emit(event: StudioEvent): void;
}

export type Handler<M extends MethodName> = (
  args: ParsedArgsOf<M>,
  ctx: HandlerContext,
) => Promise<ResultOf<M>> | ResultOf<M>;

/** A domain's handlers: `export const datasetHandlers: HandlerGroup<'datasets.list' | ...> = {...}`. */
export type HandlerGroup<M extends MethodName> = { readonly [K in M]: Handler<K> };
