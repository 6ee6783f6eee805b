import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  CSP_DIRECTIVES,
  formatCsp,
  parseCsp,
  withCspHeader,
} from '../../../main/electron/csp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('Content-Security-Policy of the Electron window', () => {
  const csp = parseCsp(CONTENT_SECURITY_POLICY);

  it('allows only the app bundle to run scripts: no eval, no inline', () => {
    expect(csp['default-src']).toEqual(["'self'"]);
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|wasm-unsafe-eval|unsafe-hashes|strict-dynamic/);
    expect(CONTENT_SECURITY_POLICY).not.toContain("'unsafe-inline'");
  });

  it('reads images from the app, the studio: asset server, data: and blob: only', () => {
    expect(csp['img-src']).toEqual(["'self'", 'studio:', 'data:', 'blob:']);
    expect(csp['media-src']).toEqual(["'self'", 'studio:', 'blob:']);
  });

  it('connects nowhere but the app and its assets (the engine is behind a MessagePort)', () => {
    expect(csp['connect-src']).toEqual(["'self'", 'studio:']);
    for (const sources of Object.values(csp)) {
      for (const s of sources) expect(s).not.toMatch(/^(https?:|wss?:|\*|file:)/);
    }
  });

  it('forbids plugins, frames, <base> and form posts', () => {
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['frame-src']).toEqual(["'none'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['base-uri']).toEqual(["'none'"]);
    expect(csp['form-action']).toEqual(["'none'"]);
  });

  it('formats and parses back to the same directives', () => {
    expect(parseCsp(formatCsp(CSP_DIRECTIVES))).toEqual(CSP_DIRECTIVES);
    expect(parseCsp("script-src 'self'; script-src *")).toEqual({ 'script-src': ["'self'"] });
  });

  it('replaces any CSP a response brings, in any letter case, and keeps the other headers', () => {
    const headers = withCspHeader({
      'content-security-policy': ["script-src * 'unsafe-eval'"],
      'CONTENT-SECURITY-POLICY': 'default-src *',
      'Content-Type': 'text/html',
      'X-Other': ['a', 'b'],
    });
    expect(headers).toEqual({
      'Content-Type': ['text/html'],
      'X-Other': ['a', 'b'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
    expect(withCspHeader(undefined)).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });

  it("the renderer's <meta> CSP does not loosen scripts (both policies are enforced; the header is the ceiling)", () => {
    const html = fs.readFileSync(path.join(root, 'renderer', 'index.html'), 'utf8');
    const m = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
    expect(m, 'renderer/index.html has a CSP meta tag').not.toBeNull();
    const meta = parseCsp(m![1]!);
    expect(meta['script-src']).toEqual(["'self'"]);
    expect(m![1]).not.toMatch(/unsafe-eval/);
    expect(meta['object-src']).toEqual(["'none'"]);
  });

  it.skipIf(!fs.existsSync(path.join(root, 'dist', 'renderer', 'index.html')))(
    'the built renderer has no inline script or style the header would block (checked once `npm run build:renderer` has run)',
    () => {
      const html = fs.readFileSync(path.join(root, 'dist', 'renderer', 'index.html'), 'utf8');
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      for (const [, attrs, body] of scripts) {
        expect(attrs, 'every script is external').toMatch(/\bsrc=/);
        expect(body!.trim()).toBe('');
      }
      expect(html).not.toMatch(/<style\b/i);
      expect(html).not.toMatch(/\sstyle="/i);
      expect(html).not.toMatch(/\son[a-z]+="/i);
    },
  );
});
