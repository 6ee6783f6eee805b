import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, externalUrlToOpen, isAllowedNavigation } from '../../../main/electron/navigation.js';

describe('isAllowedNavigation', () => {
  it.each([
    APP_ENTRY_URL,
    'studio://app/',
    'studio://app/index.html#/concepts',
    'studio://app/index.html?x=1',
    'STUDIO://APP/index.html',
  ])('allows the app page %s', (url) => expect(isAllowedNavigation(url)).toBe(true));

  it.each([
    'studio://asset/frame/abc',
    'studio://app.evil.example/index.html',
    'studio://user:pw@app/index.html',
    'studio://app:8080/index.html',
    'http://app/index.html',
    'https://example.com/',
    'file:///etc/passwd',
    'file:///work/main/dist/renderer/index.html',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'blob:studio://app/1234',
    'about:blank',
    'chrome://settings',
    'devtools://devtools/bundled/inspector.html',
    'not a url',
    '',
  ])('refuses %s', (url) => expect(isAllowedNavigation(url)).toBe(false));
});

describe('externalUrlToOpen', () => {
  it('hands https links to the system browser, normalised', () => {
    expect(externalUrlToOpen('https://github.com/x/y')).toBe('https://github.com/x/y');
    expect(externalUrlToOpen('HTTPS://Example.COM')).toBe('https://example.com/');
  });

  it.each([
    'http://example.com',
    'file:///etc/passwd',
    'smb://host/share',
    'studio://app/index.html',
    'mailto:a@b.c',
    'javascript:alert(1)',
    'https://user:pw@example.com/',
    'ms-msdt:/id',
    'garbage',
  ])('drops %s', (url) => expect(externalUrlToOpen(url)).toBeNull());
});
