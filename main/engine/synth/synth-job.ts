// Host half of the 'synth.generate' job kind. Generation writes only files (no database rows), so the
// host part is the parameter schema and the title; the result (frame counts, classes) is stored with
// the job.
import path from 'node:path';
import type { z } from 'zod';
import { synthGenerateArgs, type SynthGenerateArgs } from '../../../shared/contract/synth.js';
import type { JobKindDefinition } from '../jobs/job-kind.js';

export const SYNTH_JOB_KIND = 'synth.generate';

export const synthGenerateKind: JobKindDefinition<SynthGenerateArgs> = {
  kind: SYNTH_JOB_KIND,
  worker: new URL('./synth-worker.js', import.meta.url),
  heavy: true,
  params: synthGenerateArgs as unknown as z.ZodType<SynthGenerateArgs>,
  title: (p) =>
    `SynthDrive: ${p.sequences}×${p.frames} frames, ${p.size}, ${p.weather}, seed ${p.seed}, ${p.split} → ${path.basename(p.out) || p.out}`,
  complete: (_host, _job, result) => result,
};
