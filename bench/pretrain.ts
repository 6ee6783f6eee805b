// `npm run bench:pretrain [-- --threads 2 --steps 3 --frames 5 --model FILE.onnx --backbone-only]`:
//  1. builtin-vit feature extraction at 640×320 (frames/s, batch 1), beside the JS filter bank alone;
//  2. one pretraining step of a ViT-S/16 (patch embedding, 12 blocks, D 384, the dense-distillation
//     head, K prototypes) at batch 16 on 224×224 — the studio's ONNX step graph (forward + hand-derived
//     backward) plus host AdamW — and the same step in PyTorch CPU in the same invocation when
//     /usr/bin/python3 has torch (bench/pytorch/pretrain_step.py);
//  3. one step of the builtin-vit recipe.
// Prints wall and process-CPU medians; the machine is shared, so compare CPU time and note `uptime`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { filterBankFeatures } from '../main/engine/backbones/builtin.js';
import { builtinVitFiles } from '../main/engine/backbones/builtin-vit.js';
import { openOnnxBackbone } from '../main/engine/backbones/onnx-backbone.js';
import { createSession } from '../main/engine/onnx/providers.js';
import { allParamNames, initParams, paramShape, type PretrainSpec } from '../main/engine/pretrain/params.js';
import { buildStudentGraph, gradOutput, paramInput } from '../main/engine/pretrain/step-graph.js';
import { mulberry32 } from '../shared/random.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const threads = Number(arg('threads', '2'));
const steps = Number(arg('steps', '3'));
const frames = Number(arg('frames', '5'));
const modelFile = path.resolve(arg('model', builtinVitFiles().model));
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

async function timed<T>(fn: () => Promise<T> | T): Promise<{ wall: number; cpu: number; value: T }> {
  const t = performance.now();
  const c = process.cpuUsage();
  const value = await fn();
  const d = process.cpuUsage(c);
  return { wall: performance.now() - t, cpu: (d.user + d.system) / 1000, value };
}

console.log(`machine: ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (uptime), threads ${threads}`);

// 1. Backbone throughput.
const W = 640;
const H = 320;
const r = mulberry32(1);
const img = Float32Array.from({ length: 3 * W * H }, () => r());
if (fs.existsSync(modelFile)) {
  const b = await openOnnxBackbone({ model: modelFile, label: modelFile, id: 'builtin-vit', family: 'builtin-vit', patchSize: 8, sha256: null, threads, provider: 'cpu' });
  await b.extract({ data: img, n: 1, height: H, width: W });
  const runs = [];
  for (let i = 0; i < frames; i++) runs.push(await timed(() => b.extract({ data: img, n: 1, height: H, width: W })));
  await b.dispose();
  const wall = median(runs.map((x) => x.wall));
  console.log(`builtin-vit features ${W}×${H}: ${(1000 / wall).toFixed(2)} frames/s (${wall.toFixed(0)} ms wall, ${median(runs.map((x) => x.cpu)).toFixed(0)} ms CPU per frame, median of ${frames}) — ${modelFile}`);
} else {
  console.log(`builtin-vit: ${modelFile} not found (npm run pretrain:builtin makes it); skipped`);
}
{
  const runs = [];
  for (let i = 0; i < Math.min(3, frames); i++) runs.push(await timed(() => filterBankFeatures({ data: img, n: 1, height: H, width: W })));
  console.log(`builtin (JS filter bank) ${W}×${H}: ${(1000 / median(runs.map((x) => x.wall))).toFixed(2)} frames/s`);
}

if (process.argv.includes('--backbone-only')) process.exit(0);

// 2. ViT-S/16 step.
async function stepBench(label: string, spec: PretrainSpec, n: number, rows: number): Promise<number> {
  const { session } = await createSession(buildStudentGraph(spec, n, 0.1), label, { threads });
  const P = initParams(spec, 1);
  const x = Float32Array.from({ length: rows * spec.inDim }, () => r() * 2 - 1);
  const q = new Float32Array(rows * spec.prototypes).fill(1 / spec.prototypes);
  const feeds: Record<string, ort.Tensor> = { tokens: new ort.Tensor('float32', x, [rows, spec.inDim]), targets: new ort.Tensor('float32', q, [rows, spec.prototypes]) };
  for (const name of allParamNames(spec)) feeds[paramInput(name)] = new ort.Tensor('float32', P.get(name)!, paramShape(spec, name));
  const m = new Map([...P].map(([k, v]) => [k, new Float32Array(v.length)]));
  const v2 = new Map([...P].map(([k, v]) => [k, new Float32Array(v.length)]));
  const one = async () => {
    const out = await session.run(feeds);
    // Host side: global norm, clip, AdamW — as trainer.ts.
    let sq = 0;
    for (const name of allParamNames(spec)) for (const g of out[gradOutput(name)]!.data as Float32Array) sq += g * g;
    const coef = Math.min(1, 3 / (Math.sqrt(sq) + 1e-6));
    for (const name of allParamNames(spec)) {
      const g = out[gradOutput(name)]!.data as Float32Array;
      const p = P.get(name)!;
      const mm = m.get(name)!;
      const vv = v2.get(name)!;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]! * coef;
        mm[i] = 0.9 * mm[i]! + 0.1 * gi;
        vv[i] = 0.999 * vv[i]! + 0.001 * gi * gi;
        p[i] = p[i]! - 5e-4 * (mm[i]! / (Math.sqrt(vv[i]!) + 1e-8) + 0.04 * p[i]!);
      }
    }
  };
  await one();
  const runs = [];
  for (let i = 0; i < steps; i++) runs.push(await timed(one));
  await session.release();
  const wall = median(runs.map((x) => x.wall));
  const cpu = median(runs.map((x) => x.cpu));
  console.log(`${label}: ${wall.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms CPU per step (median of ${steps})`);
  return cpu;
}

const vitS16: PretrainSpec = { inDim: 3 * 16 * 16, dim: 384, depth: 12, heads: 6, ffnDim: 1536, headHidden: 2048, bottleneck: 256, prototypes: 4096 };
const oursCpu = await stepBench('studio ViT-S/16 pretraining step (ONNX graph + host AdamW), batch 16 × 196 tokens', vitS16, 196, 16 * 196);
try {
  const out = execFileSync('/usr/bin/python3', [path.join('bench', 'pytorch', 'pretrain_step.py'), '--threads', String(threads), '--steps', String(steps)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const line = out.split('\n').find((l) => l.startsWith('PYTORCH '));
  const res = JSON.parse(line!.slice(8)) as { wallMs: number; cpuMs: number; torch: string };
  console.log(`PyTorch ${res.torch} same step: ${res.wallMs.toFixed(0)} ms wall, ${res.cpuMs.toFixed(0)} ms CPU`);
  console.log(`ratio studio/PyTorch (CPU time): ${(oursCpu / res.cpuMs).toFixed(2)}× (target ≤ 1.5×)`);
} catch (e) {
  console.log(`PyTorch reference not run: ${(e as Error).message.split('\n')[0]} (needs /usr/bin/python3 with torch: apt-get install python3-torch)`);
}

// 3. The builtin recipe's step.
const { builtinRecipe } = await import('../main/engine/pretrain/builtin-recipe.js');
const rec = builtinRecipe();
await stepBench(`builtin-vit recipe student step (batch ${rec.batch * rec.cropsPerImage} × ${rec.crop ** 2} tokens)`, rec.spec, rec.crop * rec.crop, rec.batch * rec.cropsPerImage * rec.crop * rec.crop);
console.log(`load after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
