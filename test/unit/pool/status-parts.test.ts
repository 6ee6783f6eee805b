// The pure halves of `pool.status` and the Pool view: a BullMQ job turned into what the view shows
// (without its input), CLIENT LIST entries turned into one row per worker, task ids shortened.
import { describe, expect, it } from 'vitest';
import type { PoolTaskInfo } from '../../../shared/contract/pool.js';
import { taskInfo, workersOf } from '../../../main/engine/pool/status.js';
import { maskPasswords } from '../../../main/engine/pool/redis-url.js';
import { shortTaskId, taskElapsedMs, taskKindLabel } from '../../../renderer/src/views/pool/task-format.js';

const ROOT = '/shared/ws';
const job = (over: Partial<Parameters<typeof taskInfo>[0]> = {}): Parameters<typeof taskInfo>[0] => ({
  id: 'features-shard-0123456789abcdef0123456789abcdef',
  name: 'features.shard',
  data: { kind: 'features.shard', workspaceRoot: ROOT, input: { params: {}, items: [{ hash: 'a', file: '/f/1.png' }, { hash: 'b', file: '/f/2.png' }] } },
  progress: { fraction: 0.4, message: 'batch 1/2' },
  processedBy: 'gpu-box-4242',
  returnvalue: null,
  attemptsMade: 1,
  processedOn: Date.UTC(2026, 0, 1, 10, 0, 0),
  finishedOn: undefined,
  failedReason: '',
  ...over,
});

describe('taskInfo', () => {
  it('shows a running task: kind, worker, progress, frames, this workspace; not its input', () => {
    const t = taskInfo(job(), 'active', ROOT);
    expect(t).toEqual({
      id: 'features-shard-0123456789abcdef0123456789abcdef',
      kind: 'features.shard',
      state: 'active',
      worker: 'gpu-box-4242',
      fraction: 0.4,
      message: 'batch 1/2',
      frames: 2,
      attempts: 1,
      thisWorkspace: true,
      startedAt: '2026-01-01T10:00:00.000Z',
      finishedAt: null,
      error: null,
    });
    expect(JSON.stringify(t)).not.toContain('/f/1.png');
  });

  it('a finished task is whole, names who finished it, and a failure keeps its reason (password masked)', () => {
    const done = taskInfo(job({ progress: { fraction: 0.99 }, processedBy: undefined, returnvalue: { worker: 'w2' }, finishedOn: Date.UTC(2026, 0, 1, 10, 0, 5) }), 'completed', ROOT);
    expect(done).toMatchObject({ fraction: 1, worker: 'w2', finishedAt: '2026-01-01T10:00:05.000Z', error: null });
    const failed = taskInfo(job({ failedReason: 'cannot reach redis://:pw@h:1', finishedOn: Date.UTC(2026, 0, 1, 10, 0, 5) }), 'failed', '/other');
    expect(failed).toMatchObject({ state: 'failed', fraction: 0.4, thisWorkspace: false, error: 'cannot reach redis://:***@h:1' });
  });

  it('copes with tasks it does not know: a range of frames, no input, odd progress', () => {
    expect(taskInfo(job({ data: { kind: 'predict.range', workspaceRoot: ROOT, input: { frames: [1, 2, 3] } } }), 'active', ROOT)).toMatchObject({ kind: 'predict.range', frames: 3 });
    expect(taskInfo(job({ name: 'eval.range', data: null, progress: 7 }), 'active', ROOT)).toMatchObject({ kind: 'eval.range', frames: null, fraction: 0, message: '', thisWorkspace: false });
    expect(taskInfo(job({ progress: { fraction: 3 } }), 'active', ROOT).fraction).toBe(1);
  });
});

describe('maskPasswords', () => {
  it('masks every URL password in a text, any scheme, and leaves the rest', () => {
    expect(maskPasswords('redis://:p@ss@h:1')).toBe('redis://:***@h:1');
    expect(maskPasswords('at rediss://u:s3cret@h:6380/2 and http://:x@y')).toBe('at rediss://u:***@h:6380/2 and http://:***@y');
    expect(maskPasswords('redis://h:6379 redis://user@h')).toBe('redis://h:6379 redis://user@h');
  });
});

describe('workersOf', () => {
  const running = [{ id: 't1', worker: 'alpha' }, { id: 't2', worker: 'alpha' }, { id: 't3', worker: 'beta' }] as PoolTaskInfo[];
  it('one row per worker name, from its oldest connection, with the tasks it runs', () => {
    const clients = [
      { rawname: 'bull:Y2F1c2U:w:beta', addr: '10.0.0.2:5000', age: '30', idle: '0' },
      { rawname: 'bull:Y2F1c2U:w:alpha', addr: '10.0.0.1:4000', age: '100', idle: '2' },
      { rawname: 'bull:Y2F1c2U:w:alpha', addr: '10.0.0.1:4001', age: '99', idle: '0' },
      { rawname: 'bull:Y2F1c2U', addr: '10.0.0.3:1', age: '5', idle: '5' },
    ];
    expect(workersOf(clients, running)).toEqual([
      { name: '(unnamed)', addr: '10.0.0.3:1', connectedSeconds: 5, idleSeconds: 5, running: [] },
      { name: 'alpha', addr: '10.0.0.1:4000', connectedSeconds: 100, idleSeconds: 0, running: ['t1', 't2'] },
      { name: 'beta', addr: '10.0.0.2:5000', connectedSeconds: 30, idleSeconds: 0, running: ['t3'] },
    ]);
    expect(workersOf([], running)).toEqual([]);
  });
});

describe('task names on screen', () => {
  it('shortens input-hash ids, names known kinds, measures elapsed time', () => {
    expect(shortTaskId('features-shard-0123456789abcdef0123456789abcdef')).toBe('features-shard-01234567');
    expect(shortTaskId('custom-id')).toBe('custom-id');
    expect(taskKindLabel('predict.range')).toBe('prediction range');
    expect(taskKindLabel('export.sequence')).toBe('export.sequence');
    const t0 = '2026-01-01T10:00:00.000Z';
    expect(taskElapsedMs({ startedAt: t0, finishedAt: '2026-01-01T10:00:02.500Z' }, 0)).toBe(2500);
    expect(taskElapsedMs({ startedAt: t0, finishedAt: null }, Date.parse(t0) + 700)).toBe(700);
    expect(taskElapsedMs({ startedAt: null, finishedAt: null }, 0)).toBeNull();
  });
});
