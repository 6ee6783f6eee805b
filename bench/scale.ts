// npm run build && npm run bench:scale [-- --frames N] [--shard-mb M] [--workers 1,2,3]
//
// Feature extraction of a ViT-S/14 (the store's ONNX graph, synthetic weights: same cost as DINOv2's)
// on a folder of frames: the local engine (one inference thread) against the worker pool with 1, 2
// and 3 `cause-studio worker` processes of one thread each, on a private redis-server. Prints frames/s,
// the speed-up over one worker, and the queue's overhead per task: the time a worker spends on a task
// outside the task's code (taking it, the thread start, storing the result, fetching the next) against
// the task's own time. Default: four tasks at the default shard size (64 MiB).
// Gate (quiet machine): 2 workers ≥ 1.7× 1 worker; overhead ≤ 5 %.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { addModel } from '../main/engine/backbones/model-store.js';
import { resolvePreprocessing } from '../main/engine/backbones/preprocess.js';
import { describeBackbone } from '../main/engine/backbones/registry.js';
import { createEngine, type Engine } from '../main/engine/engine.js';
import { defaultBatchFrames } from '../main/engine/features/extract-compute.js';
import { featureCacheKey, featureSetIdFor } from '../main/engine/features/cache-key.js';
import { buildVitModel, VIT_SHAPES } from '../main/engine/onnx/vit-model.js';
import { framesPerShard } from '../main/engine/pool/features-plan.js';
import { QUEUE_NAME, type TaskEnvelope } from '../main/engine/pool/protocol.js';
import { parseQueueUrl } from '../main/engine/pool/redis-url.js';
import { makeFixture } from './lib/folder-dataset.js';
import { uptime } from './lib/machine.js';
import { redisServerAvailable, startRedis } from './lib/redis-server.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const log = (s: string) => process.stdout.write(s + '\n');
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

if (!redisServerAvailable()) {
  log('bench:scale needs redis-server (bash scripts/install-system-packages.sh)');
  process.exit(1);
}
const shardBytes = Number(arg('shard-mb') ?? 64) * 1024 * 1024;
const workerCounts = (arg('workers') ?? '1,2,3').split(',').map(Number);

