// npm run bench:pipeline — the whole method, timed stage by stage, against the same pipeline in PyTorch
// on the same machine in the same invocation (bench/pytorch/pipeline.py):
//   features (decode, resize/crop 322, ViT-S/14 forward, cache write) → Step 1 clusterbook → Step 2
//   MLP head with EMA teacher and concept bank → Step 3 cluster probe → predict (teacher on the grid and
//   its flip, upsampled to the frame, cluster + confidence PNGs) → eval (Cityscapes-27, reference
//   geometry, Hungarian matching).
// Studio side: the real jobs through the engine (features.extract, experiments.create, experiments.predict,
// eval.run + eval.score) on a fresh workspace; Step 1-3 times are the sums of the trainer's own per-step
// times. The model is a ViT-S/14 with seeded random weights written by the studio's ONNX writer and added
// with `models add` (so it runs with the store's fused attention), as bench:backbone makes it.
// Data: SynthDrive frames (generated once into a cache folder, not timed), imported as a dataset (not timed).
// Reference preset, CAUSE-MLP, K = 27; PyTorch initialises its own random ViT-S/14 and heads.
// Options (env): BENCH_FRAMES (default 100), BENCH_SIZE (default 1024x512), BENCH_EPOCHS_SCALE (default 1:
// the reference preset's epochs; a smaller value scales Steps 1-3 down identically on both sides),
// BENCH_TORCH=0 (studio side only), BENCH_KEEP=1 (keep the workspace).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine } from '../main/engine/engine.js';
import { addModel } from '../main/engine/backbones/model-store.js';
import { buildVitModel, VIT_SHAPES } from '../main/engine/onnx/vit-model.js';
import { presetConfig } from '../shared/contract/experiments.js';
import type { JobSummary } from '../shared/contract/index.js';
import { uptime } from './lib/machine.js';
import { runTorch, torchAvailable, torchCommand } from './lib/torch.js';

const frames = Number(process.env.BENCH_FRAMES ?? 100);
const size = process.env.BENCH_SIZE ?? '1024x512';
const scale = Number(process.env.BENCH_EPOCHS_SCALE ?? 1);
const threads = os.cpus().length;
const log = (s: string) => process.stdout.write(s + '\n');
const now = () => performance.now();
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const envShown = ['BENCH_FRAMES', 'BENCH_SIZE', 'BENCH_EPOCHS_SCALE', 'BENCH_TORCH'].filter((k) => process.env[k] !== undefined).map((k) => `${k}=${process.env[k]}`);
const command = [...envShown, 'npm run bench:pipeline'].join(' ');
log(`command: ${command}`);
log(`uptime at start: ${uptime()} (${threads} cores; the machine is shared: load slows both sides)`);

// 1. data (cached between runs: SynthDrive is deterministic for its parameters)
const sequences = Math.max(1, Math.ceil(frames / 25));
const perSeq = Math.ceil(frames / sequences);
const dataDir = path.join(os.tmpdir(), `bench-pipeline-synthdrive-${sequences}x${perSeq}-${size}-s11`);
const base = presetConfig('reference', 'cause-mlp', 27, 5);
const epochs = {
  step1: Math.max(1, Math.round(base.step1.epochs * scale)),
  step2: Math.max(1, Math.round(base.step2.epochs * scale)),
  step3: Math.max(1, Math.round(base.step3.epochs * scale)),
};
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pipeline-ws-'));
const engine = await createEngine({ workspace: ws, runJobs: true });

async function wait(job: { jobId: string | null } | JobSummary, what: string): Promise<JobSummary> {
  const id = 'jobId' in job ? job.jobId : job.id;
  if (!id) throw new Error(`${what}: no job started`);
  const done = await engine.call('jobs.wait', { id });
  if (done.state !== 'succeeded') throw new Error(`${what} failed: ${done.error}`);
  return done;
}

interface Stage {
  readonly seconds: number;
  readonly cpuSeconds: number | null;
}
const studio: Record<string, Stage> = {};
interface TorchOut {
  readonly stages: Record<string, Stage>;
  readonly miou: number;
  readonly miouPresent: number;
  readonly torch: string;
  readonly threads: number;
  readonly bankRows: number;
}
let torchOut: TorchOut | null = null as TorchOut | null;

