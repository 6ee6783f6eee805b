// `cause-studio demo` (= `npm run demo`): the first-run main job on built-in data. SynthDrive train and
// val splits (different worlds) → import → features (builtin, rgb) → CAUSE-MLP (fast) and the k-means
// baselines, over several training seeds, trained on train → predictions on val → Cityscapes-27
// evaluation on val → an overlay video and pseudo-labels of val → a mean ± sd table ranked by
// present-class mIoU. Every step reuses what an earlier run left behind (generated data, the datasets,
// cached features, finished experiments), so a second run is quick.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { StudioError } from '../../../shared/contract/errors.js';
import type { JobSummary } from '../../../shared/contract/index.js';
import { DEFAULT_TEMPORAL_DIRECTION, TEMPORAL_MODES, type ExperimentMethod, type TemporalMode } from '../../../shared/contract/experiments.js';
import { splitWorldSeed, type SynthSplit } from '../../../shared/contract/synth.js';
import type { EngineLink as Engine } from '../runtime.js';
import { DEMO_DEFAULTS, formatDemoTable, summarizeRuns, trainingSeeds, tunedSeedsUsed, type DemoRun } from '../demo-plan.js';
import { formatSeconds, type CliRuntime } from '../runtime.js';

interface DemoOptions {
  sequences: string;
  valSequences: string;
  frames: string;
  size: string;
  clusters: string;
  worldSeed: string;
  seeds: string;
  firstSeed: string;
  temporal: string;
}

function whole(name: string, v: string, min: number): number {
  if (!/^\d+$/.test(v.trim())) throw new StudioError('bad_request', `--${name} ${v}: expected a whole number`);
  const n = Number(v);
  if (n < min) throw new StudioError('bad_request', `--${name} ${v}: must be at least ${min}`);
  return n;
}

