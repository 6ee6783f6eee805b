// `cause-studio demo` (= `npm run demo`): the first-run main job on built-in data. SynthDrive → import →
// features (builtin, rgb) → CAUSE-MLP (fast) and the k-means baselines → predictions → Cityscapes-27
// evaluation → an overlay video → a summary table. Every step reuses what an earlier run left behind
// (generated data, the dataset, cached features, finished experiments), so a second run is quick.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { JobSummary } from '../../../shared/contract/index.js';
import type { ExperimentMethod } from '../../../shared/contract/experiments.js';
import type { Engine } from '../../engine/engine.js';
import { formatSeconds, table, type CliRuntime } from '../runtime.js';

interface DemoOptions {
  sequences: string;
  frames: string;
  size: string;
  clusters: string;
  seed: string;
}

interface Row {
  method: string;
  backbone: string;
  experimentId: string;
  miou: number | null;
  pixelAccuracy: number | null;
  seconds: number;
}

export function register(program: Command, rt: CliRuntime): void {
  program
    .command('demo')
    .description('run the whole method on generated SynthDrive data and print a comparison table')
    .option('--sequences <n>', 'SynthDrive sequences', '3')
    .option('--frames <n>', 'frames per sequence', '30')
    .option('--size <WxH>', 'frame size', '512x256')
    .option('--clusters <K>', 'clusters (27 = the Cityscapes-27 protocol)', '27')
    .option('--seed <n>', 'seed for data and training', '1')
    .action(async (o: DemoOptions) => {
      await rt.withEngine({ runJobs: true }, (engine) => runDemo(engine, rt, o));
    });
}

