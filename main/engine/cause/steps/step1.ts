// Step 1, engine-independent half: sample the batch from the trainer's stream, take the engine's
// modularity loss and clusterbook gradient, apply Adam (no clipping, as the reference).
import * as tf from '@tensorflow/tfjs';
import { sampleBatch } from '../engines/batch.js';
import type { EngineContext, Step1Part } from '../engines/step-engine.js';

export async function runStep1(part: Step1Part, ctx: EngineContext, items: readonly number[]): Promise<Record<string, number>> {
  const { state } = ctx;
  const adam = state.adam!;
  const { loss, grad } = await part.lossAndGrad(sampleBatch(ctx.source, items, state.rng));
  try {
    const gradNorm = tf.tidy(() => adam.apply({ [state.clusterbook.name]: grad }, null));
    return { 'step1.loss': loss, 'step1.modularity': -loss, 'step1.gradNorm': gradNorm, lr: adam.lr };
  } finally {
    grad.dispose();
  }
}
