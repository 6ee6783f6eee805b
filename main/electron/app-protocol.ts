// The `studio://` scheme: `studio://app/...` serves the renderer bundle from disk, `studio://asset/...`
// goes to the engine's asset server. Serving the app from a privileged custom scheme instead of
// file:// gives the page a real origin ('self' in the CSP means the bundle only) and keeps file://
// — and with it every local file — out of reach of the page.
import fs from 'node:fs';
import path from 'node:path';
import type { CustomScheme } from 'electron';
import { CONTENT_SECURITY_POLICY } from './csp.js';
import { APP_HOST, ASSET_HOST, STUDIO_SCHEME } from './navigation.js';

export const STUDIO_SCHEME_PRIVILEGES = {
  scheme: STUDIO_SCHEME,
  privileges: {
    // Origin semantics (host, relative URLs, 'self'), like https.
    standard: true,
    // A secure context, so the page gets the same APIs it would on https.
    secure: true,
    // fetch() of assets (mask bytes for hover read-outs).
    supportFetchAPI: true,
    // studio://app reading studio://asset is cross-origin: module scripts and canvas reads need CORS.
    corsEnabled: true,
    // Videos stream instead of being buffered whole.
    stream: true,
    codeCache: true,
    // Never: the CSP must apply to everything this scheme serves.
    bypassCSP: false,
    allowServiceWorkers: false,
  },
} as const satisfies CustomScheme;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

function textResponse(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/**
 * The file under `root` that a `studio://app/...` URL names, or null when the URL is not for the app
 * host or tries to leave the bundle (`..`, encoded separators, NUL, backslashes, absolute paths).
 * `/` maps to index.html. Does not touch the disk.
 */
export function appFileForUrl(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${STUDIO_SCHEME}:` || u.host.toLowerCase() !== APP_HOST) return null;
  const rawSegments = u.pathname.split('/').slice(1);
  const segments: string[] = [];
  for (const raw of rawSegments) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg === '' || seg === '.') continue;
    if (seg === '..' || /[\\/\0:]/.test(seg)) return null;
    segments.push(seg);
  }
  const rel = segments.length === 0 ? 'index.html' : segments.join('/');
  const absRoot = path.resolve(root);
  const file = path.resolve(absRoot, rel);
  const inside = path.relative(absRoot, file);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) return null;
  return file;
}

/**
 * Serves the renderer bundle. Symlinks are resolved and must stay inside the bundle. HTML gets the CSP
 * as a header here because webRequest hooks do not see custom-protocol responses on every Electron
 * version; the session-wide onHeadersReceived hook covers everything else.
 */
export async function serveAppFile(root: string, request: Request): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'method not allowed');
  const file = appFileForUrl(root, request.url);
  if (!file) return textResponse(404, 'not found');
  let real: string;
  let realRoot: string;
  try {
    real = await fs.promises.realpath(file);
    realRoot = await fs.promises.realpath(root);
    if (!(await fs.promises.stat(real)).isFile()) return textResponse(404, 'not found');
  } catch {
    return textResponse(404, 'not found');
  }
  const rel = path.relative(realRoot, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return textResponse(404, 'not found');
  const body = request.method === 'HEAD' ? null : await fs.promises.readFile(real);
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    },
  });
}

export interface StudioRoutes {
  readonly app: (request: Request) => Promise<Response>;
  readonly asset: (request: Request) => Promise<Response>;
}

/** `protocol.handle('studio', …)`: picks the route by host; unknown hosts are 404. */
export function createStudioProtocolHandler(routes: StudioRoutes): (request: Request) => Promise<Response> {
  return async (request) => {
    let host: string;
    try {
      host = new URL(request.url).host.toLowerCase();
    } catch {
      return textResponse(400, 'bad url');
    }
    if (host === APP_HOST) return routes.app(request);
    if (host === ASSET_HOST) return routes.asset(request);
    return textResponse(404, 'not found');
  };
}
