// Small synthetic feature sets with planted structure: each image is split into regions whose tokens
// come from a few "semantic" prototypes plus noise, so clustering has something real to find.
import type { FeatureSource } from '../../../main/engine/cause/features.js';
import { Prng } from '../../../shared/random.js';
import { presetConfig, type TrainConfig } from '../../../shared/contract/experiments.js';

export interface PlantedSource extends FeatureSource {
  /** Ground-truth prototype of every token (for checking results; never passed to training). */
  readonly truth: Int32Array[];
}

export function plantedFeatures(count: number, h: number, w: number, dim: number, classes = 3, seed = 7): PlantedSource {
  const rng = new Prng(seed);
  const protos = Array.from({ length: classes }, () => rng.normalArray(dim));
  const grids: Float32Array[] = [];
  const truth: Int32Array[] = [];
  for (let i = 0; i < count; i++) {
    const g = new Float32Array(h * w * dim);
    const t = new Int32Array(h * w);
    const split = 1 + rng.int(h - 1);
    const a = rng.int(classes);
    const b = (a + 1 + rng.int(classes - 1)) % classes;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const c = y < split ? a : b;
        t[y * w + x] = c;
        const p = protos[c]!;
        for (let d = 0; d < dim; d++) g[(y * w + x) * dim + d] = p[d]! + 0.6 * rng.normal();
      }
    }
    grids.push(g);
    truth.push(t);
  }
  return { count, h, w, dim, truth, read: (i) => grids[i]! };
}

export function tinyConfig(method: 'cause-mlp' | 'cause-tr', overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...presetConfig('fast', method, 3, 11, 'cpu'),
    concepts: 16,
    headDim: 8,
    projDim: 16,
    ffnDim: 16,
    bankPerConcept: 4,
    batchSize: 4,
    step1: { lr: 4e-3, epochs: 1 },
    step2: { lr: 2e-3, epochs: 1 },
    step3: { lr: 4e-3, epochs: 1, decayEvery: 2, decayFactor: 0.5 },
    checkpointEvery: 2,
    ...overrides,
  };
}

/** Rows of `a` (width `dim`) scaled to unit length. */
export function normRows(a: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length / dim; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += a[i * dim + d]! ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let d = 0; d < dim; d++) out[i * dim + d] = a[i * dim + d]! * inv;
  }
  return out;
}

/** A parameter map as the host arrays the onnxruntime Step 2 runners take. */
export function toHost(m: Map<string, { values: Float32Array }>): Map<string, Float32Array> {
  return new Map([...m].map(([key, v]) => [key, v.values]));
}

/** max |a − b| relative to max |b| (lengths must agree). */
export function relErr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`relErr: lengths ${a.length} and ${b.length} differ`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}
