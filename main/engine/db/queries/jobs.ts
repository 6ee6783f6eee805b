// SQL for durable jobs. Plain functions of (db, ...args); the job manager is their only writer.
import type { Database } from 'better-sqlite3';
import type { JobDetail, JobSummary } from '../../../../shared/contract/jobs.js';
import type { JobState } from '../../../../shared/contract/events.js';

interface JobRow {
  id: string;
  kind: string;
  title: string;
  state: JobState;
  heavy: number;
  params: string;
  result: string | null;
  fraction: number;
  step: number;
  total_steps: number;
  stage: string | null;
  message: string;
  eta_seconds: number | null;
  error: string | null;
  checkpoint_step: number | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const now = () => new Date().toISOString();

function toSummary(r: JobRow): JobSummary {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    state: r.state,
    fraction: r.fraction,
    step: r.step,
    totalSteps: r.total_steps,
    message: r.message,
    stage: r.stage,
    etaSeconds: r.eta_seconds,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    attempts: r.attempts,
  };
}

export function insertJob(
  db: Database,
  job: { id: string; kind: string; title: string; heavy: boolean; params: unknown },
): JobSummary {
  db.prepare(
    `INSERT INTO jobs (id, kind, title, state, heavy, params, created_at)
     VALUES (?, ?, ?, 'queued', ?, ?, ?)`,
  ).run(job.id, job.kind, job.title, job.heavy ? 1 : 0, JSON.stringify(job.params ?? null), now());
  return getJobSummary(db, job.id)!;
}

export function getJobRow(db: Database, id: string): JobRow | undefined {
  return db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
}

export function getJobSummary(db: Database, id: string): JobSummary | undefined {
  const r = getJobRow(db, id);
  return r && toSummary(r);
}

export function getJobDetail(db: Database, id: string): JobDetail | undefined {
  const r = getJobRow(db, id);
  if (!r) return undefined;
  const events = db
    .prepare('SELECT at, type, message FROM job_events WHERE job_id = ? ORDER BY id DESC LIMIT 200')
    .all(id) as { at: string; type: string; message: string }[];
  return {
    ...toSummary(r),
    params: JSON.parse(r.params) as unknown,
    result: r.result === null ? null : (JSON.parse(r.result) as unknown),
    checkpointStep: r.checkpoint_step,
    events: events.reverse(),
  };
}

export function listJobs(db: Database, options: { states?: readonly JobState[]; limit?: number } = {}): JobSummary[] {
  const limit = options.limit ?? 200;
  const rows = options.states?.length
    ? (db
        .prepare(
          `SELECT * FROM jobs WHERE state IN (${options.states.map(() => '?').join(',')})
           ORDER BY created_at DESC, rowid DESC LIMIT ?`,
        )
        .all(...options.states, limit) as JobRow[])
    : (db.prepare('SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as JobRow[]);
  return rows.map(toSummary);
}

export function queuedJobs(db: Database): JobRow[] {
  return db.prepare(`SELECT * FROM jobs WHERE state = 'queued' ORDER BY created_at, rowid`).all() as JobRow[];
}

export function markStarted(db: Database, id: string): void {
  db.prepare(
    `UPDATE jobs SET state = 'running', started_at = ?, finished_at = NULL, error = NULL, eta_seconds = NULL
     WHERE id = ?`,
  ).run(now(), id);
}

export function updateProgress(
  db: Database,
  id: string,
  p: { fraction: number; step: number; totalSteps: number; message: string; stage: string | null; etaSeconds: number | null },
): void {
  db.prepare(
    `UPDATE jobs SET fraction = ?, step = ?, total_steps = ?, message = ?, stage = ?, eta_seconds = ?
     WHERE id = ? AND state = 'running'`,
  ).run(p.fraction, p.step, p.totalSteps, p.message, p.stage, p.etaSeconds, id);
}

export function setCheckpointStep(db: Database, id: string, step: number): void {
  db.prepare('UPDATE jobs SET checkpoint_step = ? WHERE id = ?').run(step, id);
}

export function finishJob(
  db: Database,
  id: string,
  state: Extract<JobState, 'succeeded' | 'failed' | 'cancelled' | 'interrupted'>,
  extra: { error?: string | null; result?: unknown } = {},
): void {
  db.prepare(
    `UPDATE jobs SET state = ?, error = ?, result = COALESCE(?, result), eta_seconds = NULL,
       fraction = CASE WHEN ? = 'succeeded' THEN 1 ELSE fraction END,
       finished_at = CASE WHEN ? = 'interrupted' THEN NULL ELSE ? END
     WHERE id = ?`,
  ).run(
    state,
    extra.error ?? null,
    extra.result === undefined ? null : JSON.stringify(extra.result),
    state,
    state,
    now(),
    id,
  );
}

export function requeueJob(db: Database, id: string): void {
  db.prepare(
    `UPDATE jobs SET state = 'queued', attempts = attempts + 1, error = NULL, finished_at = NULL WHERE id = ?`,
  ).run(id);
}

/** At engine start: whatever was `running` belonged to a process that died. */
export function markRunningInterrupted(db: Database): string[] {
  const ids = (db.prepare(`SELECT id FROM jobs WHERE state = 'running'`).all() as { id: string }[]).map((r) => r.id);
  db.prepare(`UPDATE jobs SET state = 'interrupted', eta_seconds = NULL WHERE state = 'running'`).run();
  return ids;
}

export function addJobEvent(db: Database, jobId: string, type: string, message: string): void {
  db.prepare('INSERT INTO job_events (job_id, at, type, message) VALUES (?, ?, ?, ?)').run(jobId, now(), type, message);
}

export function jobParams(db: Database, id: string): unknown {
  const r = getJobRow(db, id);
  return r ? (JSON.parse(r.params) as unknown) : undefined;
}
