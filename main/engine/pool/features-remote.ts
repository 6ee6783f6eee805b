// Feature extraction on the pool: the job's missing frames become one task per shard; each verified
// result is registered through the engine host as it arrives, so a restart keeps every finished shard.
import type { Database } from 'better-sqlite3';
import { cropCount } from '../backbones/preprocess.js';
import { describeBackbone } from '../backbones/registry.js';
import { getModelByName } from '../db/queries/models.js';
import type { ExtractEnv, ExtractParams } from '../features/extract.js';
import { defaultBatchFrames, type ComputeOutcome, type FrameToCompute } from '../features/extract-compute.js';
import type { JobContext } from '../jobs/job-kind.js';
import type { PoolTask } from './client.js';
import { framesPerShard, verifiedShard } from './features-plan.js';
import { taskId } from './protocol.js';
import { configuredQueue } from './queue-config.js';
import type { FeaturesShardResult } from './tasks/features-shard.js';

/** `{ computeRemote }` for extractFeatures when a queue is configured; `{}` keeps extraction local. */
export function poolExtractHooks(ctx: JobContext, db: Database, params: ExtractParams): Pick<ExtractEnv, 'computeRemote'> {
  const queue = configuredQueue(db);
  if (!queue) return {};
  return { computeRemote: (todo) => extractOnPool(ctx, db, params, queue, todo, (p) => ctx.hostCall('registerShard', p).then(() => undefined)) };
}

export async function extractOnPool(
  ctx: Pick<JobContext, 'workspaceRoot' | 'progress' | 'log' | 'signal'>,
  db: Database,
  params: ExtractParams,
  queue: string,
  todo: readonly FrameToCompute[],
  register: (payload: FeaturesShardResult['shards'][number]) => Promise<void>,
): Promise<ComputeOutcome> {
  const prep = params.preprocessing;
  const d = describeBackbone(db, params.backbone);
  const crops = cropCount(prep.crops);
  // Fixed here, so every worker batches as the local engine would (and as each other).
  const batchSize = params.batchSize ?? defaultBatchFrames(d, prep, crops);
  const per = framesPerShard(prep, params.patchSize, d.dim, crops, batchSize, params.shardBytes);
  const taskParams: ExtractParams = { ...params, batchSize };
  const model = getModelByName(db, params.backbone) ?? null;
  const chunks: FrameToCompute[][] = [];
  for (let i = 0; i < todo.length; i += per) chunks.push(todo.slice(i, i + per));

  let provider: string | null = null;
  let fallbacks: ComputeOutcome['fallbacks'] = [];
  let dim: number | null = null;
  const tasks: PoolTask[] = [];
  const hashesOf = new Map<string, string[]>();
  for (const items of chunks) {
    const hashes = items.map((i) => i.hash);
    // A shard a previous run left on disk (its engine stopped before registering it) needs no task.
    const onDisk = verifiedShard(ctx.workspaceRoot, params.cacheKey, hashes);
    if (onDisk) {
      await register(onDisk);
      continue;
    }
    const id = taskId('features.shard', { root: ctx.workspaceRoot, cacheKey: params.cacheKey, batchSize, shardBytes: params.shardBytes ?? null, hashes });
    hashesOf.set(id, hashes);
    tasks.push({ id, data: { kind: 'features.shard', workspaceRoot: ctx.workspaceRoot, input: { params: taskParams, items, model } } });
  }
  const skipped: { hash: string; reason: string }[] = [];
  if (tasks.length === 0) return { provider, fallbacks, dim, skipped };

  // Loaded only here: an engine without a queue never loads bullmq.
  const { PoolClient } = await import('./client.js');
  const client = await PoolClient.open(queue);
  try {
    const workers = await client.workers();
    ctx.log(
      workers.length > 0
        ? `pool ${client.display}: ${tasks.length} shard task(s) of ≤${per} frames for ${workers.length} worker(s): ${workers.join(', ')}`
        : `pool ${client.display}: ${tasks.length} shard task(s) queued; no worker is connected yet (start one with \`cause-studio worker\`)`,
      workers.length > 0 ? 'info' : 'warn',
    );
    let workerCount = workers.length;
    const verified = new Map<string, FeaturesShardResult['shards'][number] | null>();
    let lastPoll = Date.now();
    await client.run<FeaturesShardResult>(tasks, {
      // The studio registers what it read back from disk, never the worker's word for it.
      // Frames the worker could not decode are left out of its shard (and listed), as locally.
      verify: (task, r) => {
        const left = new Set(r.skipped.map((x) => x.hash));
        const expected = hashesOf.get(task.id)!.filter((h) => !left.has(h));
        if (expected.length === 0) {
          const none = r.shards.length === 0;
          if (none) verified.set(task.id, null);
          return none;
        }
        const ok = r.shards.length === 1 ? verifiedShard(ctx.workspaceRoot, params.cacheKey, expected, r.shards[0]!.sha256) : null;
        if (ok) verified.set(task.id, ok);
        return ok !== null;
      },
      onResult: async (task, env) => {
        const shard = verified.get(task.id);
        if (shard) await register(shard);
        verified.delete(task.id);
        skipped.push(...env.result.skipped);
        provider ??= env.result.provider;
        if (env.result.fallbacks.length > 0) fallbacks = env.result.fallbacks;
        dim ??= env.result.dim;
      },
      onProgress: (done, finished, total) => {
        if (Date.now() - lastPoll > 5000) {
          lastPoll = Date.now();
          void client.workers().then((w) => (workerCount = w.length), () => undefined);
        }
        ctx.progress({
          stage: 'extracting',
          fraction: done / total,
          step: finished,
          totalSteps: total,
          message: `${finished}/${total} shards on the pool (${workerCount} worker${workerCount === 1 ? '' : 's'})`,
        });
      },
      log: (m, level) => ctx.log(m, level),
      signal: ctx.signal,
    });
  } finally {
    await client.close();
  }
  return { provider, fallbacks, dim, skipped };
}
