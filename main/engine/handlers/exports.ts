// exports.* methods.
import { listExports } from '../db/queries/exports.js';
import type { HandlerGroup } from './handler-types.js';

export const exportHandlers: HandlerGroup<'exports.video' | 'exports.list'> = {
  'exports.video': (args, ctx) => ({ jobId: ctx.jobs.submit('exports.video', args).id }),
  'exports.list': ({ experimentId }, ctx) => listExports(ctx.db, experimentId),
};
