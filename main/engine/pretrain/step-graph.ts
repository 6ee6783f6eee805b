// The two ONNX graphs of a pretraining step:
//  * the teacher graph — encoder + projection head on full token grids → prototype logits and tokens
//    (forward only; centring, sharpening and the crop alignment of its targets happen on the host);
//  * the student graph — encoder + head on the student's views → the soft cross-entropy to the teacher
//    targets, and the hand-derived gradient of every parameter (encoder-graph.ts for the encoder).
// Head: u = GELU(y·W1 + b1)·W2 + b2, z = u/‖u‖, logits s = z·Ĉᵀ with Ĉ the row-normalised prototypes
// (weight normalisation with a frozen unit gain, as DINO's last layer). Loss: mean over rows of
// −Σ_k q_k log softmax(s/τ_s)_k.
import { GraphBuilder, int } from '../onnx/graph-builder.js';
import { DataType } from '../onnx/onnx-schema.js';
import { encoderBackward, encoderForward, encoderOps, gelu, geluGrad } from './encoder-graph.js';
import { paramShape, trainedParamNames, type PretrainSpec } from './params.js';

type Ops = ReturnType<typeof encoderOps>;

export const paramInput = (name: string) => `p:${name}`;
export const gradOutput = (name: string) => `g:${name}`;

/** Row L2 normalisation z = u/‖u‖ (‖u‖ floored at 1e-12, as F.normalize). */
function normalizeRows(o: Ops, u: string): { z: string; nrm: string } {
  const nrm = o.g.op('Max', [o.g.op('Sqrt', [o.sumLast(o.mul(u, u))]), o.scalar(1e-12)]);
  return { z: o.div(u, nrm), nrm };
}

/** ∂u of z = u/‖u‖: (∂z − z·(z·∂z))/‖u‖. */
function normalizeRowsBackward(o: Ops, f: { z: string; nrm: string }, dz: string): string {
  return o.div(o.sub(dz, o.mul(f.z, o.sumLast(o.mul(f.z, dz)))), f.nrm);
}

function headForward(o: Ops, P: (name: string) => string, y: string) {
  const u1 = o.linear(y, P('head1.w'), P('head1.b'));
  const a1 = gelu(o, u1);
  const u2 = o.linear(a1, P('head2.w'), P('head2.b'));
  const zf = normalizeRows(o, u2);
  const cf = normalizeRows(o, P('protos'));
  const logits = o.abt(zf.z, cf.z);
  return { u1, a1, zf, cf, logits };
}

function declareParams(g: GraphBuilder, spec: PretrainSpec): (name: string) => string {
  const names = trainedParamNames(spec);
  for (const name of names) g.input(paramInput(name), paramShape(spec, name));
  return paramInput;
}

/** The fixed position embedding of each row [R, D] (gathered on the host), when the spec has one. */
function posInput(g: GraphBuilder, spec: PretrainSpec): { pos?: string } {
  return spec.posGrid ? { pos: g.input('pos', ['rows', spec.dim]) } : {};
}

/** Teacher: tokens [R, inDim] (n per image) → logits [R, K], features [R, D]. */
export function buildTeacherGraph(spec: PretrainSpec, n: number): Uint8Array {
  const g = new GraphBuilder();
  const o = encoderOps(g);
  const P = declareParams(g, spec);
  const x = g.input('tokens', ['rows', spec.inDim]);
  const enc = encoderForward(o, spec, P, x, n, posInput(g, spec));
  const head = headForward(o, P, enc.y);
  o.identity(head.logits, 'logits');
  o.identity(enc.y, 'features');
  g.output('logits', ['rows', spec.prototypes]);
  g.output('features', ['rows', spec.dim]);
  return g.toBytes({ producer: 'cause-studio pretrain teacher' });
}

/**
 * Student step: tokens [R, inDim] (n per image), targets [R, K] (teacher probabilities, rows sum to 1)
 * → loss (scalar), entropy (mean student entropy), g:<name> for every parameter.
 */
export function buildStudentGraph(spec: PretrainSpec, n: number, studentTemp: number): Uint8Array {
  const g = new GraphBuilder();
  const o = encoderOps(g);
  const P = declareParams(g, spec);
  const x = g.input('tokens', ['rows', spec.inDim]);
  const q = g.input('targets', ['rows', spec.prototypes]);
  const enc = encoderForward(o, spec, P, x, n, posInput(g, spec));
  const head = headForward(o, P, enc.y);

  const s = o.mul(head.logits, o.scalar(1 / studentTemp));
  const logp = g.op('LogSoftmax', [s], { axis: int(-1) });
  const ce = o.mul(o.sumLast(o.mul(q, logp)), o.scalar(-1)); // [R,1]
  o.identity(g.op('ReduceMean', [ce], { keepdims: int(0) }), 'loss');
  const p = g.op('Softmax', [s], { axis: int(-1) });
  const ent = o.mul(o.sumLast(o.mul(p, logp)), o.scalar(-1));
  o.identity(g.op('ReduceMean', [ent], { keepdims: int(0) }), 'entropy');
  g.output('loss', []);
  g.output('entropy', []);

  // ∂loss/∂logits = (softmax(s) − q)/(τ_s·R).
  const rows = g.op(
    'Cast',
    [g.op('Gather', [g.op('Shape', [s]), g.int64s('i', [0], [])], { axis: int(0) })],
    { to: int(DataType.FLOAT) },
  );
  const dlogits = o.div(o.sub(p, q), o.mul(rows, o.scalar(studentTemp)));
  // logits = z·Ĉᵀ.
  const dz = g.op('Gemm', [dlogits, head.cf.z]);
  const dC = o.atb(dlogits, head.zf.z);
  o.identity(normalizeRowsBackward(o, head.cf, dC), gradOutput('protos'));
  const du2 = normalizeRowsBackward(o, head.zf, dz);
  o.identity(o.atb(head.a1, du2), gradOutput('head2.w'));
  o.identity(o.sumRows(du2), gradOutput('head2.b'));
  const du1 = o.mul(o.abt(du2, P('head2.w')), geluGrad(o, head.u1));
  o.identity(o.atb(enc.y, du1), gradOutput('head1.w'));
  o.identity(o.sumRows(du1), gradOutput('head1.b'));
  const dy = o.abt(du1, P('head1.w'));
  encoderBackward(o, spec, P, gradOutput, enc, dy, n);
  for (const name of trainedParamNames(spec)) g.output(gradOutput(name), paramShape(spec, name));
  return g.toBytes({ producer: 'cause-studio pretrain student step' });
}
