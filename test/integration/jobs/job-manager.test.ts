// The durable-job mechanism with real worker threads and a real SQLite workspace.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StudioEvent } from '../../../shared/contract/index.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { countJob } from '../../fixtures/jobs/count-job.js';
import { tempDir } from '../../helpers/temp-workspace.js';

let tmp: ReturnType<typeof tempDir>;
let engine: Engine;

beforeEach(async () => {
  tmp = tempDir();
  engine = await createEngine({ workspace: tmp.dir, jobKinds: [countJob] });
});
afterEach(async () => {
  await engine.close();
  tmp.cleanup();
});

describe('jobs', () => {
  it('runs a job in a worker, streams progress and metrics, stores the result', async () => {
    const events: StudioEvent[] = [];
    engine.onEvent((e) => events.push(e));
    const job = engine.jobs.submit('test.count', { steps: 5, stepMs: 5 });
    expect(['queued', 'running']).toContain(job.state);
    const final = await engine.call('jobs.wait', { id: job.id });
    expect(final.state).toBe('succeeded');
    expect(final.fraction).toBe(1);
    const detail = await engine.call('jobs.get', { id: job.id });
    expect(detail.result).toEqual({ attempts: [[0, 1, 2, 3, 4]], hostReply: 'noted' });
    expect(detail.checkpointStep).toBe(5);
    const progress = events.filter((e) => e.type === 'job.progress' && e.jobId === job.id);
    expect(progress.length).toBe(5);
    expect(events.filter((e) => e.type === 'metric').map((e) => (e as { value: number }).value)).toEqual([0, 2, 4, 6, 8]);
    const states = events.filter((e) => e.type === 'job.state').map((e) => (e as { state: string }).state);
    expect(states).toEqual(['queued', 'running', 'succeeded']);
    // complete() ran in the host and wrote through the single writer
    const row = engine.db.prepare('SELECT value FROM settings WHERE key = ?').get(`count-result:${job.id}`);
    expect(row).toBeDefined();
  });

  it('rejects bad parameters before writing a row', async () => {
    expect(() => engine.jobs.submit('test.count', { steps: -1 })).toThrow(/invalid parameters/);
    expect(() => engine.jobs.submit('no.such.kind', {})).toThrow(/unknown job kind/);
    expect(engine.jobs.list()).toHaveLength(0);
  });

  it('cancels a running job', async () => {
    const job = engine.jobs.submit('test.count', { steps: 200, stepMs: 20 });
    await waitFor(() => engine.jobs.summary(job.id).state === 'running' && engine.jobs.summary(job.id).step > 1);
    await engine.call('jobs.cancel', { id: job.id });
    const final = await engine.jobs.wait(job.id);
    expect(final.state).toBe('cancelled');
    expect(final.step).toBeLessThan(200);
  });

  it('stops job code that ignores cancellation after the grace period', async () => {
    const job = engine.jobs.submit('test.count', { steps: 1000, stepMs: 20, ignoreCancel: true });
    await waitFor(() => engine.jobs.summary(job.id).step > 1);
    engine.jobs.cancel(job.id);
    const final = await engine.jobs.wait(job.id);
    expect(final.state).toBe('cancelled');
  });

  it('on close, lets running job code return at its next step (no thread killed mid-call), then resumes it', async () => {
    // blockMs stands in for a native call (an onnxruntime session.run): terminating a thread inside one
    // aborts the whole process, so close() must let the step finish and the code unwind.
    const job = engine.jobs.submit('test.count', { steps: 40, stepMs: 5, blockMs: 150, markReturn: true });
    await waitFor(() => engine.jobs.summary(job.id).step >= 2);
    const jobDir = engine.jobs.jobDir(job.id);
    await engine.close();
    expect(fs.existsSync(path.join(jobDir, 'returned'))).toBe(true);
    engine = await createEngine({ workspace: tmp.dir, jobKinds: [countJob], resumeInterrupted: true });
    const final = await engine.call('jobs.wait', { id: job.id });
    expect(final.state).toBe('succeeded');
    const result = (await engine.call('jobs.get', { id: job.id })).result as { attempts: number[][] };
    expect(result.attempts.length).toBe(2);
    expect(result.attempts.flat()).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('waits out a cancelled job inside one long call (no thread killed mid-call) instead of terminating it', async () => {
    // One step blocks longer than the grace period, as an onnxruntime session.run on a big batch can.
    const job = engine.jobs.submit('test.count', { steps: 3, stepMs: 0, blockMs: 6000, markReturn: true });
    // After step 1 reports, the thread is inside step 2's block when the cancel arrives.
    await waitFor(() => engine.jobs.summary(job.id).step >= 1);
    engine.jobs.cancel(job.id);
    const final = await engine.jobs.wait(job.id);
    expect(final.state).toBe('cancelled');
    expect(fs.existsSync(path.join(engine.jobs.jobDir(job.id), 'returned'))).toBe(true);
  });

  it('marks a job failed with the reason when its code throws', async () => {
    const job = engine.jobs.submit('test.count', { steps: 10, stepMs: 1, failAt: 3 });
    const final = await engine.jobs.wait(job.id);
    expect(final.state).toBe('failed');
    expect(final.error).toMatch(/failed at step 3/);
  });

  it('marks a job failed when its worker thread crashes', async () => {
    const job = engine.jobs.submit('test.count', { steps: 10, stepMs: 1, failAt: 2, failMode: 'crash' });
    const final = await engine.jobs.wait(job.id);
    expect(final.state).toBe('failed');
    expect(final.error).toMatch(/crashed at step 2/);
  });

  it('runs one heavy job at a time and queues the rest', async () => {
    // long enough that it cannot finish between two polls on a loaded machine
    const a = engine.jobs.submit('test.count', { steps: 100, stepMs: 20 });
    const b = engine.jobs.submit('test.count', { steps: 3, stepMs: 1 });
    await waitFor(() => engine.jobs.summary(a.id).step > 2);
    expect(engine.jobs.summary(b.id).state).toBe('queued');
    const fb = await engine.jobs.wait(b.id);
    expect(fb.state).toBe('succeeded');
    expect(new Date(fb.startedAt!).getTime()).toBeGreaterThanOrEqual(new Date(engine.jobs.summary(a.id).finishedAt!).getTime());
  });

  it('resumes a failed job from its checkpoint', async () => {
    const job = engine.jobs.submit('test.count', { steps: 6, stepMs: 1, failAt: 4 });
    expect((await engine.jobs.wait(job.id)).state).toBe('failed');
    // The failure point is in the params, so resuming fails again at 4 — but only after skipping 0..3.
    engine.jobs.resume(job.id);
    const again = await engine.jobs.wait(job.id);
    expect(again.state).toBe('failed');
    expect(again.attempts).toBe(1);
    expect(engine.jobs.get(job.id).checkpointStep).toBe(4);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
