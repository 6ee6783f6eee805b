// Forward-only ONNX graph of the TR head in eval mode (no dropout): the head outputs [T, r] at given
// sampled rows of full grids. Step 3 and the probe's k-means init read the frozen teacher's outputs
// at the sampled tokens only; the tfjs path ran the head on all B·N grid rows and gathered afterwards
// (attention maps [B, N, N]), this computes the sampled rows alone ([B, n, N]). The maths is the
// Step 2 graph's forward (trHeadForwardGraph in tr-step2-graph.ts), so both stay one copy.
import { GraphBuilder } from '../../onnx/graph-builder.js';
import { DataType } from '../../onnx/onnx-schema.js';
import { graphOps } from './step2-graph-common.js';
import { trHeadForwardGraph, trHeadParamNames, trParamShape, type TrForwardShape, type TrHeadParamName } from './tr-step2-graph.js';

export interface TrForwardGraphSpec extends TrForwardShape {
  /** Head output r. */
  readonly headDim: number;
  /** FFN hidden size F. */
  readonly ffnDim: number;
}

/** Input name of a head parameter (the teacher's, in Step 3). */
export const paramInput = (name: TrHeadParamName) => `p:${name}`;

/** Shape of a head parameter (the projection is not in this graph, so its width does not matter). */
export function trHeadParamShape(spec: TrForwardGraphSpec, name: TrHeadParamName): number[] {
  return trParamShape({ ...spec, projDim: 0 }, name);
}

/** Inputs x [X, D], rows [T] (int64), cb_norm and clusterbook [k, D], `p:<param>`; output `y` [T, r]. */
export function buildTrForwardGraph(spec: TrForwardGraphSpec): Uint8Array {
  const { dim: D, concepts: k, headDim: r } = spec;
  const g = new GraphBuilder();
  const o = graphOps(g);
  const x = g.input('x', ['X', D]);
  const rows = g.input('rows', ['T'], DataType.INT64);
  const cbNorm = g.input('cb_norm', [k, D]);
  const clusterbook = g.input('clusterbook', [k, D]);
  const P = Object.fromEntries(trHeadParamNames(spec).map((nm) => [nm, g.input(paramInput(nm), trHeadParamShape(spec, nm))])) as Record<TrHeadParamName, string>;
  const head = trHeadForwardGraph(g, o, spec, { x, rows, cbNorm, clusterbook });
  g.op('Identity', [head.forward(P, null).y], {}, 'y');
  g.output('y', ['T', r]);
  return g.toBytes({ producer: 'cause-studio tr-forward', graphName: 'tr_forward' });
}
