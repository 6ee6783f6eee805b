// npm run bench:train — CAUSE training step speed at the reference shapes: Step 1 (clusterbook),
// Step 2 with the MLP head and with the TR head, for D = 384 on a 40×40 grid and D = 768 on 23×23,
// batch 16, reference preset (k = 2048 concepts, projection 2048, bank 100 per concept).
// Prints ms per step (median of the measured steps after one warm-up step), the matmul GFLOP/s implied
// by an analytic FLOP count, and the peak memory; ends with one `BENCH {json}` line.
// Each case runs in its own child process: a wasm out-of-memory abort (TR on 40×40 at batch 16 can
// exceed the 4 GiB wasm heap) then fails only that case, which is retried at batch 4 and labelled so.
// Options (env): BENCH_STEPS (measured steps, default 3), BENCH_BACKEND (wasm|cpu|tensorflow|auto),
// BENCH_QUICK=1 (skip the TR head on 40×40, the slowest point), BENCH_SKIP_TR=1.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { presetConfig, type TrainConfig } from '../shared/contract/experiments.js';
import type { FeatureSource } from '../main/engine/cause/features.js';
import { Prng } from '../main/engine/cause/prng.js';
import { trainCause } from '../main/engine/cause/trainer.js';
import { initTfBackend, type TfBackendName } from '../main/engine/tf/backend.js';

const steps = Number(process.env.BENCH_STEPS ?? 3);
const quick = process.env.BENCH_QUICK === '1';
const skipTr = process.env.BENCH_SKIP_TR === '1';
const log = (s: string) => process.stdout.write(s + '\n');

/** A small pool of random grids with planted structure (a few prototypes + noise), reused cyclically. */
function source(h: number, w: number, dim: number, pool: number): FeatureSource {
  const rng = new Prng(1);
  const protos = Array.from({ length: 8 }, () => rng.normalArray(dim));
  const grids = Array.from({ length: pool }, () => {
    const g = new Float32Array(h * w * dim);
    for (let t = 0; t < h * w; t++) {
      const p = protos[(Math.floor(t / w / 8) * 3 + Math.floor((t % w) / 10)) % 8]!;
      for (let d = 0; d < dim; d++) g[t * dim + d] = p[d]! + 0.7 * rng.normal();
    }
    return g;
  });
  return { count: pool, h, w, dim, read: (i) => grids[i % pool]! };
}

interface Shape {
  readonly name: string;
  readonly D: number;
  readonly h: number;
  readonly w: number;
}
const SHAPES: Shape[] = [
  { name: 'D384@40x40', D: 384, h: 40, w: 40 },
  { name: 'D768@23x23', D: 768, h: 23, w: 23 },
];

/** Matmul + co-membership FLOPs of one training step (forward + backward), analytic. */
function flopsPerStep(stage: 'step1' | 'step2-mlp' | 'step2-tr', c: TrainConfig, s: Shape, bank: number): number {
  const B = c.batchSize;
  const n = Math.floor(s.h / 4) * Math.floor(s.w / 4);
  const N = s.h * s.w;
  const { D } = s;
  const k = c.concepts;
  const r = c.headDim;
  const p = c.projDim;
  const T = B * n;
  if (stage === 'step1') {
    // affinity (fwd), assignment (fwd + grad of M), co-membership products (fwd).
    return B * (2 * n * n * D + 4 * n * k * D + n * n * k);
  }
  const assign = 2 * T * D * k; // concept of each token
  const masks = 2 * T * T * D + 2 * T * bank * D;
  const contrast = 2 * (2 * T * T * p) + 2 * (2 * T * bank * p); // S and its gradient, batch and bank
  const headTok = (tokens: number) => 2 * tokens * (D * r + D * D + D * r) + 2 * tokens * r * p;
  if (stage === 'step2-mlp') {
    // teacher forward + student forward + backward (weights only for the first layers: ≈ 2× forward)
    return assign + masks + contrast + headTok(T) * 4;
  }
  const attn = (2 * 4 * N * D * D + 2 * 2 * N * N * D) * 2; // two attention layers per image
  const ffn = 2 * 2 * N * D * c.ffnDim;
  const trFwd = B * (attn + ffn) + headTok(B * N);
  const queries = 2 * B * N * D * k; // nearest codebook row per token: forward only, once
  return assign + masks + contrast + queries + trFwd * 4;
}

interface Row {
  readonly stage: string;
  readonly shape: string;
  readonly msPerStep: number;
  readonly gflops: number;
  readonly gflopPerStep: number;
  readonly bankRows: number;
}

type Stage = 'step1' | 'step2-mlp' | 'step2-tr';

