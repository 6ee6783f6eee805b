// `cause-studio serve --queue URL` (the global flag after the subcommand), built CLI: the served engine
// reports that queue as its launch queue through the contract, over the WebSocket a browser uses; the
// workspace setting does not displace it. A URL that is not Redis stops serve with its reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServedStudio } from '../../../bench/lib/served-studio.js';
import { readEndpoint } from '../../../main/engine/transport/endpoint-file.js';
import { connectEngine } from '../../../main/web/engine-client.js';
import { redisServerAvailable, startRedis, type TestRedis } from './redis-server.js';

const haveRedis = redisServerAvailable();
let redis: TestRedis | undefined;
let studio: ServedStudio | undefined;

beforeAll(async () => {
  if (haveRedis) redis = await startRedis();
});
afterAll(async () => {
  await studio?.stop();
  await redis?.stop();
});

describe.skipIf(!haveRedis)('serve --queue', () => {
  it('serves an engine whose pool is the queue named at launch', async () => {
    studio = await startServe({ args: ['--queue', redis!.url] });
    const endpoint = readEndpoint(studio.home);
    expect(endpoint).not.toBeNull();
    const remote = await connectEngine(endpoint!, studio.home);
    try {
      expect(await remote.call('pool.status', {})).toMatchObject({ queue: redis!.url, source: 'launch', connected: true, error: null, workers: [] });
      await remote.call('settings.set', { key: 'queue', value: 'redis://127.0.0.1:1' });
      expect(await remote.call('pool.status', {})).toMatchObject({ queue: redis!.url, source: 'launch', connected: true });
    } finally {
      await remote.close();
    }
  });

  it('refuses to serve with a queue URL that is not Redis, and keeps its password out of the message', async () => {
    const err = await startServe({ args: ['--queue', 'http://:topsecret@127.0.0.1:6379'], timeoutMs: 60_000 }).then(
      (s) => {
        studio = s;
        return null;
      },
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/serve exited with code [1-9]/);
    expect(err?.message).toMatch(/'http:' is not redis/);
    expect(err?.message).not.toContain('topsecret');
  });
});
