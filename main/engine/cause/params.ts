// Named parameter sets (student, teacher, optimiser moments) with stable order for checkpoints.
import * as tf from '@tensorflow/tfjs';

export interface ParamInit {
  readonly shape: number[];
  readonly values: Float32Array;
}

export class ParamSet {
  readonly vars = new Map<string, tf.Variable>();

  constructor(init: ReadonlyMap<string, ParamInit> | Iterable<[string, ParamInit]>, trainable = true) {
    for (const [name, p] of init) this.vars.set(name, tf.tidy(() => tf.variable(tf.tensor(p.values, p.shape), trainable)));
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`parameter ${name} is missing`);
    return v;
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  list(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** A detached copy (e.g. the teacher, which starts as an exact copy of the student). */
  copy(trainable: boolean): ParamSet {
    return new ParamSet(this.export(), trainable);
  }

  export(): Map<string, ParamInit> {
    const out = new Map<string, ParamInit>();
    for (const [name, v] of this.vars) out.set(name, { shape: [...v.shape], values: v.dataSync() as Float32Array });
    return out;
  }

  load(values: ReadonlyMap<string, ParamInit>): void {
    for (const [name, v] of this.vars) {
      const p = values.get(name);
      if (!p) throw new Error(`checkpoint has no parameter ${name}`);
      tf.tidy(() => v.assign(tf.tensor(p.values, p.shape)));
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** θ_t ← m θ_t + (1 − m) θ_s, parameter by parameter. */
export function emaUpdate(teacher: ParamSet, student: ParamSet, momentum: number): void {
  for (const [name, t] of teacher.vars) {
    const s = student.get(name);
    tf.tidy(() => t.assign(tf.add(tf.mul(t, momentum), tf.mul(s, 1 - momentum))));
  }
}

/** The same EMA on host arrays (in place), for the onnxruntime Step 2 path. */
export function emaHostUpdate(teacher: ReadonlyMap<string, Float32Array>, student: ReadonlyMap<string, Float32Array>, momentum: number): void {
  for (const [name, t] of teacher) {
    const s = student.get(name);
    if (!s) throw new Error(`parameter ${name} is missing`);
    for (let i = 0; i < t.length; i++) t[i] = t[i]! * momentum + s[i]! * (1 - momentum);
  }
}
