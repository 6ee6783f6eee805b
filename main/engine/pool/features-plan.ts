// How feature extraction is split into pool tasks: chunks of frames that make exactly the shards a local
// run makes (same batches, same flush point), each shard named by the hash of its inputs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Preprocessing } from '../../../shared/contract/backbones.js';
import type { RegisterShardPayload } from '../features/extract.js';
import { DEFAULT_SHARD_BYTES } from '../features/extract-compute.js';
import { sha256Bytes } from '../features/cache-key.js';
import { parseShard } from '../features/shard-format.js';

/**
 * Frames per task. The local loop flushes a shard after the first batch that brings the buffered
 * float16 grids to `shardBytes`; a chunk of that many frames therefore makes one shard holding the same
 * tensors as the local run's shard at the same place in the list.
 */
export function framesPerShard(prep: Preprocessing, patchSize: number, dim: number, crops: number, batchFrames: number, shardBytes = DEFAULT_SHARD_BYTES): number {
  const tensorBytes = (prep.height / patchSize) * (prep.width / patchSize) * dim * 2;
  const perBatch = batchFrames * crops * tensorBytes;
  return batchFrames * Math.max(1, Math.ceil(shardBytes / perBatch));
}

/** The shard's id: the cache key and its frames' content hashes (in order) fix its bytes. */
export function shardName(cacheKey: string, contentHashes: readonly string[]): string {
  const h = crypto.createHash('sha256').update(cacheKey);
  for (const c of contentHashes) h.update('\n' + c);
  return `p-${h.digest('hex').slice(0, 32)}`;
}

export function shardRel(cacheKey: string, name: string): string {
  return path.join('features', 'cache', cacheKey, `${name}.csf`);
}

/**
 * The shard file's registration if it is whole and holds exactly `contentHashes` (checksum and
 * parse), else null. Both the studio (before registering a task's result) and a worker (before
 * recomputing a shard already on disk) ask this.
 */
export function verifiedShard(workspaceRoot: string, cacheKey: string, contentHashes: readonly string[], expectSha?: string): RegisterShardPayload | null {
  const rel = shardRel(cacheKey, shardName(cacheKey, contentHashes));
  const file = path.join(workspaceRoot, rel);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return null;
  }
  const sha = sha256Bytes(bytes);
  if (expectSha !== undefined && sha !== expectSha) return null;
  try {
    const { header } = parseShard(file, bytes, { verify: true });
    const hashes = header.entries.map((e) => e.contentHash);
    if (hashes.length !== contentHashes.length || hashes.some((h, i) => h !== contentHashes[i])) return null;
    return {
      id: shardName(cacheKey, contentHashes),
      cacheKey,
      file: rel,
      sha256: sha,
      bytes: bytes.length,
      tensors: header.tensors,
      entries: header.entries.map((e) => ({ contentHash: e.contentHash, firstSlot: e.firstSlot, crops: e.crops })),
    };
  } catch {
    return null;
  }
}
