// npm run bench:train — CAUSE training step speed at the reference shapes: Step 1 (clusterbook),
// Step 2 with the MLP head and with the TR head, for D = 384 on a 40×40 grid and D = 768 on 23×23,
// batch 16, reference preset (k = 2048 concepts, projection 2048, bank 100 per concept).
// Every step runs on both engines: onnxruntime (the product's default; 1 and 2 threads) and tfjs (the
// oracle); Step 1's onnxruntime engine runs the assignment products there, its loop in tfjs. Prints ms
// per step (median of the measured steps after one warm-up step), the matmul GFLOP/s implied by an
// analytic FLOP count of what the engine computes (the TR graph on onnxruntime computes the head only
// at the sampled rows, beyond the full-grid keys/values — fewer FLOPs for the same result, see
// main/engine/cause/ort/tr-step2-graph.ts), the bank rows the steps ran with, and the peak memory; when
// bench/pytorch/reference.json holds by-hand PyTorch figures (bench/pytorch/train_steps.py) it prints
// the ratio to them. Ends with one `BENCH {json}` line.
// Each case runs in its own child process: a wasm out-of-memory abort then fails only that case.
// Options (env): BENCH_STEPS (measured steps, default 3), BENCH_BACKEND (tfjs backend: wasm|cpu|tensorflow|auto),
// BENCH_ENGINES (engines, default "onnxruntime,tfjs"), BENCH_ORT_THREADS (default "1,2"),
// BENCH_ONLY (comma list of step1,step2-mlp,step2-tr,step2-hybrid; hybrid = the TR head with its conv branch, --head hybrid), BENCH_SHAPES (comma list of shape names),
// BENCH_QUICK=1 (skip the tfjs TR head on 40×40, the slowest point), BENCH_SKIP_TR=1.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { presetConfig, type TrainConfig } from '../shared/contract/experiments.js';
import type { FeatureSource } from '../main/engine/cause/features.js';
import { Prng } from '../shared/random.js';
import { trainCause } from '../main/engine/cause/trainer.js';
import { trStep2Flops } from '../main/engine/cause/ort/tr-step2-graph.js';
import { initTfBackend, type TfBackendName } from '../main/engine/tf/backend.js';

const steps = Number(process.env.BENCH_STEPS ?? 3);
const quick = process.env.BENCH_QUICK === '1';
const skipTr = process.env.BENCH_SKIP_TR === '1';
const engines = (process.env.BENCH_ENGINES ?? 'onnxruntime,tfjs').split(',').filter(Boolean) as Engine[];
const ortThreads = (process.env.BENCH_ORT_THREADS ?? '1,2').split(',').filter(Boolean).map(Number);
const only = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const shapesWanted = new Set((process.env.BENCH_SHAPES ?? '').split(',').filter(Boolean));
type Engine = 'onnxruntime' | 'tfjs';
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
function flopsPerStep(stage: Stage, c: TrainConfig, s: Shape, bank: number, engine: Engine): number {
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
  // Hybrid: the conv branch at the sampled rows (9 taps + a D×D product), forward twice and backward.
  const conv = stage === 'step2-hybrid' ? 4 * (2 * T * 9 * D + 2 * T * D * D) : 0;
  if (engine === 'onnxruntime') {
    const spec = { dim: D, headDim: r, projDim: p, concepts: k, ffnDim: c.ffnDim, gridTokens: N, tokensPerImage: n };
    return trStep2Flops(spec, B, bank) + conv;
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
  /** Which engine ran the step: tfjs backend name, or onnxruntime-<provider> with its thread count. */
  readonly engine: string;
  readonly batch: number;
  readonly msPerStep: number;
  /** Process CPU time per step (median): what the step costs whatever else shares the cores. */
  readonly cpuMsPerStep: number;
  readonly gflops: number;
  readonly gflopPerStep: number;
  /** Mean bank rows the measured steps contrasted against. */
  readonly bankRows: number;
  readonly peakRssMiB: number;
  readonly peakTfMiB: number;
  readonly allMs: number[];
}

type Stage = 'step1' | 'step2-mlp' | 'step2-tr' | 'step2-hybrid';

async function measure(stage: Stage, s: Shape, batch: number, engine: Engine, threads: number | undefined, backend: string): Promise<Row> {
  const method = stage === 'step2-tr' || stage === 'step2-hybrid' ? 'cause-tr' : 'cause-mlp';
  const base = presetConfig('reference', method, 27, 0);
  const total = steps + 1;
  const c: TrainConfig = {
    ...base,
    batchSize: batch,
    step1: { ...base.step1, epochs: stage === 'step1' ? 1 : 0 },
    step2: { ...base.step2, epochs: stage === 'step1' ? 0 : 1 },
    step3: { ...base.step3, epochs: 0 },
    ...(stage === 'step2-hybrid' ? { head: 'hybrid' as const } : {}),
  };
  const src = source(s.h, s.w, s.D, c.batchSize * total);
  const times: number[] = [];
  const cpu: number[] = [];
  const banks: number[] = [];
  let bankBefore = 0;
  let cpuMark = process.cpuUsage();
  const model = await trainCause(src, c, {
    step1Engine: engine,
    step2Engine: engine,
    ...(threads ? { ortThreads: threads } : {}),
    metrics: (_step, v) => {
      times.push(v.stepMs!);
      const used = process.cpuUsage(cpuMark);
      cpu.push((used.user + used.system) / 1000);
      cpuMark = process.cpuUsage();
      banks.push(bankBefore);
      bankBefore = v['step2.bankFill'] ?? 0;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      peakTf = Math.max(peakTf, tf.memory().numBytes);
    },
  });
  const measured = times.slice(1);
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  const ms = median(measured);
  const bank = Math.round(banks.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, banks.length - 1));
  const flops = flopsPerStep(stage, c, s, bank, engine);
  const used = stage === 'step1' ? model.step1Engine : model.step2Engine;
  const ran = used === 'tfjs' || !used ? backend : `${used}×${threads ?? 'all'}`;
  return {
    stage,
    shape: s.name,
    engine: ran,
    batch,
    msPerStep: ms,
    cpuMsPerStep: median(cpu.slice(1)),
    gflops: flops / (ms / 1000) / 1e9,
    gflopPerStep: flops / 1e9,
    bankRows: bank,
    peakRssMiB: Math.round(peakRss / 2 ** 20),
    peakTfMiB: Math.round(peakTf / 2 ** 20),
    allMs: measured.map((t) => Math.round(t)),
  };
}

