// Everything the engine pushes to its clients, as one discriminated union.

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobProgressEvent {
  readonly type: 'job.progress';
  readonly jobId: string;
  readonly kind: string;
  /** 0..1 */
  readonly fraction: number;
  readonly step: number;
  readonly totalSteps: number;
  /** Seconds to go, from the rate since the job (re)started; null until it can be estimated. */
  readonly etaSeconds: number | null;
  readonly message: string;
  readonly stage?: string;
}

export interface JobStateEvent {
  readonly type: 'job.state';
  readonly jobId: string;
  readonly kind: string;
  readonly state: JobState;
  readonly error?: string;
}

export interface MetricEvent {
  readonly type: 'metric';
  readonly jobId: string;
  readonly experimentId?: string;
  readonly name: string;
  readonly step: number;
  readonly value: number;
}

export interface LogEvent {
  readonly type: 'log';
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly jobId?: string;
}

export type StudioEvent = JobProgressEvent | JobStateEvent | MetricEvent | LogEvent;