async function runDemo(engine: Engine, rt: CliRuntime, o: DemoOptions): Promise<void> {
  const t0 = Date.now();
  const say = (s: string) => {
    if (!rt.json) process.stderr.write(`» ${s}\n`);
  };
  const wait = async (job: JobSummary | { jobId: string | null } | string, label: string): Promise<JobSummary | null> => {
    const id = typeof job === 'string' ? job : 'jobId' in job ? job.jobId : job.id;
    return id ? rt.runJob(engine, id, label) : null;
  };
  const sequences = Number(o.sequences);
  const frames = Number(o.frames);
  const clusters = Number(o.clusters);
  const seed = Number(o.seed);

  // 1. data
  const dataDir = path.join(engine.workspace.root, 'demo', `synthdrive-${sequences}x${frames}-${o.size}-s${seed}`);
  // Always asked for: the generator skips frames an identical earlier run completed, and finishes a
  // run that was killed half-way.
  say(`SynthDrive: ${sequences}×${frames} frames at ${o.size} in ${dataDir}${fs.existsSync(path.join(dataDir, 'synthdrive.json')) ? ' (reusing complete frames)' : ''}`);
  await wait(await engine.call('synth.generate', { out: dataDir, sequences, frames, size: o.size, seed }), 'synthdrive');
  let dataset = (await engine.call('datasets.list', {})).find((d) => path.resolve(d.sourcePath) === path.resolve(dataDir));
  if (dataset) say(`dataset: reusing ${dataset.name} (${dataset.id.slice(0, 8)})`);
  else {
    say('importing it as a Cityscapes-layout dataset');
    const r = await engine.call('datasets.import', { path: dataDir, format: 'cityscapes', name: `SynthDrive demo (${sequences}x${frames})` });
    await wait(r.jobId, 'import');
    dataset = (await engine.call('datasets.list', {})).find((d) => d.id === r.datasetId)!;
  }
  const datasetId = dataset.id;

  // 2. features, 3. training, 4. predictions, 5. evaluation
  const runs: { method: ExperimentMethod; backbone: string }[] = [
    { method: 'cause-mlp', backbone: 'builtin' },
    { method: 'kmeans', backbone: 'builtin' },
    { method: 'kmeans', backbone: 'rgb' },
  ];
  // Training and the reference evaluation use the method's preprocessing (short side 320, centre crop);
  // predictions — and so the video and the pseudo-labels — come from features of the whole frame at the
  // same scale, so nothing outside the centre crop is extrapolated. (Both builtin backbones use 8-px patches.)
  const [fw, fh] = o.size.split('x').map(Number) as [number, number];
  const wholeHeight = 320;
  const wholeWidth = Math.max(8, Math.round((wholeHeight * fw) / fh / 8) * 8);
  const wholeSets = new Map<string, string>();
  for (const backbone of ['builtin', 'rgb']) {
    say(`features: ${backbone} backbone (cached after the first run)`);
    await wait(await engine.call('features.extract', { datasetId, backbone }), `features ${backbone}`);
    await wait(await engine.call('features.extract', { datasetId, backbone, width: wholeWidth, height: wholeHeight }), `features ${backbone} whole frame`);
    const set = (await engine.call('features.list', { datasetId })).find(
      (f) => f.backbone === backbone && f.grid.h * 8 === wholeHeight && f.grid.w * 8 === wholeWidth,
    );
    if (!set) throw new Error(`whole-frame ${backbone} features of ${datasetId} were not recorded`);
    wholeSets.set(backbone, set.id);
  }
  const rows: Row[] = [];
  for (const run of runs) {
    const t = Date.now();
    const existing = (await engine.call('experiments.list', { datasetId })).find(
      (e) => e.method === run.method && e.backbone === run.backbone && e.clusters === clusters && e.preset === 'fast' && e.seed === seed && e.status === 'trained',
    );
    let experimentId: string;
    if (existing) {
      experimentId = existing.id;
      say(`${run.method} on ${run.backbone}: reusing experiment ${experimentId.slice(0, 8)}`);
    } else {
      say(`${run.method} on ${run.backbone}: training (preset fast, K=${clusters})`);
      const r = await engine.call('experiments.create', {
        datasetId,
        backbone: run.backbone,
        method: run.method,
        clusters,
        preset: 'fast',
        seed,
        name: `demo ${run.method} ${run.backbone}`,
      });
      experimentId = r.experimentId;
      await wait(r.jobId, `train ${run.method}/${run.backbone}`);
    }
    const detail = await engine.call('experiments.get', { id: experimentId });
    const featureSetId = wholeSets.get(run.backbone)!;
    if (!detail.predictions.some((p) => p.datasetId === datasetId && p.featureSetId === featureSetId)) {
      await wait(await engine.call('experiments.predict', { id: experimentId, datasetId, featureSetId }), `predict ${run.method}/${run.backbone}`);
    }
    const ev = await engine.call('eval.run', { experimentId, datasetId, protocol: 'cityscapes-27', geometry: 'reference' });
    await wait(ev, `evaluate ${run.method}/${run.backbone}`);
    const histogramId = ev.histogramId ?? (await engine.call('eval.histograms', { experimentId }))[0]?.id;
    if (!histogramId) throw new Error(`evaluation of ${experimentId} produced no histogram`);
    const report = await engine.call('eval.score', { histogramId, mapping: 'hungarian', worstFrames: 0 });
    rows.push({ method: run.method, backbone: run.backbone, experimentId, miou: report.miou, pixelAccuracy: report.pixelAccuracy, seconds: (Date.now() - t) / 1000 });
  }

  // 6. exports: a side-by-side video of the first sequence, and Cityscapes-format pseudo-labels
  const cause = rows[0]!;
  const firstSequence = (await engine.call('datasets.sequences', { id: datasetId }))[0]!;
  const video = await engine.call('exports.video', { experimentId: cause.experimentId, sequenceId: firstSequence.id, mode: 'side-by-side', force: true });
  await wait(video.jobId, 'export video');
  const videoPath = ((await engine.call('jobs.get', { id: video.jobId })).result as { path: string }).path;
  let labelsPath: string | null = null;
  {
    const out = path.join(engine.workspace.root, 'exports', 'demo-pseudo-labels');
    const r = await engine.call('exports.labels', { experimentId: cause.experimentId, datasetId, format: 'cityscapes', out, force: true });
    await wait(r.jobId, 'export labels');
    labelsPath = out;
  }

  const fmt = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}`);
  const summary = { datasetId, rows, video: videoPath, labels: labelsPath, seconds: (Date.now() - t0) / 1000 };
  rt.print(summary, () =>
    [
      '',
      table(
        ['method', 'backbone', 'mIoU %', 'pixel acc %', 'time', 'experiment'],
        rows.map((r) => [r.method, r.backbone, fmt(r.miou), fmt(r.pixelAccuracy), formatSeconds(r.seconds), r.experimentId.slice(0, 8)]),
      ),
      '',
      'Cityscapes-27 protocol, Hungarian matching, reference geometry (short side 320, centre crop);',
      `trained on reference crops, predicted from whole-frame features (${wholeWidth}×${wholeHeight}).`,
      `video        ${videoPath}`,
      ...(labelsPath ? [`pseudo-labels ${labelsPath}`] : []),
      `workspace    ${engine.workspace.root}`,
      `total        ${formatSeconds(summary.seconds)}`,
    ].join('\n'),
  );
}
