// jobs.* methods: thin over the job manager.
import type { HandlerGroup } from './handler-types.js';

export const jobHandlers: HandlerGroup<'jobs.list' | 'jobs.get' | 'jobs.cancel' | 'jobs.resume' | 'jobs.wait'> = {
  'jobs.list': (args, ctx) => ctx.jobs.list(args),
  'jobs.get': ({ id }, ctx) => ctx.jobs.get(id),
  'jobs.cancel': ({ id }, ctx) => ctx.jobs.cancel(id),
  'jobs.resume': ({ id }, ctx) => ctx.jobs.resume(id),
  'jobs.wait': ({ id, interactive }, ctx) => ctx.jobs.wait(id, ctx.signal, { interactive: interactive === true }),
};
