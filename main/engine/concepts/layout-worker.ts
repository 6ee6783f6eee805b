// Worker half of the atlas layout: UMAP of a clusterbook (2048 × 384 in the reference) takes seconds,
// which must not stall the engine's event loop (every other request and the job events share it).
import { parentPort, workerData } from 'node:worker_threads';
import { layout2d } from './atlas.js';

const { values, n, dim, seed } = workerData as { values: Float32Array; n: number; dim: number; seed: number };
const rows = Array.from({ length: n }, (_, i) => values.subarray(i * dim, (i + 1) * dim));
try {
  parentPort!.postMessage({ ok: true, result: layout2d(rows, seed) });
} catch (e) {
  parentPort!.postMessage({ ok: false, message: (e as Error).message });
}