export function register(program: Command, rt: CliRuntime): void {
  const d = DEMO_DEFAULTS;
  program
    .command('demo')
    .description('train on generated SynthDrive data, score on other worlds, print a comparison table over seeds')
    .option('--sequences <n>', 'SynthDrive train sequences', String(d.sequences))
    .option('--val-sequences <n>', 'SynthDrive val sequences (other worlds; scored)', String(d.valSequences))
    .option('--frames <n>', 'frames per sequence', String(d.frames))
    .option('--size <WxH>', 'frame size', d.size)
    .option('--clusters <K>', 'clusters (27 = the Cityscapes-27 protocol)', String(d.clusters))
    .option('--world-seed <n>', 'SynthDrive seed (train split; val is built from a seed derived from it)', String(d.worldSeed))
    .option('--seeds <n>', 'training seeds per method (mean ± sd over them)', String(d.seeds))
    .option('--first-seed <n>', 'first training seed (then +1, +2, …)', String(d.firstSeed))
    .option('--temporal <mode>', `val predictions: ${TEMPORAL_MODES.join(' | ')} (features/flow: cluster scores filtered along matches or optical flow, with label hysteresis; none by default, so the table compares per-frame maps as the papers do)`, 'none')
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
  const sequences = whole('sequences', o.sequences, 1);
  const valSequences = whole('val-sequences', o.valSequences, 1);
  const frames = whole('frames', o.frames, 1);
  const clusters = whole('clusters', o.clusters, 2);
  const worldSeed = whole('world-seed', o.worldSeed, 0);
  const seeds = trainingSeeds(whole('first-seed', o.firstSeed, 0), whole('seeds', o.seeds, 1));
  const tuned = tunedSeedsUsed(worldSeed, seeds);
  if (!(TEMPORAL_MODES as readonly string[]).includes(o.temporal)) {
    throw new StudioError('bad_request', `--temporal must be one of ${TEMPORAL_MODES.join(', ')}, not '${o.temporal}'`);
  }
  const temporal = o.temporal as TemporalMode;
  if (tuned.training.length || tuned.world.length) {
    say(
      `warning: ${[...tuned.training.map((s) => `training seed ${s}`), ...tuned.world.map((s) => `world seed ${s}`)].join(', ')} ` +
        'tuned a preset (main/engine/cause/tuning.ts): these scores are optimistic',
    );
  }

  // 1. data: the train split trains, the val split (other worlds) is scored
  const datasetOf = async (split: SynthSplit, count: number): Promise<{ id: string; frames: number }> => {
    const dir = path.join(engine.workspace.root, 'demo', `synthdrive-${split}-${count}x${frames}-${o.size}-s${worldSeed}`);
    // Always asked for: the generator skips frames an identical earlier run completed, and finishes a
    // run that was killed half-way.
    say(
      `SynthDrive ${split}: ${count}×${frames} frames at ${o.size}, world seed ${splitWorldSeed(worldSeed, split)} in ${dir}` +
        (fs.existsSync(path.join(dir, 'synthdrive.json')) ? ' (reusing complete frames)' : ''),
    );
    await wait(await engine.call('synth.generate', { out: dir, sequences: count, frames, size: o.size, seed: worldSeed, split }), `synthdrive ${split}`);
    const found = (await engine.call('datasets.list', {})).find((ds) => path.resolve(ds.sourcePath) === path.resolve(dir));
    if (found) {
      say(`dataset: reusing ${found.name} (${found.id.slice(0, 8)})`);
      return { id: found.id, frames: found.frameCount };
    }
    const r = await engine.call('datasets.import', { path: dir, format: 'cityscapes', name: `SynthDrive demo ${split} (${count}x${frames}, seed ${worldSeed})` });
    await wait(r.jobId, `import ${split}`);
    const ds = (await engine.call('datasets.list', {})).find((x) => x.id === r.datasetId)!;
    return { id: ds.id, frames: ds.frameCount };
  };
  const train = await datasetOf('train', sequences);
  const val = await datasetOf('val', valSequences);

  // 2. features. Training uses the method's preprocessing (short side 320, centre crop) on train;
  // predictions come from features of the whole val frame at the same scale, so nothing outside the
  // centre crop is extrapolated and the video and pseudo-labels cover the frame. (Both builtin
  // backbones use 8-px patches.)
  const [fw, fh] = o.size.split('x').map(Number) as [number, number];
  const wholeHeight = 320;
  const wholeWidth = Math.max(8, Math.round((wholeHeight * fw) / fh / 8) * 8);
  const extract = async (datasetId: string, backbone: string, size: { width: number; height: number } | null, label: string): Promise<string> => {
    say(`features: ${backbone} backbone, ${label} (cached after the first run)`);
    const job = await engine.call('features.extract', { datasetId, backbone, ...(size ?? {}) });
    await wait(job, `features ${backbone} ${label}`);
    const result = (await engine.call('jobs.get', { id: job.id })).result as { featureSetId?: string } | null;
    if (!result?.featureSetId) throw new Error(`features of ${datasetId} (${backbone}, ${label}) were not recorded`);
    return result.featureSetId;
  };
  const backbones = ['builtin', 'rgb'];
  const trainSets = new Map<string, string>();
  const valSets = new Map<string, string>();
  for (const backbone of backbones) {
    trainSets.set(backbone, await extract(train.id, backbone, null, 'train'));
    valSets.set(backbone, await extract(val.id, backbone, { width: wholeWidth, height: wholeHeight }, 'val whole frame'));
  }

  // 3. training on train, 4. predictions on val, 5. evaluation on val — per seed and method
  const methods: { method: ExperimentMethod; backbone: string }[] = [
    { method: 'cause-mlp', backbone: 'builtin' },
    { method: 'kmeans', backbone: 'builtin' },
    { method: 'kmeans', backbone: 'rgb' },
  ];
  const runs: DemoRun[] = [];
  for (const seed of seeds) {
    for (const m of methods) {
      const t = Date.now();
      const featureSetId = trainSets.get(m.backbone)!;
      const existing = (await engine.call('experiments.list', { datasetId: train.id })).find(
        (e) => e.method === m.method && e.featureSetId === featureSetId && e.clusters === clusters && e.preset === 'fast' && e.seed === seed && e.status === 'trained',
      );
      let experimentId: string;
      if (existing) {
        experimentId = existing.id;
        say(`${m.method} on ${m.backbone}, seed ${seed}: reusing experiment ${experimentId.slice(0, 8)}`);
      } else {
        say(`${m.method} on ${m.backbone}, seed ${seed}: training on train (preset fast, K=${clusters})`);
        const r = await engine.call('experiments.create', {
          datasetId: train.id,
          featureSetId,
          method: m.method,
          clusters,
          preset: 'fast',
          seed,
          name: `demo ${m.method} ${m.backbone} seed ${seed}`,
        });
        experimentId = r.experimentId;
        await wait(r.jobId, `train ${m.method}/${m.backbone} seed ${seed}`);
      }
      const detail = await engine.call('experiments.get', { id: experimentId });
      const valSet = valSets.get(m.backbone)!;
      // a temporal set is reused only when it ran the default way (DEFAULT_TEMPORAL_DIRECTION); older sets ran otherwise
      const same = (p: (typeof detail.predictions)[number]) => p.temporal === temporal && (temporal === 'none' || p.temporalDirection === DEFAULT_TEMPORAL_DIRECTION);
      if (!detail.predictions.some((p) => p.datasetId === val.id && p.featureSetId === valSet && same(p))) {
        const args = { id: experimentId, datasetId: val.id, featureSetId: valSet, ...(temporal !== 'none' ? { temporal } : {}) };
        await wait(await engine.call('experiments.predict', args), `predict val ${m.method}/${m.backbone}`);
      }
      const ev = await engine.call('eval.run', { experimentId, datasetId: val.id, protocol: 'cityscapes-27', geometry: 'reference' });
      await wait(ev, `evaluate ${m.method}/${m.backbone} seed ${seed}`);
      const histogramId =
        ev.histogramId ?? (await engine.call('eval.histograms', { experimentId })).find((h) => h.datasetId === val.id && h.geometry === 'reference')?.id;
      if (!histogramId) throw new Error(`evaluation of ${experimentId} on val produced no histogram`);
      const report = await engine.call('eval.score', { histogramId, mapping: 'hungarian', worstFrames: 0 });
      runs.push({
        method: m.method,
        backbone: m.backbone,
        seed,
        experimentId,
        miouPresent: report.miouPresent,
        classesPresent: report.classesPresent,
        miou: report.miou,
        classesScored: report.classesScored,
        pixelAccuracy: report.pixelAccuracy,
        trainingFramesScored: report.trainingFramesScored ?? null,
        seconds: (Date.now() - t) / 1000,
      });
    }
  }
  const rows = summarizeRuns(runs);
  const leaked = runs.reduce((a, r) => a + (r.trainingFramesScored ?? 0), 0);

  // 6. exports of the first seed's CAUSE run: a side-by-side video of the first val sequence, and
  // Cityscapes-format pseudo-labels of the val frames
  const cause = runs.find((r) => r.method === 'cause-mlp')!;
  const firstSequence = (await engine.call('datasets.sequences', { id: val.id }))[0]!;
  const video = await engine.call('exports.video', { experimentId: cause.experimentId, sequenceId: firstSequence.id, mode: 'side-by-side', force: true });
  await wait(video.jobId, 'export video');
  const videoPath = ((await engine.call('jobs.get', { id: video.jobId })).result as { path: string }).path;
  const labelsPath = path.join(engine.workspace.root, 'exports', 'demo-pseudo-labels');
  const labels = await engine.call('exports.labels', { experimentId: cause.experimentId, datasetId: val.id, format: 'cityscapes', out: labelsPath, force: true });
  await wait(labels.jobId, 'export labels');

  const summary = {
    train: { datasetId: train.id, frames: train.frames, worldSeed: splitWorldSeed(worldSeed, 'train') },
    val: { datasetId: val.id, frames: val.frames, worldSeed: splitWorldSeed(worldSeed, 'val') },
    seeds,
    rows,
    trainingFramesScored: leaked,
    video: videoPath,
    labels: labelsPath,
    seconds: (Date.now() - t0) / 1000,
  };
  rt.print(summary, () =>
    [
      '',
      ...formatDemoTable(rows, formatSeconds),
      '',
      `trained on SynthDrive train (world seed ${summary.train.worldSeed}, ${train.frames} frames), scored on val ` +
        `(world seed ${summary.val.worldSeed}, ${val.frames} frames): ${leaked} training frames scored.`,
      'Cityscapes-27 protocol, Hungarian matching, reference geometry (short side 320, centre crop);',
      `trained on reference crops, predicted from whole-frame features (${wholeWidth}×${wholeHeight}).`,
      `video         ${videoPath}`,
      `pseudo-labels ${labelsPath}`,
      `workspace     ${engine.workspace.root}`,
      `total         ${formatSeconds(summary.seconds)}`,
    ].join('\n'),
  );
}