try {
  const t0 = now();
  await wait(await engine.call('synth.generate', { out: dataDir, sequences, frames: perSeq, size, seed: 11 }), 'synthdrive');
  const imp = await engine.call('datasets.import', { path: dataDir, format: 'cityscapes', name: 'bench pipeline' });
  await wait(imp, 'import');
  const datasetId = imp.datasetId;
  const modelFile = path.join(ws, 'vit-s14-random.onnx');
  fs.writeFileSync(modelFile, buildVitModel({ ...VIT_SHAPES['vit-s14'], seed: 3 }));
  await addModel(engine.db, engine.workspace, { file: modelFile, name: 'vit-s14', patchSize: 14 });
  log(
    `setup (not timed, ${((now() - t0) / 1000).toFixed(1)} s): SynthDrive ${sequences}×${perSeq} frames at ${size} (seed 11, ${dataDir}), imported; ` +
      'ViT-S/14 random weights (seed 3) added with models add',
  );
  log(
    `ran: ${frames} frames, ViT-S/14 @322 (23×23 grid, D 384), CAUSE-MLP reference preset (k 2048, projection 2048, bank 100/concept, batch 16, ` +
      `epochs ${epochs.step1}/${epochs.step2}/${epochs.step3}${scale !== 1 ? ` — scaled ×${scale} from ${base.step1.epochs}/${base.step2.epochs}/${base.step3.epochs} on both sides` : ''}), K 27, ` +
      `${threads} threads (the engine's default: onnxruntime uses every core), warm page cache (the frames were just generated)`,
  );

  const timed = async (name: string, fn: () => Promise<void>) => {
    const c = cpuNow();
    const t = now();
    await fn();
    studio[name] = { seconds: (now() - t) / 1000, cpuSeconds: cpuNow() - c };
    log(`studio ${name.padEnd(9)} ${studio[name].seconds.toFixed(1).padStart(7)} s wall, ${studio[name].cpuSeconds!.toFixed(1)} s cpu`);
  };
  await timed('features', async () => {
    await wait(await engine.call('features.extract', { datasetId, backbone: 'vit-s14', threads }), 'features');
  });
  let experimentId = '';
  await timed('train', async () => {
    const r = await engine.call('experiments.create', {
      datasetId,
      backbone: 'vit-s14',
      method: 'cause-mlp',
      clusters: 27,
      preset: 'reference',
      seed: 5,
      name: 'bench pipeline',
      ...(scale !== 1 ? { overrides: { step1: { ...base.step1, epochs: epochs.step1 }, step2: { ...base.step2, epochs: epochs.step2 }, step3: { ...base.step3, epochs: epochs.step3 } } } : {}),
    });
    experimentId = r.experimentId;
    await wait(r, 'train');
  });
  // Split the training job by the trainer's own step times (stepMs), stage by stage.
  const stepsPerEpoch = Math.ceil(frames / base.batchSize);
  const series = await engine.call('experiments.metrics', { id: experimentId, names: ['stepMs', 'step2.bankFill'] });
  const stepMs = series.find((s) => s.name === 'stepMs');
  if (!stepMs) throw new Error('the training run recorded no stepMs');
  const bounds = [epochs.step1 * stepsPerEpoch, (epochs.step1 + epochs.step2) * stepsPerEpoch, (epochs.step1 + epochs.step2 + epochs.step3) * stepsPerEpoch];
  const stageSum = (lo: number, hi: number) => stepMs.steps.reduce((a, s, i) => (s > lo && s <= hi ? a + stepMs.values[i]! : a), 0) / 1000;
  const train = studio.train!;
  studio.step1 = { seconds: stageSum(0, bounds[0]!), cpuSeconds: null };
  studio.step2 = { seconds: stageSum(bounds[0]!, bounds[1]!), cpuSeconds: null };
  studio.step3 = { seconds: stageSum(bounds[1]!, bounds[2]!), cpuSeconds: null };
  const bankFill = series.find((s) => s.name === 'step2.bankFill');
  const detail = await engine.call('experiments.get', { id: experimentId });
  log(
    `  train job ${train.seconds.toFixed(1)} s = Step 1 ${studio.step1.seconds.toFixed(1)} + Step 2 ${studio.step2.seconds.toFixed(1)} + Step 3 ${studio.step3.seconds.toFixed(1)} s ` +
      `(trainer step times) + ${(train.seconds - studio.step1.seconds - studio.step2.seconds - studio.step3.seconds).toFixed(1)} s job start, feature load, model save; ` +
      `bank at the end of Step 2: ${bankFill?.values.at(-1) ?? 0} rows; engines ${JSON.stringify({ s1: detail.summary?.step1Engine, s2: detail.summary?.step2Engine, s3: detail.summary?.step3Engine })}`,
  );
  await timed('predict', async () => {
    await wait(await engine.call('experiments.predict', { id: experimentId, datasetId }), 'predict');
  });
  let miou = NaN;
  let miouPresent = NaN;
  await timed('eval', async () => {
    const ev = await engine.call('eval.run', { experimentId, datasetId, protocol: 'cityscapes-27', geometry: 'reference', force: true });
    await wait(ev, 'eval');
    const histogramId = ev.histogramId ?? (await engine.call('eval.histograms', { experimentId }))[0]?.id;
    if (!histogramId) throw new Error('eval produced no histogram');
    const report = await engine.call('eval.score', { histogramId, mapping: 'hungarian', worstFrames: 0 });
    miou = report.miou ?? NaN;
    miouPresent = report.miouPresent ?? NaN;
  });
  const total = ['features', 'train', 'predict', 'eval'].reduce((a, k) => a + studio[k]!.seconds, 0);
  const totalCpu = ['features', 'train', 'predict', 'eval'].reduce((a, k) => a + studio[k]!.cpuSeconds!, 0);
  studio.total = { seconds: total, cpuSeconds: totalCpu };
  log(`studio total ${total.toFixed(1)} s wall, ${totalCpu.toFixed(1)} s cpu; mIoU ${(miou * 100).toFixed(1)} (present-class ${(miouPresent * 100).toFixed(1)}; random weights: no meaning beyond "it ran")`);
  log(`uptime after the studio side: ${uptime()}`);

  // 2. PyTorch, same frames, same shapes, same preset, same thread count.
  const torch = torchAvailable();
  if (!torch.ok) log(`PyTorch side not run: ${torch.why}. No ratio (there is no stored figure for this bench).`);
  else {
    const args = ['--data', dataDir, '--frames', String(frames), '--epochs', `${epochs.step1},${epochs.step2},${epochs.step3}`, '--out', path.join(ws, 'pytorch')];
    log(`PyTorch ${torch.version} (${torch.blas}): ${torchCommand('pipeline.py', args, threads)}`);
    const t = runTorch<TorchOut>('pipeline.py', args, threads, log);
    torchOut = t;
    log(`uptime after the PyTorch side: ${uptime()}`);
    log('');
    log('stage       studio s   PyTorch s   studio ÷ PyTorch (wall)   (cpu)');
    for (const k of ['features', 'step1', 'step2', 'step3', 'predict', 'eval', 'total']) {
      const a = studio[k];
      const b = t.stages[k];
      if (!a || !b) continue;
      const cpu = a.cpuSeconds !== null && b.cpuSeconds !== null ? (a.cpuSeconds / b.cpuSeconds).toFixed(2) : '';
      log(`${k.padEnd(10)} ${a.seconds.toFixed(1).padStart(9)} ${b.seconds.toFixed(1).padStart(11)}   ${(a.seconds / b.seconds).toFixed(2).padStart(22)}   ${cpu.padStart(6)}`);
    }
    const ratio = total / t.stages.total!.seconds;
    log(`whole pipeline: studio ÷ PyTorch = ${ratio.toFixed(2)} (goal ≤ 0.33)`);
  }
  log(
    'BENCH ' +
      JSON.stringify({
        bench: 'pipeline',
        command,
        frames,
        size,
        threads,
        epochs,
        epochsScale: scale,
        cache: 'warm',
        loadAvgEnd: os.loadavg().map((v) => Number(v.toFixed(2))),
        studio: Object.fromEntries(Object.entries(studio).map(([k, v]) => [k, { seconds: Number(v.seconds.toFixed(2)), cpuSeconds: v.cpuSeconds === null ? null : Number(v.cpuSeconds.toFixed(2)) }])),
        miou,
        miouPresent,
        pytorch: torchOut,
        ratio: torchOut ? Number((studio.total.seconds / torchOut.stages.total!.seconds).toFixed(3)) : null,
        ratioByStage: torchOut
          ? Object.fromEntries(Object.keys(torchOut.stages).filter((k) => studio[k]).map((k) => [k, Number((studio[k]!.seconds / torchOut!.stages[k]!.seconds).toFixed(3))]))
          : null,
      }),
  );
} finally {
  await engine.close();
  if (process.env.BENCH_KEEP !== '1') fs.rmSync(ws, { recursive: true, force: true });
}