let peakRss = process.memoryUsage().rss;
let peakTf = 0;
const caseArg = process.argv.indexOf('--case');
const backendWanted = (process.env.BENCH_BACKEND ?? 'auto') as TfBackendName | 'auto';

if (caseArg > 0) {
  // Child: one case, one JSON line.
  const [stage, shapeName, batch, engine, threads] = process.argv[caseArg + 1]!.split('|') as [Stage, string, string, Engine, string];
  const shape = SHAPES.find((x) => x.name === shapeName)!;
  const choice = await initTfBackend(backendWanted);
  const r = await measure(stage, shape, Number(batch), engine, threads ? Number(threads) : undefined, choice.name);
  process.stdout.write(`CASE ${JSON.stringify(r)}\n`);
  process.exit(0);
}

const choice = await initTfBackend(backendWanted, (m) => log(m));
const envShown = ['BENCH_STEPS', 'BENCH_BACKEND', 'BENCH_ENGINES', 'BENCH_ORT_THREADS', 'BENCH_ONLY', 'BENCH_SHAPES', 'BENCH_QUICK', 'BENCH_SKIP_TR']
  .filter((k) => process.env[k] !== undefined)
  .map((k) => `${k}=${process.env[k]}`);
log(`command: ${[...envShown, 'npm run bench:train'].join(' ')}; tfjs backend ${choice.name}`);
log('reference preset: k = 2048 concepts, projection 2048, head 90, bank 100/concept (fills during the run); one process per case');
const os = await import('node:os');
const loadStart = os.loadavg();
log(`load average at start: ${loadStart.map((v) => v.toFixed(1)).join(' ')} (${os.cpus().length} cores; figures inflate under contention)`);

/** By-hand PyTorch figures (bench/pytorch/train_steps.py), keyed "stage@shape"; absent → no ratio column. */
interface TorchRef {
  readonly measured: string;
  readonly command: string;
  readonly rows: Record<string, { msPerStep: number; cpuMsPerStep?: number; threads: number; bank?: number }>;
}
const refFile = fileURLToPath(new URL('./pytorch/reference.json', import.meta.url));
const torchRef = fs.existsSync(refFile) ? (JSON.parse(fs.readFileSync(refFile, 'utf8')) as TorchRef) : null;
if (torchRef) log(`PyTorch reference (by hand, ${torchRef.measured}): ${torchRef.command}`);

