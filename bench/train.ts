// npm run bench:train — CAUSE training step speed at the reference shapes: Step 1 (clusterbook),
// Step 2 with the MLP head and with the TR head, for D = 384 on a 40×40 grid and D = 768 on 23×23,
// batch 16, reference preset (k = 2048 concepts, projection 2048, bank 100 per concept).
// Every step runs on both engines: onnxruntime (the product's default; 1 and 2 threads) and tfjs (the
// oracle); Step 1's onnxruntime engine runs the assignment products there, its loop in tfjs. Prints ms
// per step (median of the measured steps after one warm-up step) and CPU ms, the matmul GFLOP/s implied
// by an analytic FLOP count of what the engine computes (the TR graph on onnxruntime computes the head
// only at the sampled rows, beyond the full-grid keys/values — fewer FLOPs for the same result, see
// main/engine/cause/ort/tr-step2-graph.ts), the bank rows the steps ran with, and the peak memory.
// Step 2 runs twice: early in a run (bank filling from empty) and at steady state (bank full: every
// concept the feature pool is assigned to holds the preset's 100 rows, handed to the trainer as a
// resumed state; onnxruntime only, and skipped when it would not fit in free memory).
// The PyTorch side (bench/pytorch/train_steps.py, Debian's python3-torch) runs in the same invocation
// after each case, at the bank the studio ran with, reading a pre-built feature pool as the studio does;
// the ratio comes from that run. Without PyTorch the ratio uses bench/pytorch/reference.json and is
// printed as STALE with its date. Ends with one `BENCH {json}` line.
// Each case runs in its own child process: a wasm out-of-memory abort then fails only that case.
// Options (env): BENCH_STEPS (measured steps, default 3), BENCH_BACKEND (tfjs backend: wasm|cpu|tensorflow|auto),
// BENCH_ENGINES (engines, default "onnxruntime,tfjs"), BENCH_ORT_THREADS (default "1,2"),
// BENCH_ONLY (comma list of step1,step2-mlp,step2-tr,step2-hybrid; hybrid = the TR head with its conv
// branch, --head hybrid), BENCH_SHAPES (comma list of shape names),
// BENCH_QUICK=1 (skip the tfjs TR head on 40×40, the slowest point), BENCH_SKIP_TR=1, BENCH_BANK
// (default "run,full"), BENCH_MEM_GIB (memory the full-bank guard assumes free), BENCH_TORCH=0 (no
// PyTorch), BENCH_TORCH_THREADS (default "1").
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { presetConfig, type TrainConfig } from '../shared/contract/experiments.js';
import type { FeatureSource } from '../main/engine/cause/features.js';
import { Prng } from '../shared/random.js';
import { initialTrainerState, trainCause, type TrainerState } from '../main/engine/cause/trainer.js';
import { assignConcepts, normalizedTranspose } from '../main/engine/cause/concepts.js';
import { trStep2Flops } from '../main/engine/cause/ort/tr-step2-graph.js';
import { initTfBackend, type TfBackendName } from '../main/engine/tf/backend.js';
import { runTorch, torchAvailable, torchCommand } from './lib/torch.js';
import { uptime } from './lib/machine.js';

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
  /** onnxruntime intra-op threads (0: tfjs). */
  readonly threads: number;
  readonly batch: number;
  /** Step 2's bank: 'run' (filling from empty, a run's first steps), 'full' (every present concept at the cap). */
  readonly bankMode: 'run' | 'full' | 'none';
  /** Concepts holding rows in the full bank (0 otherwise). */
  readonly bankConcepts: number;
  /** The warm-up step (graph build, session open, first allocations), not in the median. */
  readonly firstMs: number;
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

/**
 * The bank of a run at steady state: every concept the feature pool's tokens are assigned to (by the
 * clusterbook Step 2 runs with) holds the preset's cap of rows (bankPerConcept, 100 in the reference).
 * Rows are random unit vectors: the step's cost depends on how many rows there are, not on their values.
 * Built in the bench and handed to the trainer as a resumed state (its loadCheckpoint hook), so the
 * trainer itself is untouched.
 */
