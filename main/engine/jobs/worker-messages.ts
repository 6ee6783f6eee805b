// The private protocol between the job manager (host) and a job's worker thread.
import type { StudioErrorData } from '../../../shared/contract/errors.js';
import type { ProgressUpdate } from './job-kind.js';

export interface WorkerInit {
  readonly runner: string; // file URL of the kind's worker module
  readonly jobId: string;
  readonly params: unknown;
  readonly workspaceRoot: string;
  readonly databasePath: string;
  readonly jobDir: string;
  readonly attempt: number;
}

export type WorkerToHost =
  | { t: 'progress'; update: ProgressUpdate }
  | { t: 'metric'; name: string; step: number; value: number }
  | { t: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string }
  | { t: 'checkpoint'; step: number }
  | { t: 'hostCall'; callId: number; op: string; payload: unknown }
  | { t: 'done'; result: unknown }
  | { t: 'error'; error: StudioErrorData };

export type HostToWorker =
  | { t: 'cancel' }
  | { t: 'hostReply'; callId: number; ok: true; result: unknown }
  | { t: 'hostReply'; callId: number; ok: false; error: StudioErrorData };
