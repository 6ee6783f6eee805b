// One pretraining run's state and step: teacher forward (ORT) → centred, sharpened targets on the host
// → student forward + backward (ORT) → clipping, AdamW and the EMA on host arrays. All randomness of a
// step comes from (seed, step), so a run resumed from a checkpoint repeats the uninterrupted run bit for
// bit. A non-finite loss or gradient skips the step (state untouched); too many in a row fail the run.
import * as ort from 'onnxruntime-node';
import { StudioError } from '../../../shared/contract/errors.js';
import { mulberry32 } from '../../../shared/random.js';
import { createSession } from '../onnx/providers.js';
import type { TokenCorpus } from './corpus.js';
import { cloneParams, decays, initParams, paramShape, trainedParamNames, type ParamMap } from './params.js';
import { posForGrid } from './pos-embed.js';
import { emaAt, lrAt, teacherTempAt, type PretrainRecipe } from './recipe.js';
import { buildStudentGraph, buildTeacherGraph, gradOutput, paramInput } from './step-graph.js';

export interface PretrainState {
  step: number;
  student: ParamMap;
  teacher: ParamMap;
  m: ParamMap;
  v: ParamMap;
  center: Float32Array;
  /** Consecutive skipped (non-finite) steps. */
  skipped: number;
}

export interface StepMetrics {
  readonly step: number;
  readonly loss: number;
  /** Mean entropy of the teacher targets (nats); log K = uniform, 0 = one-hot. */
  readonly teacherEntropy: number;
  readonly studentEntropy: number;
  /** Prototypes that are the argmax of some teacher target in the batch. */
  readonly prototypesUsed: number;
  /** Mean over dimensions of the std of the teacher's output tokens across the batch. */
  readonly featureStd: number;
  readonly gradNorm: number;
  readonly lr: number;
  readonly skipped: boolean;
}

export const MAX_SKIPPED_STEPS = 5;

export function freshState(r: PretrainRecipe, init?: ParamMap): PretrainState {
  const student = init ? cloneParams(init) : initParams(r.spec, r.seed);
  const zeros = () => new Map([...student].map(([k, v]) => [k, new Float32Array(v.length)]));
  return {
    step: 0,
    student,
    teacher: cloneParams(student),
    m: zeros(),
    v: zeros(),
    center: new Float32Array(r.spec.prototypes),
    skipped: 0,
  };
}

function stepSeed(seed: number, step: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35)) >>> 0;
}

export interface StepPlan {
  /** Per image: frame index and teacher window origin (token units). */
  readonly windows: { frame: number; y: number; x: number }[];
  /** Per student view: image index, crop origin inside the window. */
  readonly crops: { image: number; y: number; x: number }[];
  readonly rand: () => number;
}

export function planStep(r: PretrainRecipe, c: TokenCorpus, step: number): StepPlan {
  const rand = mulberry32(stepSeed(r.seed, step));
  const pick = (n: number) => Math.min(n - 1, Math.floor(rand() * n));
  const windows = Array.from({ length: r.batch }, () => ({
    frame: pick(c.frames.length),
    y: pick(c.h - r.window + 1),
    x: pick(c.w - r.window + 1),
  }));
  const crops = [];
  for (let i = 0; i < r.batch; i++) {
    for (let k = 0; k < r.cropsPerImage; k++)
      crops.push({ image: i, y: pick(r.window - r.crop + 1), x: pick(r.window - r.crop + 1) });
  }
  return { windows, crops, rand };
}

/** Teacher tokens [batch·window², dim]. */
function gatherWindows(r: PretrainRecipe, c: TokenCorpus, plan: StepPlan): Float32Array {
  const W = r.window;
  const D = c.dim;
  const out = new Float32Array(plan.windows.length * W * W * D);
  plan.windows.forEach((win, i) => {
    const f = c.frames[win.frame]!;
    for (let y = 0; y < W; y++) {
      const src = ((win.y + y) * c.w + win.x) * D;
      out.set(f.subarray(src, src + W * D), (i * W + y) * W * D);
    }
  });
  return out;
}

export interface StepSessions {
  readonly teacher: ort.InferenceSession;
  readonly student: ort.InferenceSession;
}

