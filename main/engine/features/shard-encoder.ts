// Turns inference output into encoded feature shards. A thread of its own does the float16 conversion
// and the shard encoding, so the inference thread — which `session.run` blocks — only hands over each
// batch's token grid (transferred, not copied) and writes the finished shard asynchronously. Falls back
// to doing the same work in-thread when a worker cannot be started.
import type { Worker } from 'node:worker_threads';
import { StudioError, toErrorData, type StudioErrorData } from '../../../shared/contract/errors.js';
import { spawnWorker } from '../jobs/spawn-worker.js';
import { encodeFloat16 } from './float16.js';
import { encodeShard, type EncodedShard } from './shard-format.js';

export interface ShardMeta {
  readonly gridH: number;
  readonly gridW: number;
  readonly dim: number;
}

export type EncoderRequest =
  | { readonly type: 'add'; readonly hashes: readonly string[]; readonly data: Float32Array; readonly crops: number; readonly tensorLen: number }
  | { readonly type: 'flush'; readonly id: number; readonly meta: ShardMeta };

/** The frames added since the last shard, as float16. */
export class ShardAccumulator {
  private pending: { contentHash: string; tensors: Uint16Array[] }[] = [];
  private failure: unknown = null;

  add(hashes: readonly string[], data: Float32Array, crops: number, tensorLen: number): void {
    if (data.length !== hashes.length * crops * tensorLen) {
      throw new StudioError('internal', `feature batch has ${data.length} values, expected ${hashes.length} × ${crops} × ${tensorLen}`);
    }
    hashes.forEach((contentHash, k) => {
      const tensors: Uint16Array[] = [];
      for (let c = 0; c < crops; c++) {
        const o = (k * crops + c) * tensorLen;
        tensors.push(encodeFloat16(data.subarray(o, o + tensorLen)));
      }
      this.pending.push({ contentHash, tensors });
    });
  }

  fail(e: unknown): void {
    this.failure ??= e;
  }

  /** The pending frames as one shard (null when there are none), and a fresh start. */
  take(meta: ShardMeta): EncodedShard | null {
    if (this.failure) throw this.failure;
    if (this.pending.length === 0) return null;
    const shard = encodeShard(meta, this.pending);
    this.pending = [];
    return shard;
  }
}

export interface ShardEncoder {
  /** Hands over a batch's grid (n frames × crops × tensorLen floats); `data` is unusable afterwards. */
  add(hashes: readonly string[], data: Float32Array, crops: number, tensorLen: number): void;
  /** Encodes everything added so far into one shard. */
  flush(meta: ShardMeta): Promise<EncodedShard | null>;
  close(): Promise<void>;
}

export function inThreadShardEncoder(): ShardEncoder {
  const acc = new ShardAccumulator();
  return {
    add: (hashes, data, crops, tensorLen) => acc.add(hashes, data, crops, tensorLen),
    flush: (meta) => Promise.resolve().then(() => acc.take(meta)),
    close: () => Promise.resolve(),
  };
}

/** Replies of an encoder thread carry this tag, so a thread can also answer other requests (preprocess-worker.ts). */
export const ENCODER_CHANNEL = 'shard-encoder';

/** Handles one encoder request in a worker thread; returns false for messages that are not the encoder's. */
export function handleEncoderRequest(port: { postMessage(m: unknown, transfer?: ArrayBuffer[]): void }, acc: ShardAccumulator, req: unknown): boolean {
  const r = req as EncoderRequest & { channel?: string };
  if (r.channel !== ENCODER_CHANNEL) return false;
  try {
    if (r.type === 'add') {
      acc.add(r.hashes, r.data, r.crops, r.tensorLen);
    } else {
      const shard = acc.take(r.meta);
      port.postMessage({ channel: ENCODER_CHANNEL, id: r.id, shard }, shard ? [shard.bytes.buffer as ArrayBuffer] : []);
    }
  } catch (e) {
    if (r.type === 'flush') port.postMessage({ channel: ENCODER_CHANNEL, id: r.id, error: toErrorData(e) });
    else acc.fail(e);
  }
  return true;
}

/** An encoder on a thread of its own. */
export function workerShardEncoder(): ShardEncoder {
  let worker: Worker;
  try {
    worker = spawnWorker(new URL('./shard-encoder-worker.js', import.meta.url), null);
  } catch {
    return inThreadShardEncoder();
  }
  worker.unref();
  return shardEncoderOn(worker, true);
}

/**
 * An encoder on an existing thread that runs handleEncoderRequest (the frame preprocessing thread:
 * starting a thread costs ~0.7 s of CPU from TypeScript sources, measured here, and the two kinds of
 * work are both small next to inference). `owned`: close() terminates the thread.
 */
export function shardEncoderOn(worker: Worker, owned: boolean): ShardEncoder {
  let nextId = 1;
  let dead: StudioError | null = null;
  const pending = new Map<number, { resolve: (s: EncodedShard | null) => void; reject: (e: unknown) => void }>();
  const failAll = (e: StudioError) => {
    dead ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const onMessage = (m: { channel?: string; id: number; shard?: EncodedShard | null; error?: StudioErrorData }) => {
    if (m.channel !== ENCODER_CHANNEL) return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(StudioError.fromData(m.error));
    else p.resolve(m.shard ?? null);
  };
  const onError = (e: Error) => failAll(new StudioError('internal', `feature shard encoding thread failed: ${e.message}`));
  const onExit = (code: number) => failAll(new StudioError('internal', `feature shard encoding thread exited (${code})`));
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', onExit);
  return {
    add(hashes, data, crops, tensorLen) {
      if (dead) throw dead;
      // Transfer only a buffer the grid owns whole; a view into a larger buffer is copied.
      const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
      worker.postMessage({ channel: ENCODER_CHANNEL, type: 'add', hashes, data: own, crops, tensorLen }, [own.buffer as ArrayBuffer]);
    },
    flush(meta) {
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      return new Promise<EncodedShard | null>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ channel: ENCODER_CHANNEL, type: 'flush', id, meta });
      });
    },
    async close() {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (owned) await worker.terminate();
      failAll(new StudioError('cancelled', 'feature shard encoding stopped'));
    },
  };
}
