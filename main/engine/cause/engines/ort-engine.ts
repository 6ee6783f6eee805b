// The onnxruntime engine: Step 1's dense products (ort/step1.ts, the co-membership loop stays tfjs),
// Step 2 as one graph per step (ort/mlp-step2.ts, ort/tr-step2.ts) with clip, Adam and EMA on host
// arrays, and the TR teacher's forward (ort/tr-forward.ts). session.run blocks its thread for the whole
// step: training runs in the training worker.
import { resolveStep2Loss } from '../../../../shared/contract/step2-loss.js';
import * as tf from '@tensorflow/tfjs';
import { sampledCount } from '../grid-sampling.js';
import type { HeadKind } from '../heads.js';
import { coMembership, disposeGraph, modularityLossFromDelta, type ModularityGraph } from '../modularity.js';
import { applyHostUpdate, MlpStep2Graph, OrtStep2Host, type OrtStep2Options } from '../ort/mlp-step2.js';
import { OrtStep1 } from '../ort/step1.js';
import type { Step2Outputs } from '../ort/step2-run-common.js';
import { TrForwardGraph } from '../ort/tr-forward.js';
import { TrStep2Graph, type TrMaskSet } from '../ort/tr-step2.js';
import { globalIndices, readGrids } from './batch.js';
import { keepMultipliers } from './dropout-masks.js';
import type { EngineContext, SampledBatch, Step1Part, Step2Batch, Step2Outcome, Step2Part, StepEngine, TeacherForward } from './step-engine.js';

const options = (ctx: EngineContext): OrtStep2Options => ({ ...(ctx.threads ? { threads: ctx.threads } : {}), ...(ctx.log ? { log: ctx.log } : {}) });

/** ∂L/∂C by tfjs (the co-membership loop's custom gradient), the products around it by onnxruntime. */
class OrtStep1Part implements Step1Part {
  readonly engine: string;
  constructor(
    private readonly ctx: EngineContext,
    private readonly graph: OrtStep1,
  ) {
    this.engine = `onnxruntime-${graph.provider}`;
  }

  async lossAndGrad(batch: SampledBatch): Promise<{ loss: number; grad: tf.Tensor2D }> {
    const { source, config, state } = this.ctx;
    const B = batch.items.length;
    const n = batch.n;
    const D = source.dim;
    const k = config.concepts;
    const m = state.clusterbook.dataSync() as Float32Array;
    const { xhat, w, e, c } = await this.graph.assignment(batch.tokens, B, m);
    const g: ModularityGraph = { W: tf.tensor3d(w, [B, n, n]), e: tf.tensor1d(e), xhat: tf.tensor2d(xhat, [B * n, D]) };
    try {
      let loss = NaN;
      let dc: Float32Array | undefined;
      tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((C: tf.Tensor) => modularityLossFromDelta(g, coMembership(C as tf.Tensor3D, config.tau)))(tf.tensor3d(c, [B, n, k]));
        loss = value.dataSync()[0]!;
        dc = grad.dataSync() as Float32Array;
      });
      const dm = await this.graph.clusterbookGrad(xhat, m, c, dc!);
      return { loss, grad: tf.tensor2d(dm, [k, D]) };
    } finally {
      disposeGraph(g);
    }
  }

  release(): Promise<void> {
    return this.graph.release();
  }
}

/** A head's Step 2 graph behind one signature: the batch (masks as keep flags) and both networks' host parameters. */
interface OrtStep2Head {
  readonly graph: { readonly provider: string; release(): Promise<void> };
  run(batch: Step2Batch, nets: { student: Map<string, Float32Array>; teacher: Map<string, Float32Array> }): Promise<Step2Outputs<string>>;
}

/** Opens the Step 2 graph of each head kind. A new head adds its graph here. */
const ORT_STEP2_HEADS: Readonly<Record<HeadKind, (ctx: EngineContext) => Promise<OrtStep2Head>>> = {
  mlp: async (ctx) => {
    const graph = await MlpStep2Graph.open(graphCommon(ctx), options(ctx));
    const p = ctx.spec.dropout;
    return {
      graph,
      run: (batch, nets) => {
        const m = batch.masks;
        return graph.run(ctx.codebook().cbNorm, {
          tokens: batch.tokens,
          bank: batch.bank,
          masks: m
            ? { t1: keepMultipliers(m.teacher.o1!, p), t2: keepMultipliers(m.teacher.o2!, p), s1: keepMultipliers(m.student.o1!, p), s2: keepMultipliers(m.student.o2!, p) }
            : null,
          ...nets,
        });
      },
    };
  },
  tr: async (ctx) => {
    const { spec, source } = ctx;
    const graph = await TrStep2Graph.open(
      { ...graphCommon(ctx), dropout: spec.dropout, ffnDim: spec.ffnDim, gridTokens: spec.gridTokens, ...(spec.hybrid ? { hybrid: spec.hybrid } : {}) },
      options(ctx),
    );
    return {
      graph,
      run: (batch, nets) => {
        const cb = ctx.codebook();
        return graph.run(cb.cbNorm, cb.raw, {
          // The TR head runs on the full grids; the graph computes only the sampled rows' outputs.
          grids: readGrids(source, batch.items),
          rows: globalIndices(batch.indices, source.h * source.w),
          bank: batch.bank,
          masks: batch.masks ? { teacher: batch.masks.teacher as TrMaskSet, student: batch.masks.student as TrMaskSet } : null,
          ...nets,
        });
      },
    };
  },
};