export async function openStepSessions(r: PretrainRecipe, threads?: number): Promise<StepSessions> {
  const opts = threads ? { threads } : {};
  const [t, s] = await Promise.all([
    createSession(buildTeacherGraph(r.spec, r.window * r.window), 'pretrain teacher graph', opts),
    createSession(buildStudentGraph(r.spec, r.crop * r.crop, r.studentTemp), 'pretrain student graph', opts),
  ]);
  return { teacher: t.session, student: s.session };
}

function paramFeeds(r: PretrainRecipe, p: ParamMap): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of trainedParamNames(r.spec))
    feeds[paramInput(name)] = new ort.Tensor('float32', p.get(name)!, paramShape(r.spec, name));
  return feeds;
}

// The fixed position embedding resized to the corpus's grid, once per run (keyed by the array it came from).
const posGrids = new WeakMap<Float32Array, { h: number; w: number; grid: Float32Array }>();

async function corpusPos(r: PretrainRecipe, c: TokenCorpus, pos: Float32Array): Promise<Float32Array> {
  const hit = posGrids.get(pos);
  if (hit && hit.h === c.h && hit.w === c.w) return hit.grid;
  const grid = await posForGrid(pos, r.spec.posGrid!, r.spec.dim, c.h, c.w);
  posGrids.set(pos, { h: c.h, w: c.w, grid });
  return grid;
}

/** Position rows [n·side², D] for square views at the given frame-grid origins. */
function gatherPos(
  grid: Float32Array,
  c: TokenCorpus,
  dim: number,
  side: number,
  origins: readonly { y: number; x: number }[],
): Float32Array {
  const out = new Float32Array(origins.length * side * side * dim);
  origins.forEach((o, i) => {
    for (let y = 0; y < side; y++) {
      const src = ((o.y + y) * c.w + o.x) * dim;
      out.set(grid.subarray(src, src + side * dim), (i * side + y) * side * dim);
    }
  });
  return out;
}