function fullBankState(src: FeatureSource, c: TrainConfig): { state: TrainerState; concepts: number; rows: number } {
  const s0 = initialTrainerState(src, c);
  const D = src.dim;
  const present = new Set<number>();
  tf.tidy(() => {
    const cbT = normalizedTranspose(tf.tensor2d(s0.clusterbook.values, [c.concepts, D]));
    // Only the rows and columns grid sampling can reach (remainders are dropped).
    const hh = Math.floor(src.h / 4) * 4;
    const ww = Math.floor(src.w / 4) * 4;
    for (let i = 0; i < src.count; i++) {
      const g = src.read(i);
      const tok = new Float32Array(hh * ww * D);
      for (let y = 0; y < hh; y++) tok.set(g.subarray(y * src.w * D, (y * src.w + ww) * D), y * ww * D);
      for (const id of assignConcepts(tf.tensor2d(tok, [hh * ww, D]), cbT)) present.add(id);
    }
  });
  const concepts = [...present].sort((a, b) => a - b);
  const cap = c.bankPerConcept;
  const p = c.projDim;
  const ids = new Int32Array(concepts.length * cap);
  const rows = new Float32Array(ids.length * p);
  const rng = new Prng(7);
  for (let r = 0; r < ids.length; r++) {
    ids[r] = concepts[Math.floor(r / cap)]!;
    const v = rng.normalArray(p);
    let n = 0;
    for (let j = 0; j < p; j++) n += v[j]! * v[j]!;
    n = Math.sqrt(n);
    for (let j = 0; j < p; j++) rows[r * p + j] = v[j]! / n;
  }
  return { state: { ...s0, stage: 1, stageStep: 0, globalStep: 0, bank: { ids, rows } }, concepts: concepts.length, rows: ids.length };
}

/** 'run': Step 2 starts with an empty bank, as a run's first steps do; 'full': the bank at the preset's cap. */
type BankMode = 'run' | 'full';

