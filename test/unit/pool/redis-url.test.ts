import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskPassword, parseQueueUrl } from '../../../main/engine/pool/redis-url.js';
import { checkWorkspace, resolveRoots } from '../../../main/engine/pool/roots.js';
import { framesPerShard, shardName } from '../../../main/engine/pool/features-plan.js';
import { tempDir } from '../../helpers/temp-workspace.js';

describe('queue URLs', () => {
  it('reads host, port and database', () => {
    expect(parseQueueUrl('redis://10.0.0.5:6380/2').connection).toEqual({ host: '10.0.0.5', port: 6380, db: 2, maxRetriesPerRequest: null });
    expect(parseQueueUrl('redis://queue.lan').connection).toMatchObject({ host: 'queue.lan', port: 6379, db: 0 });
  });

  it('takes a password (and user), percent-decoded, and never prints it', () => {
    const t = parseQueueUrl('redis://fleet:s%40cr%3At@queue.lan:6379/1');
    expect(t.connection).toMatchObject({ username: 'fleet', password: 's@cr:t', db: 1 });
    expect(t.display).toBe('redis://fleet:***@queue.lan:6379/1');
    expect(t.display).not.toContain('s%40cr');
    expect(parseQueueUrl('redis://:only-pass@h:1').connection).toMatchObject({ password: 'only-pass' });
    expect(parseQueueUrl('redis://:only-pass@h:1').connection).not.toHaveProperty('username');
  });

  it('speaks TLS for rediss:// and checks the server name', () => {
    expect(parseQueueUrl('rediss://:pw@redis.example.com:6380').connection).toMatchObject({ tls: { servername: 'redis.example.com' }, port: 6380, password: 'pw' });
    expect(parseQueueUrl('redis://h').connection).not.toHaveProperty('tls');
  });

  it('refuses what is not a redis URL, without echoing a password', () => {
    expect(() => parseQueueUrl('http://h:6379')).toThrow(/not redis: or rediss:/);
    expect(() => parseQueueUrl('redis://h/zero')).toThrow(/database 'zero' is not a number/);
    expect(() => parseQueueUrl('not a url')).toThrow(/not a URL/);
    expect(maskPassword('redis://u:p@h')).toBe('redis://u:***@h');
    // a raw '@' inside the password is masked too (the URL parser accepts it)
    expect(maskPassword('redis://:p@ss@h:6379/0')).toBe('redis://:***@h:6379/0');
  });
});

describe('worker roots', () => {
  it('serves workspaces under its roots only, after following symlinks', () => {
    const t = tempDir();
    try {
      const root = path.join(t.dir, 'shared');
      const ws = path.join(root, 'ws');
      const outside = path.join(t.dir, 'private');
      fs.mkdirSync(ws, { recursive: true });
      fs.mkdirSync(outside);
      fs.symlinkSync(outside, path.join(root, 'escape'));
      const roots = resolveRoots([root]);
      expect(checkWorkspace(roots, ws)).toBe(fs.realpathSync(ws));
      expect(() => checkWorkspace(roots, outside)).toThrow(/outside this worker's roots/);
      expect(() => checkWorkspace(roots, path.join(root, 'escape'))).toThrow(/outside this worker's roots/);
      expect(() => checkWorkspace(roots, `${root}-sibling`)).toThrow(/not visible|outside/);
      expect(() => checkWorkspace(roots, 'relative/ws')).toThrow(/not absolute/);
      expect(() => resolveRoots([path.join(t.dir, 'nope')])).toThrow(/no such folder/);
    } finally {
      t.cleanup();
    }
  });
});

describe('shard plan', () => {
  it('sizes a task to the shard the local loop makes, and names it by its inputs', () => {
    const prep = { width: 322, height: 322, crops: 'none', resize: 'short-side', mean: [0, 0, 0], std: [1, 1, 1] } as never;
    // ViT-S/14 at 322: 23×23×384 float16 = 406 272 B a frame; batch 8 ⇒ 3.25 MB a batch; 64 MiB ⇒ 21 batches.
    expect(framesPerShard(prep, 14, 384, 1, 8)).toBe(168);
    expect(framesPerShard(prep, 14, 384, 1, 2, 1)).toBe(2);
    expect(shardName('k', ['a', 'b'])).toBe(shardName('k', ['a', 'b']));
    expect(shardName('k', ['a', 'b'])).not.toBe(shardName('k', ['b', 'a']));
    expect(shardName('k', ['a'])).not.toBe(shardName('k2', ['a']));
  });
});
