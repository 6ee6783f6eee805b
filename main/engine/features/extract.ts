// Feature extraction for one dataset under one (backbone, preprocessing) key. Runs inside the
// 'features.extract' worker (see extract-job.ts); kept free of the worker plumbing so tests drive it
// directly. Resumable by construction: every finished shard is registered in the database at once,
// and a (re)start skips every frame whose content hash already has a verified entry.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import type { ExecutionProviderChoice, Preprocessing } from '../../../shared/contract/backbones.js';
import type { Backbone } from '../backbones/backbone.js';
import { describeBackbone, openBackbone } from '../backbones/registry.js';
import { cropCount } from '../backbones/preprocess.js';
import { inThreadPreprocessor, workerPreprocessor } from './preprocessor.js';
import { entriesByHash, getShard, type FeatureEntryRow } from '../db/queries/features.js';
import { listFrames, getDataset } from '../datasets/frame-source.js';
import { cacheDir, writeManifest, MANIFEST_SCHEMA_VERSION, type FeatureSetManifest } from './manifest.js';
import { readShardFile, writeShardAsync } from './shard-format.js';
import type { ShardMeta } from './shard-encoder.js';
import { sha256Bytes } from './cache-key.js';

export interface ExtractParams {
  readonly featureSetId: string;
  readonly datasetId: string;
  readonly backbone: string;
  readonly family: string;
  readonly patchSize: number;
  readonly modelSha256: string | null;
  readonly cacheKey: string;
  readonly preprocessing: Preprocessing;
  readonly provider?: ExecutionProviderChoice;
  readonly threads?: number;
  /** Frames per inference batch (each contributes 1 or 5 crops). */
  readonly batchSize?: number;
  /** Target shard size in bytes (default 64 MiB): the bound on buffered output. */
  readonly shardBytes?: number;
  /** Decode the next batch while the current one runs (default true). */
  readonly prefetch?: boolean;
  /** Preprocess and encode shards on the inference thread instead of threads of their own (slower; for comparison). */
  readonly preprocessInThread?: boolean;
  /** 'as-exported' ignores the store's fused-attention variant of the model (for comparison). */
  readonly attention?: 'fused' | 'as-exported';
}

export interface RegisterShardPayload {
  readonly id: string;
  readonly cacheKey: string;
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly tensors: number;
  readonly entries: readonly { contentHash: string; firstSlot: number; crops: number }[];
}

export interface ExtractEnv {
  /** Read-only is enough: writes go through `registerShard` / `dropShard`. */
  readonly db: Database;
  readonly workspaceRoot: string;
  throwIfCancelled(): void;
  progress(update: { fraction?: number; step?: number; totalSteps?: number; message?: string; stage?: string }): void;
  log(message: string, level?: 'debug' | 'info' | 'warn' | 'error'): void;
  registerShard(payload: RegisterShardPayload): Promise<void>;
  dropShard(shardId: string): Promise<void>;
  /** Tests substitute a backbone (e.g. one whose provider falls back). */
  openBackbone?(): Promise<Backbone>;
}

export interface ExtractResult {
  readonly featureSetId: string;
  readonly manifest: string;
  /** Provider that computed features in this run; null when every frame came from the cache. */
  readonly provider: string | null;
  readonly providerFallbacks: readonly { provider: string; reason: string }[];
  readonly grid: { h: number; w: number };
  readonly dim: number;
  readonly frameCount: number;
  readonly itemCount: number;
  /** Distinct frame contents computed in this run / found in the cache. */
  readonly computed: number;
  readonly reused: number;
  /** Shards found damaged and dropped (their frames were recomputed). */
  readonly corruptShards: number;
  /** Frames that could not be read or decoded: left out of the feature set, the others go on. */
  readonly skippedFrames: readonly SkippedFrame[];
  /** All skipped frames (the list stops at MAX_LISTED_SKIPPED). */
  readonly skippedCount: number;
}

export interface SkippedFrame {
  readonly frameId: string;
  readonly file: string;
  readonly reason: string;
}

/** Skipped frames listed one by one in a job's result (the count is always complete). */
export const MAX_LISTED_SKIPPED = 200;

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

