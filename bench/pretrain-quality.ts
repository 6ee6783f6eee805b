// The quality figures of a pretrained backbone (issue 16), through the engine as a user would run them:
// for each held-out SynthDrive world (seeds never used for pretraining: 9001-9008 are), generate,
// import, extract features with rgb, builtin and the model under test, train k-means (K = 27) and
// CAUSE-MLP (fast) on the model, predict from whole-frame features, evaluate Cityscapes-27 at reference
// geometry with Hungarian matching, and print present-class mIoU per world and the mean.
//   npx tsx bench/pretrain-quality.ts [--model FILE.onnx] [--worlds 101,102,103] [--ws DIR] [--no-cause] [--backbones rgb,builtin,model]
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createEngine, type Engine } from '../main/engine/engine.js';
import { builtinVitFiles } from '../main/engine/backbones/builtin-vit.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export const HELD_OUT_WORLDS = [101, 102, 103];

async function wait(engine: Engine, id: string | null | undefined): Promise<void> {
  if (!id) return;
  const j = await engine.call('jobs.wait', { id });
  if (j.state !== 'succeeded') throw new Error(`job ${id} ${j.state}: ${JSON.stringify(j.error)}`);
}

export async function scoreBackbones(engine: Engine, worlds: readonly number[], backbones: readonly string[], methods: Record<string, readonly ('kmeans' | 'cause-mlp')[]>, log: (s: string) => void) {
  const results: { world: number; backbone: string; method: string; miouPresent: number; miou: number }[] = [];
  for (const seed of worlds) {
    const dir = path.join(engine.workspace.root, 'worlds', `synth-${seed}`);
    await wait(engine, (await engine.call('synth.generate', { out: dir, sequences: 2, frames: 10, size: '512x256', seed })).jobId);
    let ds = (await engine.call('datasets.list', {})).find((d) => path.resolve(d.sourcePath) === path.resolve(dir));
    if (!ds) {
      const r = await engine.call('datasets.import', { path: dir, format: 'cityscapes', name: `held-out world ${seed}` });
      await wait(engine, r.jobId);
      ds = (await engine.call('datasets.list', {})).find((d) => d.id === r.datasetId)!;
    }
    for (const backbone of backbones) {
      await wait(engine, ((await engine.call('features.extract', { datasetId: ds.id, backbone })) as { id: string }).id);
      await wait(engine, ((await engine.call('features.extract', { datasetId: ds.id, backbone, width: 640, height: 320 })) as { id: string }).id);
      const whole = (await engine.call('features.list', { datasetId: ds.id })).find((f) => f.backbone === backbone && f.grid.w === 80 && f.grid.h === 40)!;
      for (const method of methods[backbone] ?? ['kmeans']) {
        const existing = (await engine.call('experiments.list', { datasetId: ds.id })).find((e) => e.backbone === backbone && e.method === method && e.status === 'trained');
        let id = existing?.id;
        if (!id) {
          const r = await engine.call('experiments.create', { datasetId: ds.id, backbone, method, clusters: 27, preset: 'fast', seed: 1 });
          await wait(engine, r.jobId);
          id = r.experimentId;
        }
        const detail = await engine.call('experiments.get', { id });
        if (!detail.predictions.some((p) => p.featureSetId === whole.id)) await wait(engine, (await engine.call('experiments.predict', { id, featureSetId: whole.id })).jobId);
        const ev = await engine.call('eval.run', { experimentId: id, datasetId: ds.id, protocol: 'cityscapes-27', geometry: 'reference' });
        await wait(engine, ev.jobId);
        const histogramId = ev.histogramId ?? (await engine.call('eval.histograms', { experimentId: id }))[0]!.id;
        const rep = await engine.call('eval.score', { histogramId, mapping: 'hungarian', worstFrames: 0 });
        results.push({ world: seed, backbone, method, miouPresent: rep.miouPresent ?? NaN, miou: rep.miou ?? NaN });
        log(`world ${seed} ${method.padEnd(9)} ${backbone.padEnd(14)} present-class mIoU ${((rep.miouPresent ?? NaN) * 100).toFixed(1)} (all-27 ${((rep.miou ?? NaN) * 100).toFixed(1)}, ${rep.classesPresent} classes present)`);
      }
    }
  }
  return results;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const model = path.resolve(arg('model') ?? builtinVitFiles().model);
  const worlds = (arg('worlds') ?? HELD_OUT_WORLDS.join(',')).split(',').map(Number);
  const ws = path.resolve(arg('ws') ?? '/tmp/cause-studio-pretrain-quality');
  const engine = await createEngine({ workspace: ws, runJobs: true });
  try {
    const sha = crypto.createHash('sha256').update(fs.readFileSync(model)).digest('hex').slice(0, 8);
    const name = `vit-${sha}`;
    if (!(await engine.call('models.list', {})).some((m) => m.name === name)) await engine.call('models.add', { path: model, name });
    const cause = !process.argv.includes('--no-cause');
    const only = arg('backbones')?.split(',');
    const results = await scoreBackbones(engine, worlds, only ? only.map((b) => (b === 'model' ? name : b)) : ['rgb', 'builtin', name], { rgb: ['kmeans'], builtin: ['kmeans'], [name]: cause ? ['kmeans', 'cause-mlp'] : ['kmeans'] }, (s) => console.log(s));
    console.log(`\nmean present-class mIoU over worlds ${worlds.join(', ')} (model ${model}, sha256 ${sha}…):`);
    for (const key of [...new Set(results.map((r) => `${r.method} ${r.backbone}`))]) {
      const rs = results.filter((r) => `${r.method} ${r.backbone}` === key);
      console.log(`  ${key.padEnd(28)} ${((rs.reduce((s, r) => s + r.miouPresent, 0) / rs.length) * 100).toFixed(1)}`);
    }
  } finally {
    await engine.close();
  }
}