async function measure(stage: Stage, s: Shape, batch: number): Promise<Row & { batch: number; peakRssMiB: number }> {
  const method = stage === 'step2-tr' ? 'cause-tr' : 'cause-mlp';
  const base = presetConfig('reference', method, 27, 0);
  const total = steps + 1;
  const c: TrainConfig = {
    ...base,
    batchSize: batch,
    step1: { ...base.step1, epochs: stage === 'step1' ? 1 : 0 },
    step2: { ...base.step2, epochs: stage === 'step1' ? 0 : 1 },
    step3: { ...base.step3, epochs: 0 },
  };
  const src = source(s.h, s.w, s.D, c.batchSize * total);
  const times: number[] = [];
  let bank = 0;
  await trainCause(src, c, {
    metrics: (_step, v) => {
      times.push(v.stepMs!);
      bank = v['step2.bankFill'] ?? 0;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      peakTf = Math.max(peakTf, tf.memory().numBytes);
    },
  });
  const measured = times.slice(1).sort((a, b) => a - b);
  const ms = measured[Math.floor(measured.length / 2)]!;
  const flops = flopsPerStep(stage, c, s, bank);
  return {
    stage,
    shape: s.name,
    batch,
    msPerStep: ms,
    gflops: flops / (ms / 1000) / 1e9,
    gflopPerStep: flops / 1e9,
    bankRows: bank,
    peakRssMiB: Math.round(peakRss / 2 ** 20),
  };
}

let peakRss = process.memoryUsage().rss;
let peakTf = 0;
const caseArg = process.argv.indexOf('--case');
const backendWanted = (process.env.BENCH_BACKEND ?? 'auto') as TfBackendName | 'auto';

if (caseArg > 0) {
  // Child: one case, one JSON line.
  const [stage, shapeName, batch] = process.argv[caseArg + 1]!.split('|') as [Stage, string, string];
  const shape = SHAPES.find((x) => x.name === shapeName)!;
  await initTfBackend(backendWanted);
  const r = await measure(stage, shape, Number(batch));
  process.stdout.write(`CASE ${JSON.stringify({ ...r, peakTfMiB: Math.round(peakTf / 2 ** 20) })}\n`);
  process.exit(0);
}

const choice = await initTfBackend(backendWanted, (m) => log(m));
log(`command: npm run bench:train (BENCH_STEPS=${steps}${quick ? ' BENCH_QUICK=1' : ''}${skipTr ? ' BENCH_SKIP_TR=1' : ''}); backend ${choice.name}`);
log('reference preset: k = 2048 concepts, projection 2048, head 90, bank 100/concept (fills during the run); one process per case');
log(`load average at start: ${(await import('node:os')).loadavg().map((v) => v.toFixed(1)).join(' ')} (2 cores shared: figures inflate under contention)`);
const self = fileURLToPath(import.meta.url);
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
type CaseRow = Row & { batch: number; peakRssMiB: number; peakTfMiB: number };
function runCase(stage: Stage, s: Shape, batch: number): CaseRow {
  try {
    const out = execFileSync(tsx, [self, '--case', `${stage}|${s.name}|${batch}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
    const line = out.split('\n').find((l) => l.startsWith('CASE '));
    if (!line) throw new Error('no result line');
    return JSON.parse(line.slice(5)) as CaseRow;
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    const text = `${err.stdout ?? ''}\n${err.stderr ?? ''}`;
    const why = /out of bounds|Aborted|memory/i.exec(text) ? 'wasm out of memory / aborted' : err.message.split('\n')[0]!;
    throw new Error(why);
  }
}
const rows: CaseRow[] = [];
const errors: Record<string, string> = {};
for (const s of SHAPES) {
  for (const stage of ['step1', 'step2-mlp', 'step2-tr'] as const) {
    if (stage === 'step2-tr' && (skipTr || (quick && s.h === 40))) continue;
    for (const batch of stage === 'step2-tr' ? [16, 4] : [16]) {
      try {
        const r = runCase(stage, s, batch);
        rows.push(r);
        log(
          `${r.stage.padEnd(10)} ${r.shape.padEnd(11)} batch ${String(batch).padStart(2)} ${r.msPerStep.toFixed(0).padStart(8)} ms/step  ` +
            `${r.gflops.toFixed(1).padStart(6)} GFLOP/s  (${r.gflopPerStep.toFixed(1)} GFLOP/step, bank ${r.bankRows} rows, peak rss ${r.peakRssMiB} MiB)`,
        );
        break;
      } catch (e) {
        errors[`${stage}@${s.name}@b${batch}`] = (e as Error).message;
        log(`${stage.padEnd(10)} ${s.name.padEnd(11)} batch ${String(batch).padStart(2)} failed: ${(e as Error).message}`);
      }
    }
  }
}
const peak = Math.max(0, ...rows.map((r) => r.peakRssMiB));
log(`peak memory (largest case): rss ${peak} MiB`);
log(
  'BENCH ' +
    JSON.stringify({
      bench: 'train',
      backend: choice.name,
      steps,
      rows: rows.map((r) => ({ ...r, msPerStep: Math.round(r.msPerStep), gflops: Number(r.gflops.toFixed(2)), gflopPerStep: Number(r.gflopPerStep.toFixed(2)) })),
      errors,
      peakRssMiB: peak,
    }),
);
