import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appFileForUrl,
  createStudioProtocolHandler,
  serveAppFile,
  STUDIO_SCHEME_PRIVILEGES,
} from '../../../main/electron/app-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../../../main/electron/csp.js';

describe('appFileForUrl', () => {
  const root = path.resolve('/opt/cause/dist/renderer');

  it('maps app URLs to files in the bundle', () => {
    expect(appFileForUrl(root, 'studio://app/')).toBe(path.join(root, 'index.html'));
    expect(appFileForUrl(root, 'studio://app/index.html#/x')).toBe(path.join(root, 'index.html'));
    expect(appFileForUrl(root, 'studio://app/assets/index-abc.js?v=1')).toBe(
      path.join(root, 'assets', 'index-abc.js'),
    );
    expect(appFileForUrl(root, 'studio://app/assets/my%20font.woff2')).toBe(
      path.join(root, 'assets', 'my font.woff2'),
    );
  });

  it('resolves dot segments the way the URL parser (and Chromium) does: never above the bundle', () => {
    expect(appFileForUrl(root, 'studio://app/../secret')).toBe(path.join(root, 'secret'));
    expect(appFileForUrl(root, 'studio://app/assets/../../etc/passwd')).toBe(
      path.join(root, 'etc', 'passwd'),
    );
    expect(appFileForUrl(root, 'studio://app/%2e%2e/%2e%2e/etc/passwd')).toBe(
      path.join(root, 'etc', 'passwd'),
    );
  });

  it.each([
    'studio://app/assets/..%2f..%2fsecret',
    'studio://app/assets/..%5c..%5csecret',
    'studio://app/%2fetc%2fpasswd',
    'studio://app/a%00.js',
    'studio://app/C:%5cWindows',
    'studio://app/%E0%A4%A',
    'studio://asset/frame/1',
    'file:///etc/passwd',
    'nonsense',
  ])('refuses %s', (url) => {
    expect(appFileForUrl(root, url)).toBeNull();
  });
});

describe('serveAppFile', () => {
  let tmp: string;
  let bundle: string;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-app-'));
    bundle = path.join(tmp, 'renderer');
    fs.mkdirSync(path.join(bundle, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(bundle, 'index.html'), '<!doctype html><title>x</title>');
    fs.writeFileSync(path.join(bundle, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(tmp, 'secret.txt'), 'top secret');
    fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(bundle, 'assets', 'link.txt'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const get = (url: string, method = 'GET') => serveAppFile(bundle, new Request(url, { method }));

  it('serves index.html with the CSP header, nosniff and the right type', async () => {
    const r = await get('studio://app/');
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<title>x</title>');
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves scripts as JavaScript (module scripts need it) and HEAD without a body', async () => {
    const r = await get('studio://app/assets/app.js');
    expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await r.text()).toBe('console.log(1)');
    const head = await get('studio://app/assets/app.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
  });

  it('404s files outside the bundle, symlinks out of it, folders and missing files', async () => {
    for (const url of [
      'studio://app/../secret.txt',
      'studio://app/%2e%2e/secret.txt',
      'studio://app/assets/link.txt',
      'studio://app/assets',
      'studio://app/missing.js',
    ]) {
      const r = await get(url);
      expect(r.status, url).toBe(404);
      expect(await r.text()).not.toContain('top secret');
    }
  });

  it('refuses methods other than GET/HEAD', async () => {
    expect((await get('studio://app/index.html', 'POST')).status).toBe(405);
  });
});

describe('studio:// routing and privileges', () => {
  it('sends app and asset hosts to their handlers, anything else 404', async () => {
    const seen: string[] = [];
    const handler = createStudioProtocolHandler({
      app: async (r) => (seen.push(`app ${r.url}`), new Response('a')),
      asset: async (r) => (seen.push(`asset ${r.url}`), new Response('b')),
    });
    expect(await (await handler(new Request('studio://app/index.html'))).text()).toBe('a');
    expect(await (await handler(new Request('studio://asset/frame/f1'))).text()).toBe('b');
    expect((await handler(new Request('studio://other/x'))).status).toBe(404);
    expect(seen).toEqual(['app studio://app/index.html', 'asset studio://asset/frame/f1']);
  });

  it('registers studio: as a standard secure scheme that does not bypass the CSP', () => {
    expect(STUDIO_SCHEME_PRIVILEGES.scheme).toBe('studio');
    expect(STUDIO_SCHEME_PRIVILEGES.privileges).toMatchObject({
      standard: true,
      secure: true,
      supportFetchAPI: true,
      bypassCSP: false,
      allowServiceWorkers: false,
    });
  });
});
