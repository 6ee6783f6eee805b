import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from './main/engine/tf/backend.js';
import { trainCause } from './main/engine/cause/trainer.js';
import { plantedFeatures, tinyConfig } from './test/unit/cause/fixtures.js';
await initTfBackend((process.argv[2] ?? 'wasm') as 'wasm');
const src = plantedFeatures(12, 8, 8, 16);
for (const m of ['cause-mlp', 'cause-tr'] as const) {
  const counts: number[] = [];
  await trainCause(src, tinyConfig(m), { metrics: () => { counts.push(tf.memory().numTensors); } });
  console.log(m, counts.join(' '), tf.memory().numTensors);
}