log(`command: npm run bench:scale -- ${process.argv.slice(2).join(' ')}`.trimEnd());
log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`);
log(`before: ${uptime()}`);

const spec = VIT_SHAPES['vit-s14'];
const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cause-studio-scale-'));
const modelFile = path.join(modelDir, 'vit-s14.onnx');
fs.writeFileSync(modelFile, buildVitModel({ ...spec, seed: 3 }));
// The run's size from the model's shape: ViT-S/14 at its reference 322×322 input.
const prep0 = resolvePreprocessing({ id: 'vit-s14', patchSize: 14, mean: [0, 0, 0], std: [1, 1, 1], fixedSize: null }, {});
const batch = defaultBatchFrames({ kind: 'onnx', dim: spec.dim, patchSize: 14 }, prep0, 1);
const perShard = framesPerShard(prep0, 14, spec.dim, 1, batch, shardBytes);
const frames = Number(arg('frames') ?? 4 * perShard);
log(`run: ${frames} frames 400×300 → ViT-S/14 at ${prep0.width}×${prep0.height}, batch ${batch}, shard ${shardBytes / 2 ** 20} MiB = ${perShard} frames a task → ${Math.ceil(frames / perShard)} task(s)`);

const fx = await makeFixture({ frames, width: 400, height: 300 });
await addModel(fx.db, fx.ws, { file: modelFile, name: 'vit-s14', patchSize: 14 });
const d = describeBackbone(fx.db, 'vit-s14');
const prep = resolvePreprocessing(d, {});
const cacheKey = featureCacheKey(d.cacheId, prep);
const featureSetId = featureSetIdFor(fx.datasetId, cacheKey);
fx.db.close();
const params = { featureSetId, datasetId: fx.datasetId, backbone: 'vit-s14', family: d.family, patchSize: 14, modelSha256: null, cacheKey, preprocessing: prep, provider: 'cpu', threads: 1, shardBytes };

const redis = await startRedis();
const queue = new Queue(QUEUE_NAME, { connection: { ...parseQueueUrl(redis.url).connection } });
const engine: Engine = await createEngine({ workspace: fx.ws.root });

/** One extraction from an empty cache; frames/s over the whole job (hashing and manifest included). */
async function extract(): Promise<number> {
  if ((await engine.call('features.list', {})).some((f) => f.id === featureSetId)) await engine.call('features.remove', { id: featureSetId });
  fs.rmSync(path.join(fx.ws.root, 'features', 'cache', cacheKey), { recursive: true, force: true });
  const t0 = performance.now();
  const job = engine.jobs.submit('features.extract', params);
  const done = await engine.call('jobs.wait', { id: job.id });
  const secs = (performance.now() - t0) / 1000;
  if (done.state !== 'succeeded') throw new Error(`extraction ${done.state}: ${done.error ?? ''}`);
  const computed = (await engine.call('jobs.get', { id: job.id })).result as { computed: number };
  if (computed.computed !== frames) throw new Error(`expected ${frames} frames computed, got ${computed.computed}`);
  return frames / secs;
}

/** Per worker: time on tasks outside their code (and idle between its tasks) against the tasks' code. */
async function overhead(): Promise<{ handlingMs: number; computeMs: number; tasks: number }> {
  const jobs = (await queue.getJobs(['completed'], 0, -1)).filter((j) => j.processedOn && j.finishedOn);
  const byWorker = new Map<string, typeof jobs>();
  for (const j of jobs) {
    const w = (j.returnvalue as TaskEnvelope).worker;
    byWorker.set(w, [...(byWorker.get(w) ?? []), j]);
  }
  let handlingMs = 0;
  let computeMs = 0;
  for (const list of byWorker.values()) {
    list.sort((a, b) => a.processedOn! - b.processedOn!);
    list.forEach((j, i) => {
      const c = (j.returnvalue as TaskEnvelope).computeMs;
      computeMs += c;
      handlingMs += j.finishedOn! - j.processedOn! - c;
      if (i > 0) handlingMs += Math.max(0, j.processedOn! - list[i - 1]!.finishedOn!);
    });
  }
  return { handlingMs, computeMs, tasks: jobs.length };
}

let workerMode: string | null = null;

function startWorker(name: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [path.join(REPO, 'bin', 'cause-studio.js'), '--workspace', fx.ws.root, '--queue', redis.url, 'worker', '--root', fx.imageDir, '--name', name, '--threads', '1'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (/^ready$/m.test(out)) {
        if (!workerMode) {
          // From sources every task thread compiles TypeScript first: that counts as queue overhead.
          const fromSources = /running the sources/.test(out) || !fs.existsSync(path.join(REPO, 'dist', 'main', 'cli', 'index.js'));
          workerMode = fromSources ? 'sources via tsx (npm run build first for the gate figure)' : 'dist/ (built)';
          log(`workers run from ${workerMode}`);
        }
        resolve(proc);
      }
    });
    proc.once('exit', (c) => reject(new Error(`worker ${name} exited (${c}): ${out}`)));
  });
}

try {
  await engine.call('settings.set', { key: 'queue', value: null });
  const local = await extract();
  log(`local engine, 1 thread:      ${local.toFixed(2)} frames/s`);
  await engine.call('settings.set', { key: 'queue', value: redis.url });
  let one: number | null = null;
  for (const n of workerCounts) {
    await queue.obliterate({ force: true });
    const procs = await Promise.all(Array.from({ length: n }, (_, i) => startWorker(`bench-${n}-${i + 1}`)));
    try {
      const rate = await extract();
      one ??= n === 1 ? rate : null;
      const o = await overhead();
      log(
        `pool, ${n} worker${n > 1 ? 's' : ' '} × 1 thread: ${rate.toFixed(2)} frames/s` +
          `${one !== null ? ` (${(rate / one).toFixed(2)}× 1 worker)` : ''}, ${(rate / local).toFixed(2)}× local;` +
          ` queue overhead ${((100 * o.handlingMs) / o.computeMs).toFixed(1)} % (${(o.handlingMs / o.tasks).toFixed(0)} ms a task over ${(o.computeMs / o.tasks / 1000).toFixed(1)} s of task code, ${o.tasks} tasks)`,
      );
    } finally {
      for (const p of procs) p.kill('SIGTERM');
      await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
    }
  }
  log('gate: 2 workers ≥ 1.7× 1 worker; overhead ≤ 5 % (measure on a quiet machine)');
} finally {
  log(`after: ${uptime()}`);
  await engine.close();
  await queue.close();
  await redis.stop();
  fx.cleanup();
  fs.rmSync(modelDir, { recursive: true, force: true });
}
