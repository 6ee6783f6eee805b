// 'eval.compare': match the concepts of two runs by co-occurrence on the same frames. The worker reads
// both runs' cluster maps; the report is the job's result (nothing else is stored).
import { z } from 'zod';
import type { JobKindDefinition } from '../jobs/job-kind.js';

export const compareJobParamsSchema = z
  .object({
    experimentA: z.string().min(1),
    experimentB: z.string().min(1),
    datasetId: z.string().min(1),
    split: z.string().nullable(),
    geometry: z.enum(['reference', 'full']),
  })
  .strict();
export type CompareJobParams = z.infer<typeof compareJobParamsSchema>;

export const compareJobKind: JobKindDefinition<CompareJobParams> = {
  kind: 'eval.compare',
  worker: new URL('./compare-worker.js', import.meta.url),
  heavy: true,
  params: compareJobParamsSchema,
  title: (p) => `Compare ${p.experimentA} with ${p.experimentB} on ${p.datasetId}`,
  complete: (_host, _job, result) => result,
};
