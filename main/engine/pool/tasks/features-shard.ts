// Pool task 'features.shard' (runs in a worker thread of `cause-studio worker`): the frames of one shard
// through the same compute step as the local engine, written under the shard's input-hash name. A
// shard already on disk and whole is returned as is, so a duplicated or retried task costs a read.
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { openDatabase } from '../../db/connection.js';
import { insertModel, type ModelRow } from '../../db/queries/models.js';
import type { RegisterShardPayload, ExtractParams } from '../../features/extract.js';
import { computeMissing } from '../../features/extract-compute.js';
import { featuresExtractKind } from '../../features/extract-job.js';
import type { JobContext } from '../../jobs/job-kind.js';
import { shardName, verifiedShard } from '../features-plan.js';

export const featuresShardInput = z
  .object({
    params: z.unknown(),
    items: z.array(z.object({ hash: z.string().regex(/^[a-f0-9]{64}$/), file: z.string().min(1) }).strict()).min(1),
    /** The backbone's row of the studio's models table (null for built-in backbones). */
    model: z.record(z.string(), z.unknown()).nullable(),
  })
  .strict();

export interface FeaturesShardResult {
  readonly shards: RegisterShardPayload[];
  readonly provider: string | null;
  readonly fallbacks: readonly { provider: string; reason: string }[];
  readonly dim: number | null;
  /** Frames of the shard whose image could not be decoded (left out of it). */
  readonly skipped: readonly { hash: string; reason: string }[];
  readonly computeMs: number;
  /** True when the shard was already on disk, whole, and nothing ran. */
  readonly reused: boolean;
}

export async function run(ctx: JobContext, raw: unknown): Promise<FeaturesShardResult> {
  const t0 = performance.now();
  const input = featuresShardInput.parse(raw);
  const params = featuresExtractKind.params.parse(input.params) as ExtractParams;
  const hashes = input.items.map((i) => i.hash);
  const existing = verifiedShard(ctx.workspaceRoot, params.cacheKey, hashes);
  if (existing) return { shards: [existing], provider: null, fallbacks: [], dim: null, skipped: [], computeMs: performance.now() - t0, reused: true };
  // The compute step looks the backbone up in a database; a worker (maybe on another machine, where the
  // studio's SQLite file cannot be shared safely) gives it a private one holding only the model's row.
  const db = openDatabase(':memory:');
  if (input.model) insertModel(db, input.model as unknown as ModelRow);
  const shards: RegisterShardPayload[] = [];
  try {
    const out = await computeMissing(
      {
        db,
        workspaceRoot: ctx.workspaceRoot,
        throwIfCancelled: () => ctx.throwIfCancelled(),
        progress: (u) => ctx.progress(u),
        log: (m, level) => ctx.log(m, level),
        registerShard: (p) => {
          shards.push(p);
          return Promise.resolve();
        },
        dropShard: () => Promise.resolve(),
      },
      params,
      input.items,
      { nameShard: (h) => shardName(params.cacheKey, h) },
    );
    return { shards, provider: out.provider, fallbacks: out.fallbacks, dim: out.dim, skipped: out.skipped, computeMs: performance.now() - t0, reused: false };
  } finally {
    db.close();
  }
}
