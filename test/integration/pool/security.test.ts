// A password-protected redis-server, reached through a redis:// URL with the password in it; and a
// worker that refuses a task whose workspace lies outside the roots it was started with.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolClient } from '../../../main/engine/pool/client.js';
import { startPoolWorker, type PoolWorker } from '../../../main/engine/pool/pool-worker.js';
import { taskId } from '../../../main/engine/pool/protocol.js';
import { tempDir } from '../../helpers/temp-workspace.js';
import { redisServerAvailable, startRedis, type TestRedis } from './redis-server.js';

const haveRedis = redisServerAvailable();
let redis: TestRedis | undefined;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  tmp = tempDir();
  if (haveRedis) redis = await startRedis(['--requirepass', 'p@ss:word']);
});
afterAll(async () => {
  await redis?.stop();
  tmp?.cleanup();
});

describe.skipIf(!haveRedis)('pool security', () => {
  it('connects with a password in the URL and refuses a workspace outside the worker roots', async () => {
    const url = `redis://:${encodeURIComponent('p@ss:word')}@127.0.0.1:${redis!.port}/3`;
    const served = path.join(tmp.dir, 'served');
    const elsewhere = path.join(tmp.dir, 'elsewhere');
    fs.mkdirSync(served);
    fs.mkdirSync(elsewhere);
    const lines: string[] = [];
    let worker: PoolWorker | undefined;
    const client = await PoolClient.open(url);
    try {
      expect(client.display).toBe(`redis://:***@127.0.0.1:${redis!.port}/3`);
      worker = await startPoolWorker({ queue: url, roots: [served], name: 'guard', log: (l) => lines.push(l) });
      expect(await client.workers()).toEqual(['guard']);
      const task = {
        id: taskId('features.shard', { probe: 1 }),
        data: { kind: 'features.shard' as const, workspaceRoot: elsewhere, input: { params: {}, items: [{ hash: 'a'.repeat(64), file: '/etc/passwd' }] } },
      };
      const err = await client.run([task], { verify: () => true, onResult: () => Promise.resolve() }).catch((e: Error) => e);
      expect(String(err)).toMatch(/outside this worker's roots/);
      // Inside the workspace root but reading a frame elsewhere: refused too.
      const sneaky = { id: taskId('features.shard', { probe: 2 }), data: { ...task.data, workspaceRoot: served } };
      const err2 = await client.run([sneaky], { verify: () => true, onResult: () => Promise.resolve() }).catch((e: Error) => e);
      expect(String(err2)).toMatch(/\/etc\/passwd is outside this worker's roots/);
      // The range tasks name frames, label maps and prediction maps: each is checked the same way.
      const frame = { id: 'f', sequenceId: 's', imagePath: path.join(served, 'x.png'), labelPath: '/etc/passwd', name: 'f', ordinal: 0 };
      fs.writeFileSync(frame.imagePath, '');
      const evalTask = {
        id: taskId('eval.range', { probe: 3 }),
        data: { kind: 'eval.range' as const, workspaceRoot: served, input: { withLabels: true, labelFree: false, frames: [frame], rows: [] } },
      };
      const err3 = await client.run([evalTask], { verify: () => true, onResult: () => Promise.resolve() }).catch((e: Error) => e);
      expect(String(err3)).toMatch(/\/etc\/passwd is outside this worker's roots/);
      const labelsTask = {
        id: taskId('labels.range', { probe: 4 }),
        data: { kind: 'labels.range' as const, workspaceRoot: served, input: { frames: [frame], rows: [{ frame_id: 'f', cluster_file: '../elsewhere/x.png' }] } },
      };
      fs.writeFileSync(path.join(elsewhere, 'x.png'), '');
      const err4 = await client.run([labelsTask], { verify: () => true, onResult: () => Promise.resolve() }).catch((e: Error) => e);
      expect(String(err4)).toMatch(/elsewhere\/x\.png is outside this worker's roots/);
      fs.rmSync(path.join(elsewhere, 'x.png'));
      // A training names its feature set's shards (relative to the workspace, as the manifest stores them).
      fs.writeFileSync(path.join(elsewhere, 'shard.bin'), '');
      const trainTask = {
        id: taskId('train.run', { probe: 5 }),
        data: { kind: 'train.run' as const, workspaceRoot: served, input: { manifest: { shards: [{ file: '../elsewhere/shard.bin', sha256: '' }] } } },
      };
      const err5 = await client.run([trainTask], { verify: () => true, onResult: () => Promise.resolve() }).catch((e: Error) => e);
      expect(String(err5)).toMatch(/elsewhere\/shard\.bin is outside this worker's roots/);
      fs.rmSync(path.join(elsewhere, 'shard.bin'));
      // Refused before anything ran: no task thread, nothing written.
      expect(lines.join('\n')).not.toMatch(/started/);
      expect(fs.readdirSync(elsewhere)).toEqual([]);
    } finally {
      await worker?.close();
      await client.close();
    }
  });
});
