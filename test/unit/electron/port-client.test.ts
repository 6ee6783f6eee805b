import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createPortClient, type ClientPort } from '../../../main/electron/port-client.js';

const open: MessagePort[] = [];
function channel() {
  const ch = new MessageChannel();
  open.push(ch.port1, ch.port2);
  const client: ClientPort = {
    postMessage: (m) => ch.port1.postMessage(m),
    onMessage: (l) => ch.port1.on('message', l),
    close: () => ch.port1.close(),
  };
  return { client, engineSide: ch.port2 };
}
afterEach(() => {
  for (const p of open.splice(0)) p.close();
});

describe('preload port client', () => {
  it('sends requests with unique ids and default args {}', async () => {
    const c = createPortClient();
    const { client, engineSide } = channel();
    const seen: unknown[] = [];
    engineSide.on('message', (m: { id: number }) => {
      seen.push(m);
      engineSide.postMessage({ kind: 'response', id: m.id, ok: true, result: m.id });
    });
    c.attach(client);
    expect(await Promise.all([c.call('a.b', undefined), c.call('a.b', { x: 1 })])).toEqual([1, 2]);
    expect(seen).toEqual([
      { kind: 'request', id: 1, method: 'a.b', args: {} },
      { kind: 'request', id: 2, method: 'a.b', args: { x: 1 } },
    ]);
  });

  it('fails calls pending on a replaced port with unavailable, and keeps working on the new one', async () => {
    const c = createPortClient();
    const first = channel(); // an engine that never answers
    c.attach(first.client);
    const lost = c.call('slow.op', {});
    expect(c.pendingCount).toBe(1);
    const second = channel();
    second.engineSide.on('message', (m: { id: number }) =>
      second.engineSide.postMessage({ kind: 'response', id: m.id, ok: true, result: 'ok' }),
    );
    c.attach(second.client);
    await expect(lost).rejects.toMatchObject({ code: 'unavailable' });
    expect(await c.call('fast.op', {})).toBe('ok');
    expect(c.pendingCount).toBe(0);
  });

  it('ignores responses for unknown ids and junk messages', async () => {
    const c = createPortClient();
    const { client, engineSide } = channel();
    engineSide.on('message', (m: { id: number }) => {
      engineSide.postMessage(42);
      engineSide.postMessage({ kind: 'response', id: 999, ok: true, result: 'stray' });
      engineSide.postMessage({
        kind: 'response',
        id: null,
        ok: false,
        error: { code: 'bad_request', message: 'x' },
      });
      engineSide.postMessage({ kind: 'response', id: m.id, ok: true, result: 'mine' });
    });
    c.attach(client);
    expect(await c.call('a.b', {})).toBe('mine');
  });

  it('queues a bounded number of calls before the first port arrives', async () => {
    const c = createPortClient();
    const queued = Array.from({ length: 1000 }, () => c.call('a.b', {}));
    await expect(c.call('a.b', {})).rejects.toMatchObject({
      code: 'unavailable',
      message: 'engine is still starting',
    });
    c.fail({ code: 'io_error', message: '/ws: workspace folder is not writable' });
    const results = await Promise.allSettled(queued);
    expect(
      results.every((r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'io_error'),
    ).toBe(true);
    // A new port after a failure brings the client back.
    const { client, engineSide } = channel();
    engineSide.on('message', (m: { id: number }) =>
      engineSide.postMessage({ kind: 'response', id: m.id, ok: true, result: 1 }),
    );
    c.attach(client);
    expect(await c.call('a.b', {})).toBe(1);
  });
});
