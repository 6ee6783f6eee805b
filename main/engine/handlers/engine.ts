// engine.* , workspace.* and settings.* methods.
import os from 'node:os';
import fs from 'node:fs';
import { StudioError } from '../../../shared/contract/errors.js';
import { detectComputeBackends } from '../compute-info.js';
import { parseQueueUrl } from '../pool/redis-url.js';
import { schemaVersion } from '../db/connection.js';
import * as settings from '../db/queries/settings.js';
import * as ws from '../db/queries/workspace.js';
import { ENGINE_VERSION } from '../version.js';
import type { HandlerGroup } from './handler-types.js';

/** Settings the engine reads are checked where every client (CLI, UI, any WebSocket peer) writes them. */
function checkSetting(key: string, value: unknown): void {
  if (key === 'ffmpegPath' && value !== null && (typeof value !== 'string' || value.trim() === '' || /[\0\r\n]/.test(value))) {
    throw new StudioError('bad_request', `ffmpegPath: expected the path of an ffmpeg binary (or null to clear it), got ${JSON.stringify(value).slice(0, 80)}`);
  }
  if (key === 'queue' && value !== null) {
    // A bad URL fails here, where it is typed, not in the next feature extraction.
    if (typeof value !== 'string') throw new StudioError('bad_request', 'queue: expected redis://host:port[/db] (or null to clear it)');
    try {
      parseQueueUrl(value);
    } catch (e) {
      throw new StudioError('bad_request', `queue: ${(e as Error).message.replace(/^--queue:? ?/, '')}`);
    }
  }
}

function diskFree(dir: string): number | null {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

export const engineHandlers: HandlerGroup<'engine.info' | 'workspace.info' | 'settings.get' | 'settings.set' | 'settings.list'> = {
  'engine.info': (_args, ctx) => ({
    version: ENGINE_VERSION,
    workspace: ctx.workspace.root,
    databasePath: ctx.workspace.databasePath,
    schemaVersion: schemaVersion(ctx.db),
    backends: detectComputeBackends(),
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
  }),
  'workspace.info': (_args, ctx) => {
    const info = ws.readWorkspaceInfo(ctx.db);
    return {
      path: ctx.workspace.root,
      workspaceId: info.workspaceId,
      createdAt: info.createdAt,
      schemaVersion: schemaVersion(ctx.db),
      engineVersion: ENGINE_VERSION,
      counts: ws.tableCounts(ctx.db),
      diskFreeBytes: diskFree(ctx.workspace.root),
    };
  },
  'settings.get': ({ key }, ctx) => {
    const value = settings.getSetting(ctx.db, key);
    if (value === undefined) throw new StudioError('not_found', `no setting '${key}'`);
    return { key, value };
  },
  'settings.set': ({ key, value }, ctx) => {
    checkSetting(key, value);
    settings.setSetting(ctx.db, key, value);
    return { key, value };
  },
  'settings.list': (_args, ctx) => settings.listSettings(ctx.db),
};
