// Step 3 of feature extraction: compute the frames the cache lacks and write them as shards. The local
// engine calls it for a whole dataset; a pool worker (main/engine/pool/) for one shard's frames, naming
// the shard by the hash of its inputs so a retried or duplicated job writes the same file.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Preprocessing } from '../../../shared/contract/backbones.js';
import type { Backbone } from '../backbones/backbone.js';
import { describeBackbone, openBackbone } from '../backbones/registry.js';
import { cropCount } from '../backbones/preprocess.js';
import { inThreadPreprocessor, workerPreprocessor } from './preprocessor.js';
import { cacheDir } from './manifest.js';
import { writeShardAsync } from './shard-format.js';
import type { ShardMeta } from './shard-encoder.js';
import type { ExtractEnv, ExtractParams } from './extract.js';

/** A distinct frame content the cache lacks. */
export interface FrameToCompute {
  readonly hash: string;
  readonly file: string;
}

export interface ComputeOutcome {
  /** Provider that computed the features. */
  readonly provider: string | null;
  readonly fallbacks: readonly { provider: string; reason: string }[];
  readonly dim: number | null;
  /** Frames whose image could not be decoded: left out of the shards, listed by the caller. */
  readonly skipped: readonly { hash: string; reason: string }[];
}

export interface ComputeOptions {
  /** The shard's id from its frames' content hashes (pool jobs); default a fresh random id. */
  nameShard?(contentHashes: readonly string[]): string;
  /** Frames found in the cache (for the progress message). */
  readonly reused?: number;
}

/** Target shard size in bytes when the params name none. */
export const DEFAULT_SHARD_BYTES = 64 * 1024 * 1024;

/**
 * Frames per batch when not given: up to 8 images, fewer when one image's attention maps are large
 * (ViT-B/8 at 320: 12 heads × 1601² floats ≈ 120 MB per image) — measured here, batch 8 of ViT-B/8
 * ran at half the per-image speed of batch 1 (memory-bound softmax) and needs gigabytes.
 */
export function defaultBatchFrames(backbone: Pick<Backbone, 'kind' | 'dim' | 'patchSize'>, prep: Preprocessing, crops: number): number {
  let images = 8;
  if (backbone.kind === 'onnx') {
    const tokens = (prep.width / backbone.patchSize) * (prep.height / backbone.patchSize) + 1;
    const heads = Math.max(1, Math.round(backbone.dim / 64));
    const attentionBytes = heads * tokens * tokens * 4;
    images = Math.min(8, Math.max(1, Math.floor((64 * 1024 * 1024) / attentionBytes)));
  }
  return Math.max(1, Math.floor(images / crops));
}

/** Batches decoded ahead of inference (see the extraction loop). */
const PREFETCH_BATCHES = 2;

