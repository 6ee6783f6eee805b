// A short pretraining run on a small token corpus: the loss falls; a run stopped mid-way (as a kill
// after a checkpoint) and started again on its folder ends with the same bytes as an uninterrupted
// run; non-finite losses skip steps and then fail with the cause; a corpus too small for the views is
// refused with the sizes named.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TokenCorpus } from '../../../main/engine/pretrain/corpus.js';
import { readCheckpoint } from '../../../main/engine/pretrain/checkpoint.js';
import { defaultRecipe, type PretrainRecipe } from '../../../main/engine/pretrain/recipe.js';
import { CHECKPOINT_FILE, METRICS_FILE, runPretraining } from '../../../main/engine/pretrain/run.js';
import type { StepMetrics } from '../../../main/engine/pretrain/trainer.js';
import { mulberry32 } from '../../../shared/random.js';
import { tempDir } from '../../helpers/temp-workspace.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Frames of a few "materials": each token is one of 4 prototypes plus noise, in blobs. */
function corpus(frames: number, h: number, w: number, dim: number, seed = 1): TokenCorpus {
  const r = mulberry32(seed);
  const protos = Array.from({ length: 4 }, () => Float32Array.from({ length: dim }, () => r() * 2 - 1));
  const out: Float32Array[] = [];
  for (let f = 0; f < frames; f++) {
    const cx = Array.from({ length: 4 }, () => [r() * h, r() * w] as const);
    const a = new Float32Array(h * w * dim);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let best = 0;
        let bd = Infinity;
        cx.forEach(([cy, cxx], k) => {
          const d = (y - cy) ** 2 + (x - cxx) ** 2;
          if (d < bd) [bd, best] = [d, k];
        });
        for (let d = 0; d < dim; d++) a[(y * w + x) * dim + d] = protos[best]![d]! + 0.2 * (r() * 2 - 1);
      }
    }
    out.push(a);
  }
  return { frames: out, h, w, dim };
}

const DIM = 12;
function recipe(over: Partial<PretrainRecipe> = {}): PretrainRecipe {
  const r = defaultRecipe({
    steps: 40,
    batch: 4,
    cropsPerImage: 2,
    window: 6,
    crop: 4,
    warmupSteps: 4,
    lr: 3e-3,
    noise: 0.1,
    drop: 0.1,
    seed: 3,
    ...over,
  });
  return {
    ...r,
    spec: {
      inDim: DIM,
      dim: 16,
      depth: 1,
      heads: 2,
      ffnDim: 32,
      headHidden: 32,
      bottleneck: 8,
      prototypes: 16,
    },
  };
}

const metricsOf = (dir: string) =>
  fs
    .readFileSync(path.join(dir, METRICS_FILE), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepMetrics);

describe('pretraining run', () => {
  const data = corpus(6, 8, 10, DIM);

  it('the loss falls and health figures are recorded', async () => {
    const dir = path.join(tmp.dir, 'falls');
    await runPretraining({ dir, recipe: recipe(), corpus: data, source: 'test corpus', threads: 1 });
    const m = metricsOf(dir);
    expect(m.length).toBe(40);
    const mean = (a: StepMetrics[]) => a.reduce((s, x) => s + x.loss, 0) / a.length;
    expect(mean(m.slice(-8))).toBeLessThan(mean(m.slice(0, 8)));
    for (const x of m) {
      expect(x.teacherEntropy).toBeGreaterThan(0);
      expect(x.prototypesUsed).toBeGreaterThan(0);
      expect(x.featureStd).toBeGreaterThan(0);
    }
  });

  it('stopped after a checkpoint and resumed, it ends with the same bytes as an uninterrupted run', async () => {
    const r = recipe({ steps: 12 });
    const a = path.join(tmp.dir, 'straight');
    const b = path.join(tmp.dir, 'resumed');
    await runPretraining({ dir: a, recipe: r, corpus: data, source: 'test', threads: 1, checkpointEvery: 5 });
    // "Killed" after step 7: the last checkpoint is step 5, and steps 6-7 ran but were not saved.
    await runPretraining({
      dir: b,
      recipe: r,
      corpus: data,
      source: 'test',
      threads: 1,
      checkpointEvery: 5,
      stopAfter: 7,
    });
    expect(readCheckpoint(path.join(b, CHECKPOINT_FILE)).state.step).toBe(5);
    await runPretraining({ dir: b, recipe: r, corpus: data, source: 'test', threads: 1, checkpointEvery: 5 });
    expect(
      Buffer.compare(
        fs.readFileSync(path.join(a, CHECKPOINT_FILE)),
        fs.readFileSync(path.join(b, CHECKPOINT_FILE)),
      ),
    ).toBe(0);
    expect(metricsOf(b).map((m) => m.step)).toEqual(metricsOf(a).map((m) => m.step));
    // A different recipe on the same folder is refused rather than mixed.
    await expect(
      runPretraining({ dir: b, recipe: { ...r, lr: 1e-3 }, corpus: data, source: 'test', threads: 1 }),
    ).rejects.toThrow(/different recipe/);
  });

  it('non-finite losses skip the step, keep the weights, then fail naming the cause', async () => {
    const dir = path.join(tmp.dir, 'nan');
    const bad = { ...data, frames: data.frames.map((f) => f.map(() => NaN)) };
    const skipped: StepMetrics[] = [];
    await expect(
      runPretraining({
        dir,
        recipe: recipe(),
        corpus: bad,
        source: 'test',
        threads: 1,
        checkpointEvery: 1,
        onMetrics: (m) => skipped.push(m),
      }),
    ).rejects.toThrow(/not finite for 5 steps in a row/);
    expect(skipped.every((m) => m.skipped)).toBe(true);
    // Nothing saved was overwritten with NaN weights.
    const saved = readCheckpoint(path.join(dir, CHECKPOINT_FILE));
    for (const v of saved.state.student.values()) expect(v.every(Number.isFinite)).toBe(true);
  });

  it('refuses a corpus smaller than the teacher window, naming the sizes', async () => {
    await expect(
      runPretraining({
        dir: path.join(tmp.dir, 'small'),
        recipe: recipe({ window: 12 }),
        corpus: data,
        source: 'tiny frames',
        threads: 1,
      }),
    ).rejects.toThrow(/tiny frames: frames give a 10×8 token grid, smaller than the teacher window 12×12/);
  });
});
