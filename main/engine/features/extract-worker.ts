// Worker half of the 'features.extract' job: reads the DB read-only, writes shards to disk, and asks
// the host to register each shard (the host is the single DB writer).
import { openDatabase } from '../db/connection.js';
import type { JobContext } from '../jobs/job-kind.js';
import { poolExtractHooks } from '../pool/features-remote.js';
import { extractFeatures, type ExtractParams, type ExtractResult } from './extract.js';

export async function run(ctx: JobContext, params: ExtractParams): Promise<ExtractResult> {
  const db = openDatabase(ctx.databasePath, { readonly: true });
  try {
    const result = await extractFeatures(
      {
        db,
        workspaceRoot: ctx.workspaceRoot,
        throwIfCancelled: () => ctx.throwIfCancelled(),
        progress: (u) => ctx.progress(u),
        log: (m, level) => ctx.log(m, level),
        registerShard: async (payload) => {
          await ctx.hostCall('registerShard', payload);
          ctx.saveCheckpoint(payload.entries.length, { lastShard: payload.id });
        },
        dropShard: async (shardId) => {
          await ctx.hostCall('dropShard', { shardId });
        },
        ...poolExtractHooks(ctx, db, params),
      },
      params,
    );
    for (const f of result.providerFallbacks) ctx.log(`provider ${f.provider} not used: ${f.reason}`, 'warn');
    return result;
  } finally {
    db.close();
  }
}
