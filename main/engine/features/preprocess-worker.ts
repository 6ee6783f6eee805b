// Decodes and preprocesses frames in a thread of its own. onnxruntime-node's `session.run` blocks the
// event loop of the thread that calls it, so preprocessing done there only advances between batches;
// here it runs during inference, one frame at a time on one core (libvips concurrency 1), which is
// the core inference does not use — or a small share of both when inference uses every core.
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { toErrorData, StudioError } from '../../../shared/contract/errors.js';
import type { Preprocessing } from '../../../shared/contract/backbones.js';
import { decodeRGB, preprocessImage } from '../backbones/preprocess.js';
import { sha256Bytes } from './cache-key.js';
import { handleEncoderRequest, ShardAccumulator } from './shard-encoder.js';

export interface PreprocessRequest {
  readonly id: number;
  readonly file: string;
  readonly hash: string;
  readonly prep: Preprocessing;
}

sharp.concurrency(1);
const port = parentPort;
if (!port) throw new Error('preprocess-worker must run in a worker thread');

// This thread also encodes feature shards (float16 + shard bytes) for the extraction: one thread to
// start instead of two. Those requests are handled as they arrive, between two frames' async steps.
const acc = new ShardAccumulator();
let queue: Promise<void> = Promise.resolve();
port.on('message', (req: PreprocessRequest) => {
  if (handleEncoderRequest(port, acc, req)) return;
  queue = queue.then(async () => {
    try {
      const bytes = await fs.promises.readFile(req.file);
      if (sha256Bytes(bytes) !== req.hash) {
        throw new StudioError('conflict', `${req.file}: the image changed while features were being extracted; run again`, { file: req.file });
      }
      const data = await preprocessImage(await decodeRGB(req.file, bytes), req.prep);
      port.postMessage({ id: req.id, data }, [data.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ id: req.id, error: toErrorData(e) });
    }
  });
});
