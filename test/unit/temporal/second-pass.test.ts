// The second pass of temporal prediction both ways on its own helper thread (second-pass.ts) and the
// predict job's pipeline around it (cause/predict-two-pass.ts): the same labels as on this thread, in the
// frames' order, and nothing written after a cancel.
import { afterAll, describe, expect, it } from 'vitest';
import type { Predictor, PixelRect } from '../../../main/engine/cause/predict.js';
import { predictBothWays, type TwoPassRun } from '../../../main/engine/cause/predict-two-pass.js';
import type { FrameRecord } from '../../../main/engine/datasets/frame-source.js';
import type { FeatureSet } from '../../../main/engine/features/feature-reader.js';
import type { Correspondence } from '../../../main/engine/temporal/carry.js';
import { stopTemporalHelper } from '../../../main/engine/temporal/link-pipeline.js';
import { SecondPass } from '../../../main/engine/temporal/second-pass.js';
import { sequenceOrder } from '../../../main/engine/temporal/sequence-order.js';
import { upsampleArgmax } from '../../../main/engine/temporal/upsample-labels.js';

const K = 4;
const SW = 12;
const SH = 8;

/** Scores that drift frame by frame, with near ties the hysteresis decides. */
function scoresAt(t: number, seed: number): Float32Array {
  return Float32Array.from({ length: SW * SH * K }, (_, i) => {
    const k = i % K;
    const p = (i - k) / K;
    return 0.5 + 0.3 * Math.sin((p % SW) * 0.7 + Math.floor(p / SW) * 0.4 + k * 1.9 + t * 0.35 + seed) + 0.01 * (((p * 7 + k * 3 + t) % 5) - 2);
  });
}

function shiftBy(dx: number): Correspondence {
  const n = SW * SH;
  return { width: SW, height: SH, u: new Float32Array(n).fill(dx), v: new Float32Array(n), confidence: new Float32Array(n).fill(0.9), still: Uint8Array.from({ length: n }, (_, i) => i % 3) };
}

describe('second pass on a helper thread', () => {
  afterAll(() => stopTemporalHelper());

  it('gives the labels and filtered scores of this thread, frame by frame, and a new key starts a new state', async () => {
    const frames = [0, 1, 2, 3, 4].map((t) => ({ key: t < 3 ? 'a' : 'b', t, corr: t === 0 || t === 3 ? null : shiftBy(0.6) }));
    const options = { carry: 0.8, margin: 0.5, cutDrop: 0.2, stillMargin: 0.4 };
    const run = async (threads: number) => {
      const pass = await SecondPass.open(K, options, threads);
      expect(pass.threaded).toBe(threads === 2);
      // on the helper, every other frame only filtered, its labels upsampled here (as at the end of a run)
      const results = frames.map((f, k) =>
        pass.frame({ sequence: f.key, width: SW, height: SH, outW: 2 * SW, outH: 2 * SH, scores: scoresAt(f.t, 1), link: { correspondence: f.corr, meanSimilarity: 0.9 } }, threads === 1 || k % 2 === 0),
      );
      const out = await Promise.all(results);
      pass.close();
      expect(out.map((r) => r.prediction === null)).toEqual(frames.map((_, k) => threads === 2 && k % 2 === 1));
      return out.map((r) => {
        const p = r.prediction ?? upsampleArgmax(r.scores, SW, SH, K, 2 * SW, 2 * SH);
        return { clusters: Array.from(p.clusters), confidence: Array.from(p.confidence), scores: Array.from(r.scores) };
      });
    };
    const here = await run(1);
    const there = await run(2);
    expect(there).toEqual(here);
    // the filter did carry: frame 1's labels are not its own scores' argmax everywhere, frame 3 (a new key) is
    expect(here[1]!.scores).not.toEqual(Array.from(scoresAt(1, 1)));
    expect(here[3]!.scores).toEqual(Array.from(scoresAt(3, 1)));
  });

  it('refuses scores that are a view into a larger buffer (they are moved to the helper)', async () => {
    const pass = await SecondPass.open(K, {}, 2);
    const big = new Float32Array(SW * SH * K * 2);
    expect(() => pass.frame({ sequence: 'a', width: SW, height: SH, outW: SW, outH: SH, scores: big.subarray(0, SW * SH * K), link: { correspondence: null, meanSimilarity: null } })).toThrow(/own their buffer/);
    pass.close();
  });
});