const self = fileURLToPath(import.meta.url);
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
function runCase(stage: Stage, s: Shape, batch: number, engine: Engine, threads?: number): Row {
  try {
    const arg = `${stage}|${s.name}|${batch}|${engine}|${threads ?? ''}`;
    const out = execFileSync(tsx, [self, '--case', arg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
    const line = out.split('\n').find((l) => l.startsWith('CASE '));
    if (!line) throw new Error('no result line');
    return JSON.parse(line.slice(5)) as Row;
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    const text = `${err.stdout ?? ''}\n${err.stderr ?? ''}`;
    const why = /out of bounds|Aborted|memory/i.exec(text) ? 'wasm out of memory / aborted' : err.message.split('\n')[0]!;
    throw new Error(why);
  }
}

interface Plan {
  readonly stage: Stage;
  readonly engine: Engine;
  readonly threads?: number;
}
const both = (stage: Stage) =>
  engines.flatMap((engine): Plan[] => (engine === 'onnxruntime' ? ortThreads.map((threads) => ({ stage, engine, threads })) : [{ stage, engine }]));
const plans: Plan[] = [
  ...both('step1'),
  ...both('step2-mlp'),
  ...both('step2-tr'),
  ...both('step2-hybrid'),
];
const rows: Row[] = [];
const errors: Record<string, string> = {};
for (const s of SHAPES) {
  if (shapesWanted.size && !shapesWanted.has(s.name)) continue;
  for (const plan of plans) {
    const { stage } = plan;
    if (only.size && !only.has(stage)) continue;
    if ((stage === 'step2-tr' || stage === 'step2-hybrid') && (skipTr || (quick && s.h === 40 && plan.engine === 'tfjs'))) continue;
    const key = `${stage}@${s.name}`;
    try {
      const r = runCase(stage, s, 16, plan.engine, plan.threads);
      rows.push(r);
      const ref = torchRef?.rows[key];
      // CPU time against CPU time when the reference has it: wall figures on a shared machine swing with the load.
      const ratio = !ref
        ? ''
        : ref.cpuMsPerStep !== undefined
          ? `  ${(r.cpuMsPerStep / ref.cpuMsPerStep).toFixed(2)}× PyTorch cpu (${ref.cpuMsPerStep} ms cpu, ${ref.msPerStep} wall, ${ref.threads} thr)`
          : `  ${(r.msPerStep / ref.msPerStep).toFixed(2)}× PyTorch wall (${ref.msPerStep} ms, ${ref.threads} thr)`;
      log(
        `${stage.padEnd(10)} ${s.name.padEnd(11)} ${r.engine.padEnd(22)} ${r.msPerStep.toFixed(0).padStart(7)} ms/step ` +
          `(cpu ${r.cpuMsPerStep.toFixed(0)}) ` +
          `${r.gflops.toFixed(1).padStart(6)} GFLOP/s  (${r.gflopPerStep.toFixed(1)} GFLOP/step, steps ${r.allMs.join('/')}, bank ${r.bankRows}, ` +
          `peak rss ${r.peakRssMiB} MiB)${ratio}`,
      );
    } catch (e) {
      errors[`${key}@${plan.engine}${plan.threads ? `x${plan.threads}` : ''}`] = (e as Error).message;
      log(`${stage.padEnd(10)} ${s.name.padEnd(11)} ${plan.engine.padEnd(22)} failed: ${(e as Error).message}`);
    }
  }
}
const peak = Math.max(0, ...rows.map((r) => r.peakRssMiB));
log(`peak memory (largest case): rss ${peak} MiB; load average at end: ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
log(
  'BENCH ' +
    JSON.stringify({
      bench: 'train',
      backend: choice.name,
      steps,
      loadAvgStart: loadStart.map((v) => Number(v.toFixed(2))),
      rows: rows.map((r) => ({
        ...r,
        msPerStep: Math.round(r.msPerStep),
        cpuMsPerStep: Math.round(r.cpuMsPerStep),
        gflops: Number(r.gflops.toFixed(2)),
        gflopPerStep: Number(r.gflopPerStep.toFixed(2)),
        ...(torchRef?.rows[`${r.stage}@${r.shape}`]
          ? { pytorchMs: torchRef.rows[`${r.stage}@${r.shape}`]!.msPerStep, pytorchCpuMs: torchRef.rows[`${r.stage}@${r.shape}`]!.cpuMsPerStep ?? null }
          : {}),
      })),
      errors,
      peakRssMiB: peak,
    }),
);