async function measure(stage: Stage, s: Shape, batch: number, engine: Engine, threads: number | undefined, backend: string, bankMode: BankMode): Promise<Row> {
  const tr = stage === 'step2-tr' || stage === 'step2-hybrid';
  const method = tr ? 'cause-tr' : 'cause-mlp';
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
  const full = bankMode === 'full' && stage !== 'step1' ? fullBankState(src, c) : null;
  if (full) {
    // A full bank makes every [tokens × bank rows] tensor of the step large: refuse rather than let the
    // kernel's out-of-memory killer pick a process on a shared machine (measured: D384@40×40 with a full
    // bank was killed at 10 GiB RSS; D768@23×23, 60,900 rows, peaked at 3.1 GiB against ~2.3 estimated).
    const T = batch * Math.floor(s.h / 4) * Math.floor(s.w / 4);
    const need = 4 * (10 * T * full.rows + 3 * full.rows * c.projDim);
    const free = Number(process.env.BENCH_MEM_GIB ?? 0) * 2 ** 30 || os.freemem();
    if (need > 0.8 * free) {
      throw new Error(
        `full bank (${full.concepts} concepts × ${c.bankPerConcept} = ${full.rows} rows) needs ~${(need / 2 ** 30).toFixed(1)} GiB, ` +
          `${(free / 2 ** 30).toFixed(1)} GiB free: skipped (BENCH_MEM_GIB overrides the free figure)`,
      );
    }
  }
  const times: number[] = [];
  const cpu: number[] = [];
  const banks: number[] = [];
  let bankBefore = full?.rows ?? 0;
  let cpuMark = process.cpuUsage();
  const model = await trainCause(src, c, {
    step1Engine: engine,
    step2Engine: engine,
    ...(threads ? { ortThreads: threads } : {}),
    ...(full ? { loadCheckpoint: () => full.state } : {}),
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
    threads: threads ?? 0,
    batch,
    bankMode: stage === 'step1' ? 'none' : bankMode,
    bankConcepts: full?.concepts ?? 0,
    firstMs: times[0] ?? NaN,
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
  const [stage, shapeName, batch, engine, threads, bankMode] = process.argv[caseArg + 1]!.split('|') as [Stage, string, string, Engine, string, BankMode];
  const shape = SHAPES.find((x) => x.name === shapeName)!;
  const choice = await initTfBackend(backendWanted);
  try {
    const r = await measure(stage, shape, Number(batch), engine, threads ? Number(threads) : undefined, choice.name, bankMode);
    process.stdout.write(`CASE ${JSON.stringify(r)}\n`);
    process.exit(0);
  } catch (e) {
    process.stdout.write(`CASEERR ${(e as Error).message.split('\n')[0]}\n`);
    process.exit(2);
  }
}

const choice = await initTfBackend(backendWanted, (m) => log(m));
const envShown = ['BENCH_STEPS', 'BENCH_BACKEND', 'BENCH_ENGINES', 'BENCH_ORT_THREADS', 'BENCH_ONLY', 'BENCH_SHAPES', 'BENCH_QUICK', 'BENCH_SKIP_TR', 'BENCH_BANK', 'BENCH_MEM_GIB', 'BENCH_TORCH', 'BENCH_TORCH_THREADS']
  .filter((k) => process.env[k] !== undefined)
  .map((k) => `${k}=${process.env[k]}`);
const command = [...envShown, 'npm run bench:train'].join(' ');
log(`command: ${command}; tfjs backend ${choice.name}`);
log(
  'reference preset: k = 2048 concepts, projection 2048, head 90, bank cap 100/concept; one process per case. Step 2 runs twice: ' +
    '"early" = a run\'s first steps (bank filling from empty, its mean fill printed), "full" = steady state (every concept the ' +
    'feature pool is assigned to holds 100 rows; onnxruntime only: the rows do not fit the tfjs wasm heap)',
);
log('features: a pool of B × (steps + 1) grids built before the timed steps and read cyclically, on both sides');
const loadStart = os.loadavg();
log(`load average at start: ${loadStart.map((v) => v.toFixed(1)).join(' ')} (${os.cpus().length} cores; uptime: ${uptime()})`);

const torch = torchAvailable();
const torchThreads = (process.env.BENCH_TORCH_THREADS ?? '1').split(',').filter(Boolean).map(Number);
/** Stored PyTorch figures (bench/pytorch/reference.json): used only when PyTorch cannot run here, and labelled stale. */
interface TorchRef {
  readonly measured: string;
  readonly command: string;
  readonly rows: Record<string, { msPerStep: number; cpuMsPerStep?: number; threads: number; bank?: number }>;
}
const refFile = fileURLToPath(new URL('./pytorch/reference.json', import.meta.url));
const torchRef = !torch.ok && fs.existsSync(refFile) ? (JSON.parse(fs.readFileSync(refFile, 'utf8')) as TorchRef) : null;
if (torch.ok) log(`PyTorch side: torch ${torch.version} (${torch.blas}) run in this invocation, ${torchThreads.join(',')} thread(s), after the studio rows of each case`);
else log(`PyTorch side: not run (${torch.why}); ratios use the STALE stored figures of ${torchRef?.measured.slice(0, 10) ?? '(none stored)'}`);

const self = fileURLToPath(import.meta.url);
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
function runCase(stage: Stage, s: Shape, batch: number, engine: Engine, threads: number | undefined, bankMode: BankMode): Row {
  try {
    const arg = `${stage}|${s.name}|${batch}|${engine}|${threads ?? ''}|${bankMode}`;
    const out = execFileSync(tsx, [self, '--case', arg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
    const line = out.split('\n').find((l) => l.startsWith('CASE '));
    if (!line) throw new Error('no result line');
    return JSON.parse(line.slice(5)) as Row;
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string; signal?: string | null; status?: number | null };
    const text = `${err.stdout ?? ''}\n${err.stderr ?? ''}`;
    const last = (err.stderr ?? '').trim().split('\n').filter((l) => l.trim() && !l.startsWith('npm warn')).slice(-2).join(' | ');
    const own = (err.stdout ?? '').split('\n').find((l) => l.startsWith('CASEERR '));
    if (own) throw new Error(own.slice(8));
    const how = err.signal ? `killed by ${err.signal}${err.signal === 'SIGKILL' ? ' (the kernel\'s out-of-memory killer?)' : ''}` : `exit ${err.status ?? '?'}`;
    const why = /out of bounds|Aborted|memory/i.exec(text) ? `out of memory / aborted (${how})` : `${how}${last ? `: ${last.slice(0, 300)}` : ''}`;
    throw new Error(why);
  }
}

interface TorchRow {
  readonly stage: string;
  readonly shape: string;
  readonly bank: number;
  readonly msPerStep: number;
  readonly cpuMsPerStep: number;
  readonly firstMs: number;
}
interface Plan {
  readonly stage: Stage;
  readonly engine: Engine;
  readonly threads?: number;
}
const both = (stage: Stage) =>
  engines.flatMap((engine): Plan[] => (engine === 'onnxruntime' ? ortThreads.map((threads) => ({ stage, engine, threads })) : [{ stage, engine }]));
const plans: Plan[] = [...both('step1'), ...both('step2-mlp'), ...both('step2-tr'), ...both('step2-hybrid')];
const bankModes = (process.env.BENCH_BANK ?? 'run,full').split(',').filter(Boolean) as BankMode[];
const rows: Row[] = [];
const torchRows: (TorchRow & { threads: number; bankMode: string })[] = [];
const errors: Record<string, string> = {};
const fmtRatio = (r: Row, t: { msPerStep: number; cpuMsPerStep?: number; threads: number }, stale: string) =>
  t.cpuMsPerStep !== undefined
    ? `  studio ÷ PyTorch ${stale}${(r.msPerStep / t.msPerStep).toFixed(2)} wall, ${(r.cpuMsPerStep / t.cpuMsPerStep).toFixed(2)} cpu (PyTorch ${t.threads} thr: ${t.msPerStep} ms, cpu ${t.cpuMsPerStep})`
    : `  studio ÷ PyTorch ${stale}${(r.msPerStep / t.msPerStep).toFixed(2)} wall (PyTorch ${t.threads} thr: ${t.msPerStep} ms)`;
for (const s of SHAPES) {
  if (shapesWanted.size && !shapesWanted.has(s.name)) continue;
  for (const stage of ['step1', 'step2-mlp', 'step2-tr', 'step2-hybrid'] as const) {
    if (only.size && !only.has(stage)) continue;
    for (const bankMode of stage === 'step1' ? (['run'] as const) : bankModes) {
      const caseRows: Row[] = [];
      for (const plan of plans.filter((p) => p.stage === stage)) {
        if ((stage === 'step2-tr' || stage === 'step2-hybrid') && (skipTr || (quick && s.h === 40 && plan.engine === 'tfjs'))) continue;
        if (bankMode === 'full' && plan.engine === 'tfjs') continue;
        const key = `${stage}@${s.name}`;
        try {
          const r = runCase(stage, s, 16, plan.engine, plan.threads, bankMode);
          rows.push(r);
          caseRows.push(r);
          log(
            `${stage.padEnd(10)} ${s.name.padEnd(11)} ${r.engine.padEnd(22)} bank ${r.bankMode === 'full' ? `full (${r.bankConcepts} concepts × 100)` : r.bankMode === 'run' ? 'early' : '-'} ` +
              `${r.msPerStep.toFixed(0).padStart(7)} ms/step (cpu ${r.cpuMsPerStep.toFixed(0)}) ${r.gflops.toFixed(1).padStart(6)} GFLOP/s  ` +
              `(${r.gflopPerStep.toFixed(1)} GFLOP/step, first step ${r.firstMs.toFixed(0)} ms, then ${r.allMs.join('/')}, bank rows ${r.bankRows}, peak rss ${r.peakRssMiB} MiB)`,
          );
        } catch (e) {
          errors[`${key}@${plan.engine}${plan.threads ? `x${plan.threads}` : ''}@${bankMode}`] = (e as Error).message;
          log(`${stage.padEnd(10)} ${s.name.padEnd(11)} ${plan.engine.padEnd(22)} bank ${bankMode}: failed: ${(e as Error).message}`);
        }
      }
      if (caseRows.length === 0) continue;
      // The PyTorch side at the bank the studio ran with (its mean fill, or the same full bank).
      const ref = caseRows.find((r) => r.engine.startsWith('onnxruntime')) ?? caseRows[0]!;
      // The release has no hybrid head: its row is compared with the TR row above, not with PyTorch.
      if (torch.ok && stage !== 'step2-hybrid') {
        for (const threads of torchThreads) {
          const args = ['--steps', String(steps), '--only', stage, '--shapes', s.name, '--bank', String(ref.bankRows), '--bank-concepts', String(Math.max(1, ref.bankConcepts || 2048))];
          log(`  PyTorch: ${torchCommand('train_steps.py', args, threads)}`);
          try {
            const out = runTorch<{ rows: TorchRow[] }>('train_steps.py', args, threads, log);
            for (const t of out.rows) {
              torchRows.push({ ...t, threads, bankMode });
              for (const r of caseRows.filter((x) => x.threads === threads || (threads === 1 && x.threads === 0))) log(`  ${r.engine}:${fmtRatio(r, { ...t, threads }, '')}`);
            }
          } catch (e) {
            errors[`pytorch:${stage}@${s.name}@${bankMode}x${threads}`] = (e as Error).message;
            log(`  PyTorch failed: ${(e as Error).message}`);
          }
        }
      } else {
        const stored = torchRef?.rows[`${stage}@${s.name}`];
        for (const r of caseRows) {
          if (stored && bankMode === 'run') log(`  ${r.engine}:${fmtRatio(r, stored, `STALE (stored ${torchRef!.measured.slice(0, 10)}, bank ${stored.bank ?? 0}) `)}`);
          else log(`  ${r.engine}: no PyTorch figure (PyTorch not run, none stored for this bank)`);
        }
      }
    }
  }
}
const peak = Math.max(0, ...rows.map((r) => r.peakRssMiB));
log(`peak memory (largest case): rss ${peak} MiB; load average at end: ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}; uptime: ${uptime()}`);
const torchFor = (r: Row) => torchRows.find((t) => t.stage === r.stage && t.shape === r.shape && t.bankMode === r.bankMode && (t.threads === r.threads || (t.threads === 1 && r.threads === 0)));
log(
  'BENCH ' +
    JSON.stringify({
      bench: 'train',
      command,
      backend: choice.name,
      steps,
      loadAvgStart: loadStart.map((v) => Number(v.toFixed(2))),
      loadAvgEnd: os.loadavg().map((v) => Number(v.toFixed(2))),
      pytorch: torch.ok ? { version: torch.version, blas: torch.blas, threads: torchThreads, sameInvocation: true } : { stale: torchRef?.measured ?? null, why: torch.why },
      rows: rows.map((r) => {
        const t = torchFor(r);
        return {
          ...r,
          firstMs: Math.round(r.firstMs),
          msPerStep: Math.round(r.msPerStep),
          cpuMsPerStep: Math.round(r.cpuMsPerStep),
          gflops: Number(r.gflops.toFixed(2)),
          gflopPerStep: Number(r.gflopPerStep.toFixed(2)),
          ...(t
            ? { pytorchMs: t.msPerStep, pytorchCpuMs: t.cpuMsPerStep, ratioWall: Number((r.msPerStep / t.msPerStep).toFixed(3)), ratioCpu: Number((r.cpuMsPerStep / t.cpuMsPerStep).toFixed(3)) }
            : {}),
        };
      }),
      pytorchRows: torchRows,
      errors,
      peakRssMiB: peak,
    }),
);