/** One step; mutates `state` unless the step is skipped. */
export async function pretrainStep(
  r: PretrainRecipe,
  c: TokenCorpus,
  state: PretrainState,
  sessions: StepSessions,
): Promise<StepMetrics> {
  const step = state.step;
  const plan = planStep(r, c, step);
  const { window: W, crop: C, spec } = r;
  const K = spec.prototypes;
  const D = c.dim;

  const posGrid = spec.posGrid ? await corpusPos(r, c, state.teacher.get('pos')!) : null;
  const posFeed = (side: number, origins: readonly { y: number; x: number }[]): Record<string, ort.Tensor> =>
    posGrid
      ? {
          pos: new ort.Tensor('float32', gatherPos(posGrid, c, spec.dim, side, origins), [
            origins.length * side * side,
            spec.dim,
          ]),
        }
      : {};
  const tOut = await sessions.teacher.run({
    ...paramFeeds(r, state.teacher),
    ...posFeed(W, plan.windows),
    tokens: new ort.Tensor('float32', gatherWindows(r, c, plan), [r.batch * W * W, D]),
  });
  const logits = tOut.logits!.data as Float32Array;
  const feats = tOut.features!.data as Float32Array;
  const rows = r.batch * W * W;

  // Targets: softmax((s − c)/τ_t); health figures; the centre's update uses this batch's mean logits.
  const tau = teacherTempAt(r, step);
  const probs = new Float32Array(rows * K);
  const used = new Uint8Array(K);
  const mean = new Float64Array(K);
  let entropy = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * K;
    let max = -Infinity;
    let arg = 0;
    for (let k = 0; k < K; k++) {
      const v = (logits[o + k]! - state.center[k]!) / tau;
      probs[o + k] = v;
      if (v > max) {
        max = v;
        arg = k;
      }
      mean[k]! += logits[o + k]!;
    }
    used[arg] = 1;
    let sum = 0;
    for (let k = 0; k < K; k++) sum += probs[o + k] = Math.exp(probs[o + k]! - max);
    for (let k = 0; k < K; k++) {
      const p = (probs[o + k]! /= sum);
      if (p > 0) entropy -= p * Math.log(p);
    }
  }
  entropy /= rows;
  let featureStd = 0;
  {
    const dim = spec.dim;
    for (let d = 0; d < dim; d++) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < rows; i++) {
        const v = feats[i * dim + d]!;
        s += v;
        s2 += v * v;
      }
      const m = s / rows;
      featureStd += Math.sqrt(Math.max(0, s2 / rows - m * m));
    }
    featureStd /= dim;
  }

  // Student views: crops of the window, noise and dropped values; targets at the aligned positions.
  const V = plan.crops.length;
  const n = C * C;
  const xs = new Float32Array(V * n * D);
  const qs = new Float32Array(V * n * K);
  const gaussian = () => {
    const u = Math.max(1e-12, plan.rand());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * plan.rand());
  };
  const windowTokens = gatherWindows(r, c, { ...plan });
  plan.crops.forEach((cr, v) => {
    for (let y = 0; y < C; y++) {
      for (let x = 0; x < C; x++) {
        const src = (cr.image * W + cr.y + y) * W + cr.x + x;
        const dst = v * n + y * C + x;
        for (let d = 0; d < D; d++) {
          const keep = plan.rand() >= r.drop;
          xs[dst * D + d] = keep ? windowTokens[src * D + d]! + r.noise * gaussian() : 0;
        }
        qs.set(probs.subarray(src * K, (src + 1) * K), dst * K);
      }
    }
  });

  const sOut = await sessions.student.run({
    ...paramFeeds(r, state.student),
    ...posFeed(
      C,
      plan.crops.map((cr) => ({ y: plan.windows[cr.image]!.y + cr.y, x: plan.windows[cr.image]!.x + cr.x })),
    ),
    tokens: new ort.Tensor('float32', xs, [V * n, D]),
    targets: new ort.Tensor('float32', qs, [V * n, K]),
  });
  const loss = (sOut.loss!.data as Float32Array)[0]!;
  const studentEntropy = (sOut.entropy!.data as Float32Array)[0]!;
  const names = trainedParamNames(spec);
  let sq = 0;
  for (const name of names) for (const g of sOut[gradOutput(name)]!.data as Float32Array) sq += g * g;
  const gradNorm = Math.sqrt(sq);
  const lr = lrAt(r, step);
  const base = {
    step,
    loss,
    teacherEntropy: entropy,
    studentEntropy,
    prototypesUsed: used.reduce((a, b) => a + b, 0),
    featureStd,
    gradNorm,
    lr,
  };

  if (!Number.isFinite(loss) || !Number.isFinite(gradNorm) || !Number.isFinite(entropy)) {
    // Skip: the last good state stays as it is; the next step draws new views.
    state.skipped++;
    state.step++;
    if (state.skipped >= MAX_SKIPPED_STEPS) {
      throw new StudioError(
        'internal',
        `pretraining diverged: the loss or its gradient was not finite for ${state.skipped} steps in a row (last at step ${step}); lower --lr or resume from the last checkpoint`,
      );
    }
    return { ...base, skipped: true };
  }
  state.skipped = 0;

  // Clip the global norm, AdamW (decoupled decay on matrices), then the EMA teacher.
  const coef = Math.min(1, r.clip / (gradNorm + 1e-6));
  const b1 = 0.9;
  const b2 = 0.999;
  const t = step + 1;
  const bc1 = 1 - b1 ** t;
  const bc2 = 1 - b2 ** t;
  const mom = emaAt(r, step);
  for (const name of names) {
    const g = sOut[gradOutput(name)]!.data as Float32Array;
    const p = state.student.get(name)!;
    const m = state.m.get(name)!;
    const v = state.v.get(name)!;
    const tp = state.teacher.get(name)!;
    const wd = decays(name) ? r.weightDecay : 0;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]! * coef;
      m[i] = b1 * m[i]! + (1 - b1) * gi;
      v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
      p[i] = p[i]! - lr * (m[i]! / bc1 / (Math.sqrt(v[i]! / bc2) + 1e-8) + wd * p[i]!);
      tp[i] = mom * tp[i]! + (1 - mom) * p[i]!;
    }
  }
  for (let k = 0; k < K; k++)
    state.center[k] = r.centerMomentum * state.center[k]! + (1 - r.centerMomentum) * (mean[k]! / rows);
  state.step++;
  return { ...base, skipped: false };
}
