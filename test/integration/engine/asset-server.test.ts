// The asset handler resolves ids, never paths: traversal, encoded traversal, absolute paths and
// symlinks out of the allowed roots all fail.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { tempDir } from '../../helpers/temp-workspace.js';

let tmp: ReturnType<typeof tempDir>;
let outside: ReturnType<typeof tempDir>;
let engine: Engine;

beforeAll(async () => {
  tmp = tempDir();
  outside = tempDir();
  engine = await createEngine({ workspace: path.join(tmp.dir, 'ws'), runJobs: false });
  const files = engine.workspace.dir('files');
  fs.writeFileSync(path.join(files, 'a.txt'), 'inside');
  fs.writeFileSync(path.join(outside.dir, 'secret.txt'), 'secret');
  fs.symlinkSync(path.join(outside.dir, 'secret.txt'), path.join(files, 'link.txt'));
  // A deliberately naive resolver: it joins the id onto a folder. The server must still contain it.
  engine.assets.register('file', async (id) => ({ file: path.join(files, id), contentType: 'text/plain' }));
  engine.assets.register('bytes', async (id) => (id === 'known' ? { bytes: new TextEncoder().encode('made'), contentType: 'text/plain' } : null));
});
afterAll(async () => {
  await engine.close();
  tmp.cleanup();
  outside.cleanup();
});

const get = (url: string) => engine.assets.handle(new Request(url));

describe('asset server', () => {
  it('serves known ids over studio:// and http paths', async () => {
    expect(await (await get('studio://asset/file/a.txt')).text()).toBe('inside');
    expect(await (await get('http://localhost/asset/file/a.txt')).text()).toBe('inside');
    expect(await (await get('http://localhost/asset/bytes/known')).text()).toBe('made');
  });

  it('answers 404 for unknown ids and types', async () => {
    expect((await get('http://localhost/asset/bytes/unknown')).status).toBe(404);
    expect((await get('http://localhost/asset/nosuchtype/x')).status).toBe(404);
    expect((await get('http://localhost/asset/file/missing.txt')).status).toBe(404);
  });

  it('refuses traversal in every spelling', async () => {
    for (const url of [
      'http://localhost/asset/file/../../etc/passwd',
      'http://localhost/asset/file/..%2f..%2fetc%2fpasswd',
      'http://localhost/asset/file/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      'http://localhost/asset/file/%2Fetc%2Fpasswd',
      'http://localhost/asset/file//etc/passwd',
      'studio://asset/file/..%5c..%5csecret.txt',
      'http://localhost/asset/file/a.txt/../../x',
    ]) {
      const res = await get(url);
      expect([400, 404], url).toContain(res.status);
      expect(await res.text()).not.toContain('root:');
    }
  });

  it('does not follow a symlink out of the allowed roots', async () => {
    const res = await get('http://localhost/asset/file/link.txt');
    expect(res.status).toBe(404);
  });

  it('only answers GET and HEAD', async () => {
    expect((await engine.assets.handle(new Request('http://localhost/asset/file/a.txt', { method: 'POST' }))).status).toBe(405);
  });
});
