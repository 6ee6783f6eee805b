// The tfjs engine: the oracle every onnxruntime graph is tested against, and the fallback when a
// session cannot open. Runs on the trainer's tf variables directly (nothing to flush).
import * as tf from '@tensorflow/tfjs';
import { codebookQueries, headForward } from '../heads.js';
import { disposeGraph, modularityGraph, modularityLoss } from '../modularity.js';
import { globalIndices, readGrids } from './batch.js';
import type { EngineContext, SampledBatch, Step1Part, StepEngine, TeacherForward } from './step-engine.js';
import { TfjsStep2 } from './tfjs-step2.js';

class TfjsStep1 implements Step1Part {
  readonly engine = 'tfjs';
  constructor(private readonly ctx: EngineContext) {}

  lossAndGrad(batch: SampledBatch): Promise<{ loss: number; grad: tf.Tensor2D }> {
    const { source, config, state } = this.ctx;
    const B = batch.items.length;
    const n = batch.n;
    return Promise.resolve(
      tf.tidy(() => {
        const g = modularityGraph(tf.tensor3d(batch.tokens, [B, n, source.dim]));
        const M = state.clusterbook as unknown as tf.Tensor2D;
        const { value, grads } = tf.variableGrads(() => modularityLoss(g, M, config.tau, B, n), [state.clusterbook]);
        const loss = value.dataSync()[0]!;
        disposeGraph(g);
        return { loss, grad: grads[state.clusterbook.name] as tf.Tensor2D };
      }),
    );
  }

  async release(): Promise<void> {}
}

/** The head on the sampled tokens (MLP), or on the full grids with the sampled rows gathered (TR). */
class TfjsTeacherForward implements TeacherForward {
  readonly engine = 'tfjs';
  constructor(private readonly ctx: EngineContext) {}

  outputs(batch: SampledBatch): Promise<tf.Tensor2D> {
    const { source, spec, state } = this.ctx;
    const B = batch.items.length;
    const D = source.dim;
    const N = source.h * source.w;
    return Promise.resolve(
      tf.tidy(() => {
        if (spec.kind === 'mlp') return headForward(spec, state.teacher, tf.tensor2d(batch.tokens, [B * batch.n, D]), null);
        const x = tf.tensor2d(readGrids(source, batch.items), [B * N, D]);
        const y = headForward(spec, state.teacher, x, null, codebookQueries(x, state.clusterbook as unknown as tf.Tensor2D, this.ctx.codebook().cbNormT));
        return tf.gather(y, tf.tensor1d(globalIndices(batch.indices, N), 'int32')) as tf.Tensor2D;
      }),
    );
  }

  async release(): Promise<void> {}
}

export const tfjsEngine: StepEngine = {
  name: 'tfjs',
  openStep1: (ctx) => Promise.resolve(new TfjsStep1(ctx)),
  openStep2: (ctx) => Promise.resolve(new TfjsStep2(ctx)),
  openTeacherForward: (ctx) => Promise.resolve(new TfjsTeacherForward(ctx)),
};