export async function extractFeatures(env: ExtractEnv, params: ExtractParams): Promise<ExtractResult> {
  const prep = params.preprocessing;
  const crops = cropCount(prep.crops);
  const shardBytes = params.shardBytes ?? 64 * 1024 * 1024;
  const overlap = params.prefetch ?? true;
  getDataset(env.db, params.datasetId);
  const frames = listFrames(env.db, params.datasetId);
  if (frames.length === 0) throw new StudioError('invalid_input', `dataset '${params.datasetId}' has no frames to extract features from`);

  // 1. Content hashes (the cache key of each frame). A frame that cannot be read or decoded is skipped
  //    and listed: one bad frame never costs the others their features.
  env.progress({ stage: 'hashing', fraction: 0, message: `${frames.length} frames` });
  const hashes: string[] = [];
  const unusable = new Map<string, string>(); // content hash (or 'missing:<frame id>') → why
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    try {
      hashes.push(sha256Bytes(await fs.promises.readFile(f.imagePath)));
    } catch (e) {
      const key = `missing:${f.id}`;
      hashes.push(key);
      unusable.set(key, `cannot read the image (${(e as NodeJS.ErrnoException).code ?? 'read error'})`);
    }
    if (i % 64 === 0) env.throwIfCancelled();
  }

  // 2. What the cache already holds, with each shard verified once (a damaged one is dropped).
  let cached = entriesByHash(env.db, params.cacheKey);
  const needed = new Set(hashes);
  const shardIds = new Set<string>();
  for (const [hash, e] of cached) if (needed.has(hash)) shardIds.add(e.shard_id);
  let corruptShards = 0;
  for (const id of shardIds) {
    const row = getShard(env.db, id);
    let ok = false;
    let reason = 'missing from the database';
    if (row) {
      try {
        const parsed = readShardFile(path.join(env.workspaceRoot, row.file));
        const h = parsed.header;
        ok = h.gridH * params.patchSize === prep.height && h.gridW * params.patchSize === prep.width;
        if (!ok) reason = `grid ${h.gridW}×${h.gridH} does not match ${prep.width}×${prep.height}`;
      } catch (e) {
        reason = (e as Error).message;
      }
    }
    if (!ok) {
      corruptShards++;
      env.log(`feature shard ${id} is unusable (${reason}); its frames will be recomputed`, 'warn');
      await env.dropShard(id);
    }
  }
  if (corruptShards > 0) cached = entriesByHash(env.db, params.cacheKey);

  const todo: { hash: string; file: string }[] = [];
  const seen = new Set<string>();
  frames.forEach((f, i) => {
    const h = hashes[i]!;
    if (!cached.has(h) && !seen.has(h) && !unusable.has(h)) {
      seen.add(h);
      todo.push({ hash: h, file: f.imagePath });
    }
  });
  const reused = new Set(hashes).size - todo.length - unusable.size;

  // 3. Compute what is missing: decode + preprocess of batch k+1 overlaps inference of batch k.
  let provider: string | null = null;
  let fallbacks: readonly { provider: string; reason: string }[] = [];
  let dimSeen: number | null = null;
  if (todo.length > 0) {
    const dir = cacheDir(env.workspaceRoot, params.cacheKey);
    fs.mkdirSync(dir, { recursive: true });
    const per = 3 * prep.width * prep.height;
    const pre = params.preprocessInThread ? inThreadPreprocessor(prep) : workerPreprocessor(prep);
    const encoder = pre.shardEncoder();
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
            unusable.set(it.hash, reason);
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
          const id = `${Date.now().toString(36)}-${crypto.randomBytes(6).toString('hex')}`;
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
  }

  // 4. The manifest: every frame (in dataset order) × crop → (shard, slot).
  const entries = entriesByHash(env.db, params.cacheKey);
  const shardIndex = new Map<string, number>();
  const shards: { file: string; sha256: string }[] = [];
  const items: FeatureSetManifest['items'] = [];
  let dim = dimSeen;
  const skippedFrames: SkippedFrame[] = [];
  let skippedCount = 0;
  frames.forEach((f, i) => {
    const why = unusable.get(hashes[i]!);
    if (why !== undefined) {
      skippedCount++;
      if (skippedFrames.length < MAX_LISTED_SKIPPED) skippedFrames.push({ frameId: f.id, file: f.imagePath, reason: why });
      return;
    }
    const e: FeatureEntryRow | undefined = entries.get(hashes[i]!);
    if (!e) throw new StudioError('internal', `feature entry for frame ${f.id} missing after extraction`);
    let si = shardIndex.get(e.shard_id);
    if (si === undefined) {
      const row = getShard(env.db, e.shard_id);
      if (!row) throw new StudioError('internal', `feature shard ${e.shard_id} missing after extraction`);
      si = shards.length;
      shardIndex.set(e.shard_id, si);
      shards.push({ file: row.file, sha256: row.sha256 });
      if (dim === null) dim = readShardFile(path.join(env.workspaceRoot, row.file), { verify: false }).header.dim;
    }
    for (let c = 0; c < e.crops; c++) items.push({ frameId: f.id, contentHash: e.content_hash, crop: c, shard: si, slot: e.first_slot + c });
  });
  if (items.length === 0) {
    const first = skippedFrames.slice(0, 3).map((s) => `${s.file}: ${s.reason}`);
    throw new StudioError('invalid_input', `dataset '${params.datasetId}': none of its ${frames.length} frames could be read or decoded (${first.join('; ')})`);
  }
  if (skippedCount > 0) env.log(`${skippedCount} of ${frames.length} frames skipped: they cannot be read or decoded (listed in the job's result)`, 'warn');
  const grid = { h: prep.height / params.patchSize, w: prep.width / params.patchSize };
  const manifest: FeatureSetManifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    id: params.featureSetId,
    datasetId: params.datasetId,
    backbone: { id: params.backbone, family: params.family, patchSize: params.patchSize, modelSha256: params.modelSha256 },
    preprocessing: prep,
    cacheKey: params.cacheKey,
    provider: provider ?? 'cache',
    grid,
    dim: dim!,
    createdAt: new Date().toISOString(),
    shards,
    items,
  };
  const file = writeManifest(env.workspaceRoot, manifest);
  env.progress({
    stage: 'done',
    fraction: 1,
    message: `${frames.length - skippedCount} frames, ${todo.length - unusableComputed(todo, unusable)} computed, ${reused} cached${skippedCount ? `, ${skippedCount} skipped` : ''}`,
  });
  return {
    featureSetId: params.featureSetId,
    manifest: file,
    provider,
    providerFallbacks: fallbacks,
    grid,
    dim: dim!,
    frameCount: frames.length - skippedCount,
    itemCount: items.length,
    computed: todo.length - unusableComputed(todo, unusable),
    reused,
    corruptShards,
    skippedFrames,
    skippedCount,
  };
}

function unusableComputed(todo: readonly { hash: string }[], unusable: ReadonlyMap<string, string>): number {
  return todo.filter((t) => unusable.has(t.hash)).length;
}