export async function computeMissing(
  env: ExtractEnv,
  params: ExtractParams,
  todo: readonly FrameToCompute[],
  options: ComputeOptions = {},
): Promise<ComputeOutcome> {
  const prep = params.preprocessing;
  const crops = cropCount(prep.crops);
  const shardBytes = params.shardBytes ?? DEFAULT_SHARD_BYTES;
  const overlap = params.prefetch ?? true;
  const reused = options.reused ?? 0;
  let provider: string | null = null;
  let fallbacks: readonly { provider: string; reason: string }[] = [];
  let dimSeen: number | null = null;
  const dir = cacheDir(env.workspaceRoot, params.cacheKey);
  fs.mkdirSync(dir, { recursive: true });
  const per = 3 * prep.width * prep.height;
  const pre = params.preprocessInThread ? inThreadPreprocessor(prep) : workerPreprocessor(prep);
  const encoder = pre.shardEncoder();
  const skipped: { hash: string; reason: string }[] = [];
  const prepare = (batchItems: { hash: string; file: string }[]) => {
    const ready = Promise.allSettled(batchItems.map((it) => pre.run(it.file, it.hash))).then((settled) => {
      const items: { hash: string; file: string }[] = [];
      const data = new Float32Array(settled.filter((r) => r.status === 'fulfilled').length * crops * per);
      settled.forEach((r, k) => {
        const it = batchItems[k]!;
        if (r.status === 'fulfilled') {
          data.set(r.value, items.length * crops * per);
          items.push(it);
        } else {
          const reason = r.reason instanceof Error ? r.reason.message.replace(`${it.file}: `, '') : String(r.reason);
          if ((r.reason as { code?: string } | null)?.code === 'cancelled') throw r.reason;
          skipped.push({ hash: it.hash, reason });
          env.log(`${it.file}: frame skipped (${reason})`, 'warn');
        }
      });
      return { items, data };
    });
    // Keep a rejected prefetch from surfacing as unhandled if we stop early; awaiting it still throws.
    ready.catch(() => undefined);
    return ready;
  };
  // Batches queued ahead of inference. Requests reach the preprocessing thread only when this thread
  // is between two `session.run` calls, so one batch ahead would leave that thread idle whenever a
  // batch's decode finishes early; two keep it busy through a whole inference.
  const depth = overlap ? PREFETCH_BATCHES : 1;
  const queue: Promise<{ items: { hash: string; file: string }[]; data: Float32Array }>[] = [];
  let queued = 0;
  let batchFrames = params.batchSize ?? null;
  const fill = () => {
    while (batchFrames !== null && queue.length < depth && queued < todo.length) {
      const items = todo.slice(queued, queued + batchFrames);
      queued += items.length;
      queue.push(prepare(items));
    }
  };
  // The batch size is known from the store's descriptor, so the first batches decode while the
  // model loads (loading blocks this thread for seconds on a large model).
  if (batchFrames === null && !env.openBackbone) batchFrames = defaultBatchFrames(describeBackbone(env.db, params.backbone), prep, crops);
  fill();
  let backbone: Backbone | null = null;
  let written: Promise<void> = Promise.resolve();
  try {
    backbone = env.openBackbone
      ? await env.openBackbone()
      : await openBackbone(env.db, params.backbone, {
          workspaceRoot: env.workspaceRoot,
          ...(params.provider ? { provider: params.provider } : {}),
          ...(params.threads ? { threads: params.threads } : {}),
          ...(params.attention ? { attention: params.attention } : {}),
          onLog: (m) => env.log(m, 'warn'),
        });
    provider = backbone.provider;
    batchFrames ??= defaultBatchFrames(backbone, prep, crops);
    fallbacks = (backbone as { fallbacks?: readonly { provider: string; reason: string }[] }).fallbacks ?? [];
    fill();

    let pendingBytes = 0;
    let done = 0;
    // Encoding happens on the encoder's thread; the write and the host's registration of the
    // previous shard run while this thread is in inference. One shard in flight bounds memory.
    const flush = async (meta: ShardMeta) => {
      await written;
      const encoded = encoder.flush(meta);
      pendingBytes = 0;
      written = encoded.then(async (shard) => {
        if (!shard) return;
        const id = options.nameShard?.(shard.header.entries.map((e) => e.contentHash)) ?? `${Date.now().toString(36)}-${crypto.randomBytes(6).toString('hex')}`;
        const rel = path.join('features', 'cache', params.cacheKey, `${id}.csf`);
        await writeShardAsync(path.join(env.workspaceRoot, rel), shard);
        await env.registerShard({
          id,
          cacheKey: params.cacheKey,
          file: rel,
          sha256: shard.fileSha256,
          bytes: shard.bytes.length,
          tensors: shard.header.tensors,
          entries: shard.header.entries,
        });
      });
      written.catch(() => undefined);
    };

    const started = Date.now();
    while (queue.length > 0) {
      const batch = await queue.shift()!;
      if (overlap) fill();
      env.throwIfCancelled();
      if (batch.items.length === 0) {
        if (!overlap) fill();
        continue;
      }
      const grid = await backbone.extract({ data: batch.data, n: batch.items.length * crops, height: prep.height, width: prep.width });
      if (!overlap) fill();
      dimSeen = grid.dim;
      const tensorLen = grid.h * grid.w * grid.dim;
      encoder.add(
        batch.items.map((it) => it.hash),
        grid.data,
        crops,
        tensorLen,
      );
      pendingBytes += batch.items.length * crops * tensorLen * 2;
      done += batch.items.length;
      if (pendingBytes >= shardBytes) await flush({ gridH: grid.h, gridW: grid.w, dim: grid.dim });
      const elapsed = (Date.now() - started) / 1000;
      env.progress({
        stage: 'extracting',
        step: done,
        totalSteps: todo.length,
        fraction: done / todo.length,
        message: `${done}/${todo.length} frames (${(done / Math.max(elapsed, 1e-3)).toFixed(2)}/s, ${reused} cached)`,
      });
    }
    await flush({ gridH: prep.height / params.patchSize, gridW: prep.width / params.patchSize, dim: dimSeen ?? backbone.dim });
    await written;
  } finally {
    // A failed write must not go unnoticed, but the first error is the one to report.
    await written.catch(() => undefined);
    await Promise.all([pre.close(), encoder.close()]);
    await backbone?.dispose();
  }
  return { provider, fallbacks, dim: dimSeen, skipped };
}
