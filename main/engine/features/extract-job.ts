// Host half of the 'features.extract' job kind: params, title, the shard writes the worker asks for,
// and the feature-set row written when it completes.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EXECUTION_PROVIDERS, preprocessingSchema } from '../../../shared/contract/backbones.js';
import { StudioError } from '../../../shared/contract/errors.js';
import { deleteShard, getFeatureSet, insertShard, upsertFeatureSet } from '../db/queries/features.js';
import type { HostContext, JobKindDefinition } from '../jobs/job-kind.js';
import type { ExtractParams, ExtractResult, RegisterShardPayload } from './extract.js';

const paramsSchema = z
  .object({
    featureSetId: z.string().regex(/^[A-Za-z0-9_-]+$/),
    datasetId: z.string().min(1),
    backbone: z.string().min(1),
    family: z.string(),
    patchSize: z.number().int().positive(),
    modelSha256: z.string().nullable(),
    cacheKey: z.string().regex(/^[a-f0-9]+$/),
    preprocessing: preprocessingSchema,
    provider: z.enum(EXECUTION_PROVIDERS).optional(),
    threads: z.number().int().positive().optional(),
    batchSize: z.number().int().positive().optional(),
    shardBytes: z.number().int().positive().optional(),
    prefetch: z.boolean().optional(),
    preprocessInThread: z.boolean().optional(),
    attention: z.enum(['fused', 'as-exported']).optional(),
  })
  .strict();

const registerSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]+$/),
  cacheKey: z.string(),
  file: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  tensors: z.number().int(),
  entries: z.array(z.object({ contentHash: z.string(), firstSlot: z.number().int(), crops: z.number().int() })),
});

function inside(host: HostContext, rel: string): string {
  const abs = path.resolve(host.workspace.root, rel);
  if (!abs.startsWith(path.join(host.workspace.root, 'features') + path.sep)) {
    throw new StudioError('bad_request', `feature shard path ${rel} is outside the workspace's feature cache`);
  }
  return abs;
}

export const featuresExtractKind: JobKindDefinition<ExtractParams> = {
  kind: 'features.extract',
  worker: new URL('./extract-worker.js', import.meta.url),
  heavy: true,
  params: paramsSchema as z.ZodType<ExtractParams>,
  title: (p) =>
    `Features: ${p.backbone} on ${p.datasetId} (${p.preprocessing.width}×${p.preprocessing.height}${p.preprocessing.crops === 'five' ? ', five-crop' : ''})`,
  hostOps: {
    registerShard(host, _job, payload) {
      const p = registerSchema.parse(payload) as RegisterShardPayload;
      inside(host, p.file);
      insertShard(host.db, { id: p.id, cache_key: p.cacheKey, file: p.file, sha256: p.sha256, bytes: p.bytes, tensors: p.tensors }, p.entries);
      return null;
    },
    dropShard(host, _job, payload) {
      const { shardId } = z.object({ shardId: z.string() }).parse(payload);
      const row = deleteShard(host.db, shardId);
      if (row) fs.rmSync(inside(host, row.file), { force: true });
      return null;
    },
  },
  complete(host, job, raw) {
    const r = raw as ExtractResult;
    const p = job.params;
    const previous = getFeatureSet(host.db, p.featureSetId);
    const row = upsertFeatureSet(host.db, {
      id: p.featureSetId,
      dataset_id: p.datasetId,
      backbone: p.backbone,
      backbone_key: p.modelSha256 ? `onnx:${p.modelSha256}` : p.backbone,
      family: p.family,
      patch_size: p.patchSize,
      preprocessing: JSON.stringify(p.preprocessing),
      cache_key: p.cacheKey,
      provider: r.provider ?? previous?.provider ?? 'cache',
      grid_h: r.grid.h,
      grid_w: r.grid.w,
      dim: r.dim,
      frame_count: r.frameCount,
      item_count: r.itemCount,
      job_id: job.id,
    });
    return { ...r, featureSetId: row.id, provider: row.provider };
  },
};