// predictBothWays with a stand-in for the model and the feature cache: 'features' mode needs no images.
const GH = 4;
const GW = 6;
const DIM = 3;
function gridOf(t: number, seq: number): Float32Array {
  return Float32Array.from({ length: GH * GW * DIM }, (_, i) => Math.sin(i * 0.37 + t * 0.5 + seq));
}
const frameList: FrameRecord[] = [...Array.from({ length: 40 }, (_, t) => ['a', t] as const), ...Array.from({ length: 5 }, (_, t) => ['b', t] as const)].map(([s, t], i) => ({
  id: `f${i}`,
  datasetId: 'd',
  sequenceId: s,
  index: t,
  split: 'train',
  imagePath: `/nonexistent/${i}.png`,
  labelPath: null,
  width: 2 * SW,
  height: 2 * SH,
  name: `${s}${t}`,
  ordinal: i,
  timeSeconds: null,
}));
const set = {
  grid: { h: GH, w: GW },
  dim: DIM,
  preprocessing: { width: 2 * SW, height: 2 * SH },
  read: (i: number) => gridOf(frameList[i]!.index, frameList[i]!.sequenceId === 'a' ? 0 : 3),
} as unknown as FeatureSet;
/** Cosines from the grid: each state pixel takes its patch's channels mixed per cluster. */
const predictor = {
  clusters: K,
  gridCosines(grid: Float32Array, h: number, w: number, dim: number, outW: number, outH: number, _region: PixelRect, into?: Float32Array) {
    const out = into && into.length === outW * outH * K ? into : new Float32Array(outW * outH * K);
    for (let y = 0; y < outH; y++)
      for (let x = 0; x < outW; x++) {
        const g = (Math.floor((y * h) / outH) * w + Math.floor((x * w) / outW)) * dim;
        for (let k = 0; k < K; k++) out[(y * outW + x) * K + k] = Math.cos(grid[g + (k % dim)]! * (k + 1) + x * 0.05);
      }
    return out;
  },
} as unknown as Predictor;

describe('predictBothWays', () => {
  afterAll(() => stopTemporalHelper());
  const itemOf = new Map(frameList.map((f, i) => [f.id, i] as const));
  const order = sequenceOrder(frameList, 'forward');
  const base: Omit<TwoPassRun, 'threads' | 'skip'> = { set, itemOf, frames: frameList, order, predictor, mode: 'features', image: () => Promise.reject(new Error('no images')) };

  async function run(threads: number, skip: (pos: number) => boolean = () => false, overlapBytes?: number) {
    const out: { i: number; pos: number; labels: number[] | null }[] = [];
    const counts = await predictBothWays({ ...base, threads, skip, ...(overlapBytes !== undefined ? { overlapBytes } : {}) }, async (i, pos, p) => {
      await new Promise((r) => setTimeout(r, 1));
      out.push({ i, pos, labels: p ? Array.from(p.clusters) : null });
    });
    return { out, counts };
  }

  it('writes every frame once, in order, with the same labels on one thread and on three', async () => {
    const one = await run(1);
    const three = await run(2);
    expect(one.out.map((o) => o.pos)).toEqual(order.map((_, pos) => pos));
    expect(three).toEqual(one);
    // 40 frames of 'a' are two stretches, 'b' one: three carried states
    expect(one.counts.resets).toBe(3);
    // a skipped stretch (a resumed run) comes out as nulls in its place, the others as before
    // frames too large for two stretches' scores at once: each stretch written before the next one's first pass
    expect((await run(2, () => false, 0)).out).toEqual(one.out);
    const resumed = await run(2, (pos) => pos < 32);
    expect(resumed.out.map((o) => o.labels === null)).toEqual(order.map((_, pos) => pos < 32));
    expect(resumed.out.slice(32)).toEqual(one.out.slice(32));
  });

  it('stops writing at a cancel and throws it', async () => {
    let written = 0;
    const cancel = new Error('cancelled');
    const job = predictBothWays({ ...base, threads: 2, skip: () => false, throwIfCancelled: () => { if (written >= 5) throw cancel; } }, async () => {
      written++;
    });
    await expect(job).rejects.toBe(cancel);
    await new Promise((r) => setTimeout(r, 50));
    expect(written).toBe(5);
  });
});
