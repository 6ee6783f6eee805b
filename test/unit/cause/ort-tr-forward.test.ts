// The forward-only TR head graph on onnxruntime (Step 3's teacher outputs) against its oracle, the tfjs
// TR head in eval mode on the full grids, gathered at the sampled rows afterwards (what the trainer's
// tfjs path computes), on small random inputs; and the trainer's Step 3 on it: exact kill-and-resume
// inside Step 3, the same Step 3 losses as the tfjs path from the same Step 2 checkpoint, and the
// fallback to tfjs when a session run fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import { codebookQueries, headForward, initHeadParams, type HeadSpec } from '../../../main/engine/cause/heads.js';
import { ParamSet } from '../../../main/engine/cause/params.js';
import { Prng } from '../../../main/engine/cause/prng.js';
import { trParamShape, type TrParamName } from '../../../main/engine/cause/ort/tr-step2-graph.js';
import { TrForwardGraph } from '../../../main/engine/cause/ort/tr-forward.js';
import type { TrForwardGraphSpec } from '../../../main/engine/cause/ort/tr-forward-graph.js';
import { decodeTrainerState, encodeTrainerState } from '../../../main/engine/cause/model-io.js';
import { trainCause, TrainingStopped, type TrainerState } from '../../../main/engine/cause/trainer.js';
import { sampleBatch } from '../../../main/engine/cause/engines/batch.js';
import { withRunFallback } from '../../../main/engine/cause/engines/select.js';
import type { TeacherForward } from '../../../main/engine/cause/engines/step-engine.js';
import { normRows, plantedFeatures, relErr, tinyConfig, toHost } from './fixtures.js';

const D = 16;
const N = 12; // a 3×4 grid
const F = 24;
const r = 6;
const p = 10;
const k = 8;
const n = 3; // sampled rows per image

// Dropout in the spec on purpose: eval mode must ignore it in both engines.
const headSpec: HeadSpec = { kind: 'tr', dim: D, headDim: r, projDim: p, ffnDim: F, gridTokens: N, dropout: 0.1 };
const graphSpec: TrForwardGraphSpec = { dim: D, headDim: r, ffnDim: F, concepts: k, gridTokens: N, tokensPerImage: n };

let graph: TrForwardGraph;
beforeAll(async () => {
  await initTfBackend('cpu');
  graph = await TrForwardGraph.open(graphSpec, { threads: 1, provider: 'cpu' });
});
afterAll(async () => {
  await graph?.release();
});

interface Case {
  readonly grids: Float32Array;
  readonly rows: Int32Array;
  readonly clusterbook: Float32Array;
  readonly cbNorm: Float32Array;
  readonly teacher: Map<string, Float32Array>;
}

function makeCase(seed: number, B: number): Case {
  const rng = new Prng(seed);
  const clusterbook = rng.normalArray(k * D);
  const grids = rng.normalArray(B * N * D);
  // n distinct grid positions per image; position 5 in every image, so rows sharing a position across
  // images (one positional row, several images) are covered.
  const rows = new Int32Array(B * n);
  for (let b = 0; b < B; b++) {
    const picked = new Set<number>([5]);
    while (picked.size < n) picked.add(rng.int(N));
    [...picked].forEach((pos, t) => (rows[b * n + t] = b * N + pos));
  }
  const teacher = toHost(initHeadParams(headSpec, new Prng(seed + 1)));
  // Biases start at 0 and LayerNorm at (1, 0): shift them so every bias path carries a value.
  for (const [name, v] of teacher) if (!name.endsWith('.w') && name !== 'head.pos') for (let i = 0; i < v.length; i++) v[i] = v[i]! + 0.3 * rng.normal();
  return { grids, rows, clusterbook, cbNorm: normRows(clusterbook, D), teacher };
}

/** tfjs: the head on every grid row (eval mode), then the sampled rows gathered. */
function oracle(c: Case): Float32Array {
  return tf.tidy(() => {
    const B = c.grids.length / (N * D);
    const teacher = new ParamSet(
      new Map([...c.teacher].map(([name, v]) => [name, { shape: trParamShape({ dim: D, headDim: r, projDim: p, ffnDim: F, gridTokens: N }, name as TrParamName), values: v }])),
      false,
    );
    const x = tf.tensor2d(c.grids, [B * N, D]);
    const cbNormT = tf.transpose(tf.tensor2d(c.cbNorm, [k, D])) as tf.Tensor2D;
    const y = headForward(headSpec, teacher, x, null, codebookQueries(x, tf.tensor2d(c.clusterbook, [k, D]), cbNormT));
    const out = tf.gather(y, tf.tensor1d(c.rows, 'int32')).dataSync() as Float32Array;
    teacher.dispose();
    return out;
  });
}

