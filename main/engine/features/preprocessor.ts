// Frame preprocessing off the inference thread (see preprocess-worker.ts), with an in-thread fallback
// when a worker cannot be started.
import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { StudioError, type StudioErrorData } from '../../../shared/contract/errors.js';
import type { Preprocessing } from '../../../shared/contract/backbones.js';
import { decodeRGB, preprocessImage } from '../backbones/preprocess.js';
import { spawnWorker } from '../jobs/spawn-worker.js';
import { sha256Bytes } from './cache-key.js';
import { inThreadShardEncoder, shardEncoderOn, type ShardEncoder } from './shard-encoder.js';

export interface Preprocessor {
  /** The frame's network inputs (crops × 3 × H × W), after checking its content hash. */
  run(file: string, hash: string): Promise<Float32Array>;
  /** A shard encoder on the same thread (closed with it). */
  shardEncoder(): ShardEncoder;
  close(): Promise<void>;
}

export function inThreadPreprocessor(prep: Preprocessing): Preprocessor {
  return {
    async run(file, hash) {
      const bytes = await fs.promises.readFile(file);
      if (sha256Bytes(bytes) !== hash) {
        throw new StudioError('conflict', `${file}: the image changed while features were being extracted; run again`, { file });
      }
      return preprocessImage(await decodeRGB(file, bytes), prep);
    },
    shardEncoder: inThreadShardEncoder,
    close: () => Promise.resolve(),
  };
}

export function workerPreprocessor(prep: Preprocessing): Preprocessor {
  let worker: Worker;
  try {
    worker = spawnWorker(new URL('./preprocess-worker.js', import.meta.url), null);
  } catch {
    return inThreadPreprocessor(prep);
  }
  worker.unref();
  let nextId = 1;
  const pending = new Map<number, { resolve: (d: Float32Array) => void; reject: (e: unknown) => void }>();
  const failAll = (e: unknown) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('message', (m: { channel?: string; id: number; data?: Float32Array; error?: StudioErrorData }) => {
    if (m.channel !== undefined) return; // the shard encoder's replies
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(StudioError.fromData(m.error));
    else p.resolve(m.data!);
  });
  worker.on('error', (e) => failAll(new StudioError('internal', `frame preprocessing thread failed: ${e.message}`)));
  worker.on('exit', (code) => failAll(new StudioError('internal', `frame preprocessing thread exited (${code})`)));
  return {
    run(file, hash) {
      const id = nextId++;
      return new Promise<Float32Array>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, file, hash, prep });
      });
    },
    shardEncoder: () => shardEncoderOn(worker, false),
    async close() {
      await worker.terminate();
    },
  };
}
