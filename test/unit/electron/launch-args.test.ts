// The desktop app's `--queue`: read from Electron's command line, handed to the engine process in its
// environment under the name the engine reads, and checked by the engine host when it starts.
import { afterEach, describe, expect, it } from 'vitest';
import { engineEnv, QUEUE_ENV, queueFromArgv } from '../../../main/electron/launch-args.js';
import { runUtilityHost, type HostStatusMessage } from '../../../main/engine/host/utility-entry.js';
import { QUEUE_ENV as ENGINE_QUEUE_ENV } from '../../../main/engine/pool/queue-config.js';

describe('queueFromArgv', () => {
  it('finds --queue URL and --queue=URL among Electron and Chromium arguments', () => {
    expect(queueFromArgv(['/opt/Cause Studio/cause-studio'])).toBeNull();
    expect(queueFromArgv(['/usr/bin/electron', '.', '--queue', 'redis://10.0.0.5:6379/2'])).toBe('redis://10.0.0.5:6379/2');
    expect(queueFromArgv(['/app', '--no-sandbox', '--queue=rediss://:pw@redis.lan:6380', '--enable-logging'])).toBe('rediss://:pw@redis.lan:6380');
    expect(queueFromArgv(['/app', '--queue', 'redis://a:1', '--queue=redis://b:2'])).toBe('redis://b:2');
    expect(queueFromArgv(['/app', '--queue', '  redis://a:1  '])).toBe('redis://a:1');
    // Look-alikes are not ours; nothing after `--` is a flag.
    expect(queueFromArgv(['/app', '--queued', 'x', '--queue-url=redis://a:1'])).toBeNull();
    expect(queueFromArgv(['/app', '--', '--queue', 'redis://a:1'])).toBeNull();
  });

  it('refuses --queue without a URL instead of silently running everything locally', () => {
    expect(() => queueFromArgv(['/app', '--queue'])).toThrow(/--queue needs a URL/);
    expect(() => queueFromArgv(['/app', '--queue', '--enable-logging'])).toThrow(/--queue needs a URL/);
    expect(() => queueFromArgv(['/app', '--queue='])).toThrow(/--queue needs a URL/);
    expect(() => queueFromArgv(['/app', '--queue', ' '])).toThrow(/--queue needs a URL/);
  });

  it("puts the queue in the engine's environment under the name the engine reads", () => {
    expect(QUEUE_ENV).toBe(ENGINE_QUEUE_ENV);
    const env = { PATH: '/usr/bin', CAUSE_STUDIO_HOME: '/ws' };
    expect(engineEnv(env, 'redis://h:1')).toEqual({ ...env, [ENGINE_QUEUE_ENV]: 'redis://h:1' });
    expect(engineEnv(env, null)).toEqual(env);
    expect(env).not.toHaveProperty(ENGINE_QUEUE_ENV);
  });
});

describe('the engine host and a launch queue', () => {
  const before = process.env[ENGINE_QUEUE_ENV];
  afterEach(() => {
    if (before === undefined) delete process.env[ENGINE_QUEUE_ENV];
    else process.env[ENGINE_QUEUE_ENV] = before;
  });

  it('does not start on a queue URL it cannot use, and says why (password masked)', async () => {
    process.env[ENGINE_QUEUE_ENV] = 'http://:secret@example.org:6379';
    const sent: HostStatusMessage[] = [];
    let opened = false;
    let exitCode: number | null = null;
    await runUtilityHost(
      { on: () => undefined, postMessage: (m) => sent.push(m as HostStatusMessage) },
      {
        workspace: '/nonexistent',
        openEngine: () => {
          opened = true;
          throw new Error('must not open');
        },
        exit: (code) => (exitCode = code),
      },
    );
    expect(opened).toBe(false);
    expect(exitCode).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'fatal', error: { code: 'bad_request', message: expect.stringMatching(/--queue: 'http:' is not redis/) } });
    expect(JSON.stringify(sent)).not.toContain('secret');
  });
});
