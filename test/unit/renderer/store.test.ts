import { describe, expect, it } from 'vitest';
import type { JobSummary } from '../../../shared/contract/index.js';
import { alignSeries } from '../../../renderer/src/lib/align-series.js';
import { formatEta } from '../../../renderer/src/lib/format.js';
import { StudioStore } from '../../../renderer/src/state/store.js';

const job = (id: string, createdAt: string, patch: Partial<JobSummary> = {}): JobSummary => ({
  id,
  kind: 'test.kind',
  title: `job ${id}`,
  state: 'queued',
  fraction: 0,
  step: 0,
  totalSteps: 10,
  message: '',
  stage: null,
  etaSeconds: null,
  error: null,
  createdAt,
  startedAt: null,
  finishedAt: null,
  attempts: 0,
  ...patch,
});

describe('renderer store: live jobs from pushed events', () => {
  it('applies progress and state events to known jobs, newest job first', () => {
    const store = new StudioStore();
    store.setJobs([job('a', '2026-01-01T00:00:00Z'), job('b', '2026-01-02T00:00:00Z')]);
    expect(store.getState().jobs.map((j) => j.id)).toEqual(['b', 'a']);
    const needsFetch = store.applyEvent({ type: 'job.progress', jobId: 'a', kind: 'test.kind', fraction: 0.4, step: 4, totalSteps: 10, etaSeconds: 12, message: 'working' });
    expect(needsFetch).toBe(false);
    const a = store.getState().jobs.find((j) => j.id === 'a')!;
    expect(a).toMatchObject({ state: 'running', fraction: 0.4, step: 4, etaSeconds: 12, message: 'working' });
    const version = store.getState().dataVersion;
    store.applyEvent({ type: 'job.state', jobId: 'a', kind: 'test.kind', state: 'succeeded' });
    expect(store.getState().jobs.find((j) => j.id === 'a')).toMatchObject({ state: 'succeeded', fraction: 1, etaSeconds: null });
    // A finished job bumps the data version so views re-query exactly then.
    expect(store.getState().dataVersion).toBe(version + 1);
  });

  it('asks for a refetch when an event names an unknown job', () => {
    const store = new StudioStore();
    expect(store.applyEvent({ type: 'job.progress', jobId: 'x', kind: 'k', fraction: 0.1, step: 1, totalSteps: 10, etaSeconds: null, message: '' })).toBe(true);
  });

  it('surfaces failures and error logs as notices', () => {
    const store = new StudioStore();
    store.setJobs([job('a', '2026-01-01T00:00:00Z')]);
    store.applyEvent({ type: 'job.state', jobId: 'a', kind: 'test.kind', state: 'failed', error: 'frames/x.png: truncated PNG' });
    store.applyEvent({ type: 'log', level: 'error', message: 'disk full' });
    const messages = store.getState().notices.map((n) => n.message);
    expect(messages[0]).toContain('frames/x.png: truncated PNG');
    expect(messages[1]).toBe('disk full');
  });

  it('appends metric points per job and name', () => {
    const store = new StudioStore();
    store.applyEvent({ type: 'metric', jobId: 'j', name: 'loss', step: 1, value: 2 });
    store.applyEvent({ type: 'metric', jobId: 'j', name: 'loss', step: 2, value: 1.5 });
    store.applyEvent({ type: 'metric', jobId: 'j', name: 'lr', step: 1, value: 0.004 });
    const series = store.getState().metrics.get('j')!;
    expect(series.get('loss')).toEqual({ steps: [1, 2], values: [2, 1.5] });
    expect(series.get('lr')).toEqual({ steps: [1], values: [0.004] });
  });

  it('notifies subscribers on every change', () => {
    const store = new StudioStore();
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.select({ clusterId: 3 });
    store.update({ view: 'mapping' });
    off();
    store.update({ view: 'datasets' });
    expect(calls).toBe(2);
    expect(store.getState().selection.clusterId).toBe(3);
  });
});

describe('curve alignment and formatting', () => {
  it('overlays series with different steps on one x axis', () => {
    const [xs, a, b] = alignSeries([
      { label: 'a', steps: [0, 10, 20], values: [1, 0.5, 0.25] },
      { label: 'b', steps: [5, 10], values: [2, Number.NaN] },
    ]);
    expect(xs).toEqual([0, 5, 10, 20]);
    expect(a).toEqual([1, null, 0.5, 0.25]);
    expect(b).toEqual([null, 2, null, null]);
  });

  it('formats ETAs', () => {
    expect(formatEta(null)).toBe('—');
    expect(formatEta(130)).toBe('2:10');
    expect(formatEta(3725)).toBe('1:02:05');
  });
});
