// One fetch-style handler for frames, masks and thumbnails, used by Electron's `protocol.handle('studio')`
// and by the HTTP server of `serve`. It resolves ids through registered resolvers — a request string
// never becomes a filesystem path — and refuses any resolved file outside the allowed roots.
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Workspace } from '../workspace.js';

export interface AssetContext {
  readonly db: Database;
  readonly workspace: Workspace;
}

/** What a resolver hands back: a file it vouches for, or bytes it made. */
export type AssetBody =
  | { readonly file: string; readonly contentType: string; readonly maxAge?: number }
  | { readonly bytes: Uint8Array; readonly contentType: string; readonly maxAge?: number };

/** `null` = no such id (404). Throw StudioError('bad_request') for malformed parameters. */
export type AssetResolver = (id: string, params: URLSearchParams, ctx: AssetContext) => Promise<AssetBody | null>;

/** Roots a resolved file may lie under, besides the workspace (e.g. registered dataset roots). */
export type RootProvider = (ctx: AssetContext) => readonly string[];

const TYPE_RE = /^[a-z][a-z0-9-]{0,31}$/;
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

export class AssetServer {
  private readonly resolvers = new Map<string, AssetResolver>();
  private readonly rootProviders: RootProvider[] = [];

  constructor(private readonly ctx: AssetContext) {}

  register(type: string, resolver: AssetResolver): void {
    if (!TYPE_RE.test(type)) throw new Error(`bad asset type '${type}'`);
    if (this.resolvers.has(type)) throw new Error(`asset type '${type}' registered twice`);
    this.resolvers.set(type, resolver);
  }

  addRoots(provider: RootProvider): void {
    this.rootProviders.push(provider);
  }

  /** Handles `studio://asset/<type>/<id>?…` and `http://host/asset/<type>/<id>?…`. */
  handle = async (request: Request): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return text(400, 'bad url');
    }
    // Work on the raw (still percent-encoded) path so `%2e%2e` and `%2f` cannot sneak past as segments.
    const raw = url.protocol === 'studio:' ? `/${url.host}${url.pathname}` : url.pathname;
    const parts = raw.split('/').slice(1);
    // Answers name what was asked for (cut short: a request is not an echo service).
    if (parts.length !== 3 || parts[0] !== 'asset') return text(404, `not found: ${clip(raw)}`);
    const [, type, encodedId] = parts as [string, string, string];
    if (!TYPE_RE.test(type)) return text(400, `bad asset type '${clip(type)}'`);
    if (!ID_RE.test(encodedId) || encodedId.includes('..')) return text(400, `bad asset id '${clip(encodedId)}'`);
    const resolver = this.resolvers.get(type);
    if (!resolver) return text(404, `no asset type '${type}' (known: ${[...this.resolvers.keys()].join(', ')})`);
    const what = `${type}/${encodedId}`;
    let body: AssetBody | null;
    try {
      body = await resolver(encodedId, url.searchParams, this.ctx);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'bad_request' || code === 'invalid_input') return text(400, `${what}: ${(e as Error).message}`);
      if (code === 'not_found') return text(404, `${what}: ${(e as Error).message}`);
      return text(500, `${what}: ${(e as Error).message}`);
    }
    if (!body) return text(404, `${what}: not found (no such id, or its dataset was removed)`);
    const headers: Record<string, string> = {
      'content-type': body.contentType,
      'cache-control': body.maxAge ? `private, max-age=${body.maxAge}` : 'no-cache',
      'x-content-type-options': 'nosniff',
    };
    if ('bytes' in body) return new Response(request.method === 'HEAD' ? null : body.bytes, { status: 200, headers });
    const file = this.checkedFile(body.file);
    if (!file) return text(404, `${what}: not found (its file is missing or outside the allowed folders)`);
    const data = await fs.promises.readFile(file);
    return new Response(request.method === 'HEAD' ? null : data, { status: 200, headers });
  };

  /** The real path of a resolver's file if it lies under an allowed root (symlinks followed), else null. */
  private checkedFile(file: string): string | null {
    let real: string;
    try {
      real = fs.realpathSync(file);
      if (!fs.statSync(real).isFile()) return null;
    } catch {
      return null;
    }
    const roots = [this.ctx.workspace.root, ...this.rootProviders.flatMap((p) => p(this.ctx))];
    for (const root of roots) {
      let realRoot: string;
      try {
        realRoot = fs.realpathSync(root);
      } catch {
        continue;
      }
      const rel = path.relative(realRoot, real);
      if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return real;
    }
    return null;
  }
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

function text(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}