function graphCommon(ctx: EngineContext) {
  const { source, config, spec } = ctx;
  return {
    dim: source.dim,
    headDim: spec.headDim,
    projDim: spec.projDim,
    concepts: config.concepts,
    tokensPerImage: sampledCount(source.h, source.w),
    temperature: config.temperature,
    posThreshold: config.posThreshold,
    negThreshold: config.negThreshold,
    dropout: spec.dropout > 0,
    loss: resolveStep2Loss(config.step2),
  };
}

/** Step 2 through its graph; clipping, Adam and the EMA on host arrays, flushed into the tf variables on demand. */
class OrtStep2Part implements Step2Part {
  readonly engine: string;
  private readonly host: OrtStep2Host<OrtStep2Head['graph']>;

  constructor(
    private readonly ctx: EngineContext,
    private readonly head: OrtStep2Head,
  ) {
    this.engine = `onnxruntime-${head.graph.provider}`;
    this.host = new OrtStep2Host(head.graph);
  }

  async step(batch: Step2Batch): Promise<Step2Outcome> {
    const { config, state } = this.ctx;
    const host = this.host.state(state.student, state.teacher, state.adam!);
    const out = await this.head.run(batch, { student: host.student, teacher: host.teacher });
    const st = out.stats;
    const terms = st.batchTerms + (batch.bank ? st.bankTerms : 0);
    let loss = NaN;
    let gradNorm = NaN;
    if (terms > 0) {
      loss = out.loss;
      gradNorm = applyHostUpdate(host, out.grads, state.adam!.lr, config.gradClip, config.emaMomentum);
      this.host.touched();
    }
    return {
      ids: out.ids,
      teacherProj: terms > 0 ? out.teacherProj : null,
      batch: { terms: st.batchTerms, posPairs: st.batchPosPairs, negPairs: st.batchNegPairs },
      bank: batch.bank ? { terms: st.bankTerms, posPairs: st.bankPosPairs, negPairs: st.bankNegPairs } : null,
      loss,
      gradNorm,
    };
  }

  flush(): void {
    const { state } = this.ctx;
    this.host.flush(state.student, state.teacher, state.adam);
  }

  release(): Promise<void> {
    return this.host.release();
  }
}

/** The forward-only TR graph with the frozen teacher as host arrays, read once (it no longer changes in Step 3). */
class OrtTeacherForward implements TeacherForward {
  readonly engine: string;
  private readonly params: Map<string, Float32Array>;

  constructor(
    private readonly ctx: EngineContext,
    private readonly graph: TrForwardGraph,
  ) {
    this.engine = `onnxruntime-${graph.provider}`;
    this.params = new Map([...ctx.state.teacher.export()].map(([name, v]) => [name, v.values]));
  }

  async outputs(batch: SampledBatch): Promise<tf.Tensor2D> {
    const { source, spec } = this.ctx;
    const cb = this.ctx.codebook();
    const y = await this.graph.run(cb.cbNorm, cb.raw, readGrids(source, batch.items), globalIndices(batch.indices, source.h * source.w), this.params);
    return tf.tensor2d(y, [batch.items.length * batch.n, spec.headDim]);
  }

  release(): Promise<void> {
    return this.graph.release();
  }
}

export const ortEngine: StepEngine = {
  name: 'onnxruntime',
  openStep1: async (ctx) => new OrtStep1Part(ctx, await OrtStep1.open(ctx.source.dim, ctx.config.concepts, options(ctx))),
  openStep2: async (ctx) => new OrtStep2Part(ctx, await ORT_STEP2_HEADS[ctx.spec.kind](ctx)),
  openTeacherForward: async (ctx) => {
    if (ctx.spec.kind !== 'tr') return null; // the MLP head's forward is a few small products: tfjs
    const { source, spec, config } = ctx;
    const graph = await TrForwardGraph.open(
      {
        dim: source.dim,
        headDim: spec.headDim,
        ffnDim: spec.ffnDim,
        concepts: config.concepts,
        gridTokens: spec.gridTokens,
        tokensPerImage: graphCommon(ctx).tokensPerImage,
        ...(spec.hybrid ? { hybrid: spec.hybrid } : {}),
      },
      options(ctx),
    );
    return new OrtTeacherForward(ctx, graph);
  },
};
