// The feature cache key: which backbone weights (and built-in code version) and which preprocessing.
// Frames are keyed inside it by their content hash, so the same image in two datasets is computed once.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Preprocessing } from '../../../shared/contract/backbones.js';

export function featureCacheKey(backboneCacheId: string, prep: Preprocessing): string {
  const canonical = JSON.stringify({
    b: backboneCacheId,
    w: prep.width,
    h: prep.height,
    c: prep.crops,
    r: prep.resize,
    m: prep.mean,
    s: prep.std,
  });
  return crypto.createHash('sha256').update(canonical).digest('hex').slice(0, 24);
}

/** One feature set per (dataset, cache key): a stable id, so re-running updates it in place. */
export function featureSetIdFor(datasetId: string, cacheKey: string): string {
  return `fs-${crypto.createHash('sha256').update(`${datasetId}\n${cacheKey}`).digest('hex').slice(0, 20)}`;
}

export function sha256Bytes(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** Streams a file through sha256 (model files can be gigabytes). */
export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
