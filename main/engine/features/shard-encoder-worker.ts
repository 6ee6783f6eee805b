// A thread that only encodes shards (see shard-encoder.ts; extraction runs the encoder on the frame
// preprocessing thread instead): float16 conversion and shard encoding
// (payload copy and two sha256 passes) off the inference thread, where they used to stall inference
// (measured here on a loaded machine: ~70 ms per batch of 8 ViT-S/14 grids for float16, ~14 ms per
// frame to encode a shard).
import { parentPort } from 'node:worker_threads';
import { handleEncoderRequest, ShardAccumulator } from './shard-encoder.js';

const port = parentPort;
if (!port) throw new Error('shard-encoder-worker must run in a worker thread');
const acc = new ShardAccumulator();
port.on('message', (req: unknown) => {
  handleEncoderRequest(port, acc, req);
});
