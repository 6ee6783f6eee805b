// Worker half of 'datasets.import': runs in a worker thread with a read-only database connection.
import { openDatabase } from '../db/connection.js';
import type { JobRunner } from '../jobs/job-kind.js';
import { jobDatasetId } from './import-job.js';
import { importJobParamsSchema, runImport } from './importer.js';

export const run: JobRunner = async (ctx, rawParams) => {
  const params = importJobParamsSchema.parse(rawParams);
  const db = openDatabase(ctx.databasePath, { readonly: true });
  try {
    return await runImport(params, {
      workspaceRoot: ctx.workspaceRoot,
      db,
      fallbackDatasetId: jobDatasetId(ctx.jobId),
      signal: ctx.signal,
      progress: (u) => ctx.progress(u),
      log: (m, level) => ctx.log(m, level),
    });
  } finally {
    db.close();
  }
};
