// A connection's requests in flight are capped: beyond the cap each request is answered at once with a
// named error and never reaches the engine; as answers come back, the connection may send again.
import { describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../../shared/contract/index.js';
import { createSession, MAX_INFLIGHT_PER_SESSION } from '../../../main/engine/transport/session.js';

function slowEngine() {
  const waiting: (() => void)[] = [];
  let calls = 0;
  return {
    engine: {
      callUnchecked: () => {
        calls++;
        return new Promise<unknown>((resolve) => waiting.push(() => resolve('done')));
      },
      onEvent: () => () => {},
    },
    release: () => waiting.splice(0).forEach((r) => r()),
    calls: () => calls,
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('session in-flight limit', () => {
  it('answers requests beyond the limit with an error, and accepts more once answers went out', async () => {
    const slow = slowEngine();
    const sent: ServerMessage[] = [];
    const session = createSession(slow.engine, (m) => sent.push(m));
    for (let i = 0; i < MAX_INFLIGHT_PER_SESSION + 5; i++) session.receive(JSON.stringify({ kind: 'request', id: i, method: 'jobs.list', args: {} }));
    expect(slow.calls()).toBe(MAX_INFLIGHT_PER_SESSION);
    const refused = sent.filter((m) => m.kind === 'response' && !m.ok);
    expect(refused).toHaveLength(5);
    expect(refused[0]).toMatchObject({ id: MAX_INFLIGHT_PER_SESSION, error: { code: 'unavailable' } });
    expect(JSON.stringify(refused[0])).toMatch(/too many requests in flight/);
    slow.release();
    await flush();
    expect(sent.filter((m) => m.kind === 'response' && m.ok)).toHaveLength(MAX_INFLIGHT_PER_SESSION);
    session.receive(JSON.stringify({ kind: 'request', id: 'again', method: 'jobs.list', args: {} }));
    expect(slow.calls()).toBe(MAX_INFLIGHT_PER_SESSION + 1);
    session.close();
  });
});
