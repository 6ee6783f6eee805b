import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from './main/engine/tf/backend.js';
import { trainCause } from './main/engine/cause/trainer.js';
import { plantedFeatures, tinyConfig } from './test/unit/cause/fixtures.js';
await initTfBackend((process.argv[2] ?? 'wasm') as 'wasm');
const src = plantedFeatures(12, 8, 8, 16);
for (const m of ['cause-mlp', 'cause-tr'] as const) {
  const before = tf.memory().numTensors;
  const t0 = Date.now();
  const model = await trainCause(src, tinyConfig(m), { metrics: (s, v) => { if (s % 3 === 0) console.log(s, JSON.stringify(v)); } });
  console.log(m, Date.now() - t0, 'ms', 'tensors', before, tf.memory().numTensors, model.centroids.length);
}
