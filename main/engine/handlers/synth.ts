// 'synth.generate': checks the output folder up front (so a bad folder is an immediate, clear error
// rather than a failed job) and starts the generation job.
import path from 'node:path';
import { parseSynthSize } from '../../../shared/contract/synth.js';
import { prepareOutput } from '../synth/generate.js';
import { SYNTH_JOB_KIND } from '../synth/synth-job.js';
import type { HandlerGroup } from './handler-types.js';

export const synthHandlers: HandlerGroup<'synth.generate'> = {
  'synth.generate': (args, ctx) => {
    const { width, height } = parseSynthSize(args.size);
    const out = path.resolve(args.out);
    prepareOutput({ ...args, out, width, height });
    return { jobId: ctx.jobs.submit(SYNTH_JOB_KIND, { ...args, out }).id };
  },
};