describe('TR head forward graph on onnxruntime vs the tfjs head on full grids', () => {
  for (const [seed, B] of [
    [3, 1],
    [4, 2],
    [5, 3],
  ] as const) {
    it(`seed ${seed}, ${B} image(s): the same outputs at the sampled rows`, async () => {
      const c = makeCase(seed, B);
      const ref = oracle(c);
      const got = await graph.run(c.cbNorm, c.clusterbook, c.grids, c.rows, c.teacher);
      expect(got.length).toBe(B * n * r);
      expect(relErr(got, ref)).toBeLessThan(1e-4);
    });
  }

  it('follows a new parameter map and a new clusterbook on a reused session', async () => {
    const a = makeCase(6, 2);
    const b = makeCase(7, 2);
    const first = await graph.run(a.cbNorm, a.clusterbook, a.grids, a.rows, a.teacher);
    expect(relErr(first, oracle(a))).toBeLessThan(1e-4);
    // Same grids and rows, the other case's teacher and clusterbook: must match that oracle, not the cached one.
    const mixed: Case = { ...a, teacher: b.teacher, clusterbook: b.clusterbook, cbNorm: b.cbNorm };
    const second = await graph.run(mixed.cbNorm, mixed.clusterbook, mixed.grids, mixed.rows, mixed.teacher);
    expect(relErr(second, oracle(mixed))).toBeLessThan(1e-4);
    expect(relErr(second, first)).toBeGreaterThan(1e-2);
  });

  it('rejects rows outside their image, a wrong row count and missing parameters', async () => {
    const c = makeCase(8, 2);
    const swapped = Int32Array.from(c.rows);
    swapped[0] = N + 1; // image 1's row in image 0's slot
    await expect(graph.run(c.cbNorm, c.clusterbook, c.grids, swapped, c.teacher)).rejects.toThrow(/sampled row 0 \(13\) is not in image 0/);
    await expect(graph.run(c.cbNorm, c.clusterbook, c.grids, c.rows.subarray(1), c.teacher)).rejects.toThrow(/5 sampled rows for 2 images of 3/);
    const partial = new Map(c.teacher);
    partial.delete('head.ca.v.w');
    await expect(graph.run(c.cbNorm, c.clusterbook, c.grids, c.rows, partial)).rejects.toThrow(/parameter head\.ca\.v\.w is missing/);
  });
});

describe('CAUSE-TR Step 3 with the teacher forward on onnxruntime', () => {
  const src = plantedFeatures(12, 8, 8, 16);
  const config = tinyConfig('cause-tr', { checkpointEvery: 1 });
  const step3Losses = (into: number[]) => (_s: number, v: Record<string, number>) => {
    if ('step3.loss' in v) into.push(v['step3.loss']!);
  };

  it('kill-and-resume inside Step 3 equals an uninterrupted run; both engines agree on the Step 3 losses', async () => {
    const logs: string[] = [];
    const fullLosses: number[] = [];
    const full = await trainCause(src, config, { log: (m) => logs.push(m), metrics: step3Losses(fullLosses) });
    expect(logs).toContain('Step 3 teacher forward engine: onnxruntime-cpu');
    expect(full.step3Engine).toBe('onnxruntime-cpu');
    expect(fullLosses.length).toBe(3);

    const states = new Map<number, Uint8Array>();
    const save = (s: TrainerState) => void states.set(s.globalStep, encodeTrainerState(s));
    // Steps 1-3 run 3 steps each here: step 7 is Step 3's first, so 8 is mid Step 3.
    await expect(trainCause(src, config, { saveCheckpoint: save, stopAfterStep: 8 })).rejects.toBeInstanceOf(TrainingStopped);
    const mid = decodeTrainerState(states.get(8)!, 'memory');
    expect(mid.stage).toBe(2);
    const resumed = await trainCause(src, config, { loadCheckpoint: () => mid });
    expect(Array.from(resumed.centroids)).toEqual(Array.from(full.centroids));

    // From the end of Step 2, Step 3 again on tfjs (full grids, gathered): same draws, losses equal within float error.
    const atStep3 = decodeTrainerState(states.get(6)!, 'memory');
    expect(atStep3.stage).toBe(1);
    const tfjsLosses: number[] = [];
    const tfjsLogs: string[] = [];
    await trainCause(src, config, { loadCheckpoint: () => atStep3, step2Engine: 'tfjs', log: (m) => tfjsLogs.push(m), metrics: step3Losses(tfjsLosses) });
    expect(tfjsLogs).not.toContain('Step 3 teacher forward engine: onnxruntime-cpu');
    expect(tfjsLosses.length).toBe(3);
    for (let i = 0; i < 3; i++) expect(Math.abs(tfjsLosses[i]! - fullLosses[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(fullLosses[i]!)));
  });
});

describe('the teacher forward run-time fallback', () => {
  it('falls back to tfjs on the same draws when the onnxruntime run fails, and stays there', async () => {
    const src = plantedFeatures(4, 8, 8, 16);
    const logs: string[] = [];
    let released = 0;
    let fallbackCalls = 0;
    const broken: TeacherForward = {
      engine: 'onnxruntime-cpu',
      outputs: () => Promise.reject(new Error('session lost\nstack')),
      release: () => {
        released++;
        return Promise.resolve();
      },
    };
    // The stand-in tfjs forward returns the batch's sampled tokens, so the test sees which draws it got.
    const echo: TeacherForward = {
      engine: 'tfjs',
      outputs: (batch) => {
        fallbackCalls++;
        return Promise.resolve(tf.tensor2d(batch.tokens, [batch.items.length * batch.n, 16]));
      },
      release: () => Promise.resolve(),
    };
    const fwd = withRunFallback(broken, () => Promise.resolve(echo), { label: 'Step 3 teacher forward', want: 'auto', log: (m) => logs.push(m) });
    expect(fwd.engine).toBe('onnxruntime-cpu');
    const batch = sampleBatch(src, [0, 2], new Prng(5));
    const a = await fwd.outputs(batch);
    expect(Array.from(a.dataSync())).toEqual(Array.from(sampleBatch(src, [0, 2], new Prng(5)).tokens));
    expect(fwd.engine).toBe('tfjs');
    expect(logs).toEqual(['Step 3 teacher forward failed on onnxruntime-cpu (session lost); using tfjs from here on']);
    expect(released).toBe(1);
    (await fwd.outputs(batch)).dispose();
    expect(fallbackCalls).toBe(2);
    a.dispose();
    // Required onnxruntime: the failure is the caller's.
    const strict = withRunFallback(broken, () => Promise.resolve(echo), { label: 'Step 3 teacher forward', want: 'onnxruntime' });
    await expect(strict.outputs(batch)).rejects.toThrow(/session lost/);
  });
});
