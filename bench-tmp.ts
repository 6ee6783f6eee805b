import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from './main/engine/tf/backend.js';
await initTfBackend((process.argv[2] ?? 'wasm') as 'wasm');
const B = 8, n = 100, kc = 50;
const c = tf.randomUniform([B, n, kc]);
const time = (name: string, f: () => tf.Tensor | tf.Tensor[]) => {
  tf.tidy(() => { const r = f(); (Array.isArray(r) ? r[0]! : r).dataSync(); });
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) tf.tidy(() => { const r = f(); (Array.isArray(r) ? r[0]! : r).dataSync(); });
  console.log(name, ((performance.now() - t0) / 3).toFixed(1), 'ms');
};
const prod = tf.mul(c.expandDims(2), c.expandDims(1));
time('mul broadcast 4D', () => tf.mul(c.expandDims(2), c.expandDims(1)));
time('max axis3', () => tf.max(prod, 3));
time('argMax axis3', () => tf.argMax(prod, 3));
const best = tf.max(prod, 3);
time('equal mask', () => tf.equal(prod, best.expandDims(3)));
time('mul same shape', () => tf.mul(prod, prod));
time('sum axis2', () => tf.sum(prod, 2));
// alternative layout: [B, n, kc, n]? transpose so reduction is over last axis
time('transpose 0,1,3,2', () => tf.transpose(prod, [0, 1, 3, 2]));
const ct = tf.transpose(c, [0, 2, 1]); // [B, kc, n]
time('mul bcast [B,kc,n,1]*[B,kc,1,n]', () => tf.mul(ct.expandDims(3), ct.expandDims(2)));
