// Durable jobs: listed, inspected, cancelled and resumed through the contract.
import { z } from 'zod';
import { method } from './define.js';
import type { JobState } from './events.js';

export interface JobSummary {
  readonly id: string;
  readonly kind: string;
  readonly title: string;
  readonly state: JobState;
  readonly fraction: number;
  readonly step: number;
  readonly totalSteps: number;
  readonly message: string;
  readonly stage: string | null;
  readonly etaSeconds: number | null;
  readonly error: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** How many times the job was resumed after an interruption. */
  readonly attempts: number;
}

export interface JobDetail extends JobSummary {
  readonly params: unknown;
  readonly result: unknown;
  readonly checkpointStep: number | null;
  readonly events: readonly { at: string; type: string; message: string }[];
}

export const jobId = z.string().min(1).max(64);

export const jobMethods = {
  'jobs.list': method<JobSummary[]>()(
    z
      .object({
        states: z.array(z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'])).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      })
      .strict(),
  ),
  'jobs.get': method<JobDetail>()(z.object({ id: jobId }).strict()),
  'jobs.cancel': method<JobSummary>()(z.object({ id: jobId }).strict()),
  'jobs.resume': method<JobSummary>()(z.object({ id: jobId }).strict()),
  /** Resolves when the job reaches a final state; cancellable (cancelling the wait, not the job). */
  /** `interactive`: a client waits in the foreground, so a queued heavy job may use a second heavy slot. */
  'jobs.wait': method<JobSummary>()(z.object({ id: jobId, interactive: z.boolean().optional() }).strict(), { cancellable: true }),
};
