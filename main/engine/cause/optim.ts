// Adam with global gradient-norm clipping, written out so its moments can be checkpointed exactly
// (tf.train.adam keeps them private) and resumed bit-for-bit.
import * as tf from '@tensorflow/tfjs';
import type { ParamInit, ParamSet } from './params.js';

export interface AdamState {
  readonly t: number;
  readonly m: Map<string, ParamInit>;
  readonly v: Map<string, ParamInit>;
}

export class Adam {
  private t = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly params: ParamSet,
    public lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    for (const [name, p] of params.vars) {
      // In a tidy so the zero tensors the variables were made from do not outlive them.
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  get steps(): number {
    return this.t;
  }

  /**
   * Clips the global norm to `clip` (torch's clip_grad_norm_: coefficient clip/(norm+1e-6), capped at 1),
   * then applies one Adam update. Returns the gradient norm before clipping.
   */
  apply(grads: Record<string, tf.Tensor>, clip: number | null): number {
    const names = this.params.names();
    const norm = tf.tidy(() => {
      const sq = names.map((n) => tf.sum(tf.square(grads[this.params.get(n).name]!)));
      return Math.sqrt(tf.addN(sq).dataSync()[0]!);
    });
    const coef = clip !== null && Number.isFinite(norm) ? Math.min(1, clip / (norm + 1e-6)) : 1;
    this.t++;
    const bc1 = 1 - Math.pow(this.beta1, this.t);
    const bc2 = 1 - Math.pow(this.beta2, this.t);
    for (const name of names) {
      const p = this.params.get(name);
      const g0 = grads[p.name];
      if (!g0) continue;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      tf.tidy(() => {
        const g = coef === 1 ? g0 : tf.mul(g0, coef);
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), this.eps));
        p.assign(tf.sub(p, tf.mul(update, this.lr)));
      });
    }
    return norm;
  }

  export(): AdamState {
    const dump = (src: Map<string, tf.Variable>) => {
      const out = new Map<string, ParamInit>();
      for (const [k, v] of src) out.set(k, { shape: [...v.shape], values: v.dataSync() as Float32Array });
      return out;
    };
    return { t: this.t, m: dump(this.m), v: dump(this.v) };
  }

  load(s: AdamState): void {
    this.t = s.t;
    for (const [src, dst] of [
      [s.m, this.m],
      [s.v, this.v],
    ] as const) {
      for (const [k, v] of dst) {
        const p = src.get(k);
        if (!p) throw new Error(`checkpoint has no optimiser moment for ${k}`);
        tf.tidy(() => v.assign(tf.tensor(p.values, p.shape)));
      }
    }
  }

  dispose(): void {
    for (const v of [...this.m.values(), ...this.v.values()]) v.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/**
 * The same clip + Adam update on host arrays (the onnxruntime Step 2 path keeps its parameters in JS:
 * ~1 M floats, a few ms, cheaper than copying them into wasm tensors every step). Mutates `params`,
 * `m` and `v` in place; `t` is the step number after this update (1-based). Returns the gradient norm
 * before clipping.
 */
export function adamHostStep(
  params: ReadonlyMap<string, Float32Array>,
  grads: ReadonlyMap<string, Float32Array>,
  m: ReadonlyMap<string, Float32Array>,
  v: ReadonlyMap<string, Float32Array>,
  t: number,
  lr: number,
  clip: number | null,
  beta1 = 0.9,
  beta2 = 0.999,
  eps = 1e-8,
): number {
  let sq = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
  const norm = Math.sqrt(sq);
  const coef = clip !== null && Number.isFinite(norm) ? Math.min(1, clip / (norm + 1e-6)) : 1;
  const bc1 = 1 - Math.pow(beta1, t);
  const bc2 = 1 - Math.pow(beta2, t);
  for (const [name, p] of params) {
    const g = grads.get(name);
    if (!g) continue;
    const mm = m.get(name)!;
    const vv = v.get(name)!;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]! * coef;
      const mi = beta1 * mm[i]! + (1 - beta1) * gi;
      const vi = beta2 * vv[i]! + (1 - beta2) * gi * gi;
      mm[i] = mi;
      vv[i] = vi;
      p[i] = p[i]! - (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + eps);
    }
  }
  return norm;
}
