// Evaluation end to end through the engine: a small SynthDrive set imported as a dataset, two
// experiments whose predictions are written to the workspace's prediction cache (noisy relabelled ground
// truth — the evaluator, not a trained model, is under test here), the 'eval.histogram' job, scores,
// mappings, label-free signals, run comparison, the CLI, and agreement with an independent path that
// scores exported Cityscapes *_labelIds.png files.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetConfig } from '../../../shared/contract/experiments.js';
import type { EvalReport, RunComparisonReport } from '../../../shared/contract/evaluation.js';
import type { ArgsOf } from '../../../shared/contract/index.js';
import { getBuiltinProtocol } from '../../../shared/protocols/builtin.js';
import { encodeClusterMap } from '../../../main/engine/cause/prediction-png.js';
import { listFrames, readImageRGB, readLabelMap, type FrameRecord } from '../../../main/engine/datasets/frame-source.js';
import { insertExperiment } from '../../../main/engine/db/queries/experiments.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';
import { mulberry32 } from '../../../shared/random.js';

const run = promisify(execFile);
const cs27 = getBuiltinProtocol('cityscapes-27')!;
const C = 27;

let tmp: ReturnType<typeof tempDir>;
let engine: Engine | null = null;
let wsDir: string;
let datasetId: string;
let frames: FrameRecord[];
let noGtDataset: string;
/** Per experiment: the cluster map of every frame, as written. */
const predictions = new Map<string, Map<string, Uint16Array>>();


/**
 * A fake run: cluster = a fixed permutation of the true class (void → random cluster), with a share of
 * pixels flipped to a random cluster. K > C spreads the extra clusters over noise only.
 */
async function addExperiment(e: Engine, id: string, K: number, seed: number, flip: number): Promise<void> {
  const rand = mulberry32(seed);
  const perm = Array.from({ length: C }, (_, i) => i);
  for (let i = C - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  insertExperiment(e.db, { id, name: id, datasetId, featureSetId: 'fs-test', backbone: 'test', config: presetConfig('fast', 'kmeans', K, seed) });
  const predDir = path.join('experiments', id, 'predictions', datasetId);
  fs.mkdirSync(path.join(wsDir, predDir), { recursive: true });
  const maps = new Map<string, Uint16Array>();
  const rows: { frame_id: string; cluster_file: string; confidence_file: string; width: number; height: number }[] = [];
  for (const f of frames) {
    const label = await readLabelMap(f.labelPath!);
    const n = label.width * label.height;
    const ids = new Uint16Array(n);
    const conf = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const t = cs27.lut[label.data[i]!]!;
      ids[i] = t < C && rand() >= flip ? perm[t]! : Math.floor(rand() * K);
      conf[i] = t < C ? 200 : 90;
    }
    maps.set(f.id, ids);
    const clusterFile = path.join(predDir, `${f.id}.png`);
    const confFile = path.join(predDir, `${f.id}_conf.png`);
    fs.writeFileSync(path.join(wsDir, clusterFile), await encodeClusterMap(ids, label.width, label.height, K));
    fs.writeFileSync(path.join(wsDir, confFile), await encodeClusterMap(Uint16Array.from(conf), label.width, label.height, 255));
    rows.push({ frame_id: f.id, cluster_file: clusterFile, confidence_file: confFile, width: label.width, height: label.height });
  }
  predictions.set(id, maps);
  e.db
    .prepare(
      `INSERT INTO experiment_predictions (experiment_id, dataset_id, feature_set_id, job_id, prediction_key, frame_count, created_at)
       VALUES (?, ?, 'fs-test', NULL, ?, ?, ?)`,
    )
    .run(id, datasetId, `key-${id}`, rows.length, new Date().toISOString());
  const stmt = e.db.prepare(
    `INSERT INTO experiment_prediction_frames (experiment_id, dataset_id, frame_id, cluster_file, confidence_file, width, height)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const r of rows) stmt.run(id, datasetId, r.frame_id, r.cluster_file, r.confidence_file, r.width, r.height);
}

/** A run on a dataset without labels: cluster = luma quantised into K bins. */
async function addLumaExperiment(e: Engine, id: string, ds: string, K: number): Promise<void> {
  insertExperiment(e.db, { id, name: id, datasetId: ds, featureSetId: 'fs-test', backbone: 'test', config: presetConfig('fast', 'kmeans', K, 0) });
  const predDir = path.join('experiments', id, 'predictions', ds);
  fs.mkdirSync(path.join(wsDir, predDir), { recursive: true });
  const list = listFrames(e.db, ds);
  e.db
    .prepare(`INSERT INTO experiment_predictions (experiment_id, dataset_id, feature_set_id, job_id, prediction_key, frame_count, created_at) VALUES (?, ?, 'fs-test', NULL, ?, ?, ?)`)
    .run(id, ds, `key-${id}`, list.length, new Date().toISOString());
  for (const f of list) {
    const img = await readImageRGB(f.imagePath);
    const n = img.width * img.height;
    const ids = new Uint16Array(n);
    for (let i = 0; i < n; i++) ids[i] = Math.min(K - 1, Math.floor(((img.data[i * 3]! + img.data[i * 3 + 1]! + img.data[i * 3 + 2]!) / 765) * K));
    const clusterFile = path.join(predDir, `${f.id}.png`);
    fs.writeFileSync(path.join(wsDir, clusterFile), await encodeClusterMap(ids, img.width, img.height, K));
    e.db
      .prepare(`INSERT INTO experiment_prediction_frames (experiment_id, dataset_id, frame_id, cluster_file, confidence_file, width, height) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(id, ds, f.id, clusterFile, clusterFile, img.width, img.height);
  }
}

async function evalAndWait(e: Engine, args: ArgsOf<'eval.run'>): Promise<string> {
  const started = await e.call('eval.run', args);
  if (started.histogramId) return started.histogramId;
  const job = await e.call('jobs.wait', { id: started.jobId! });
  const detail = await e.call('jobs.get', { id: started.jobId! });
  expect(job.state, job.error ?? '').toBe('succeeded');
  return (detail.result as { histogramId: string }).histogramId;
}

beforeAll(async () => {
  tmp = tempDir('cs-eval-int-');
  const synth = path.join(tmp.dir, 'synth');
  await generateSynthDrive({ out: synth, sequences: 2, frames: 3, width: 256, height: 128, seed: 5, weather: 'clear', split: 'val' });
  wsDir = path.join(tmp.dir, 'ws');
  engine = await createEngine({ workspace: wsDir, runJobs: true });
  const { jobId, datasetId: id } = await engine.call('datasets.import', { path: synth, name: 'synth-eval' });
  const job = await engine.call('jobs.wait', { id: jobId });
  expect(job.state, job.error ?? '').toBe('succeeded');
  datasetId = id;
  frames = listFrames(engine.db, datasetId).filter((f) => f.labelPath !== null);
  expect(frames.length).toBe(6);
  await addExperiment(engine, 'exp-a', 27, 1, 0.1);
  await addExperiment(engine, 'exp-b', 40, 2, 0.2);
  // The same images as a folder dataset without ground truth, with a run that clusters luma.
  const imgs = path.join(synth, 'leftImg8bit', 'val');
  const city = fs.readdirSync(imgs)[0]!;
  const plain = await engine.call('datasets.import', { path: path.join(imgs, city), format: 'folder', name: 'no-gt' });
  const plainJob = await engine.call('jobs.wait', { id: plain.jobId });
  expect(plainJob.state, plainJob.error ?? '').toBe('succeeded');
  noGtDataset = plain.datasetId;
  await addLumaExperiment(engine, 'exp-c', noGtDataset, 8);
}, 300_000);

afterAll(async () => {
  await engine?.close();
  tmp?.cleanup();
});

describe('evaluation through the engine', () => {
  let histFull: string;

  it('stores a full-geometry histogram equal to counting the written predictions against the GT', async () => {
    const e = engine!;
    histFull = await evalAndWait(e, { experimentId: 'exp-a', protocol: 'cityscapes-27', geometry: 'full' });
    const data = await e.call('eval.histogram', { id: histFull, frames: true });
    expect(data.clusters).toBe(27);
    expect(data.classes).toBe(27);
    expect(data.frames!.length).toBe(6);
    const expected = new Float64Array(27 * C);
    for (const f of frames) {
      const label = await readLabelMap(f.labelPath!);
      const ids = predictions.get('exp-a')!.get(f.id)!;
      for (let i = 0; i < ids.length; i++) {
        const t = cs27.lut[label.data[i]!]!;
        if (t < C) expected[ids[i]! * C + t]! += 1;
      }
    }
    expect(data.histogram).toEqual(Array.from(expected));
    // A second request with the same predictions reuses the stored histogram (no job).
    const again = await e.call('eval.run', { experimentId: 'exp-a', protocol: 'cityscapes-27', geometry: 'full' });
    expect(again).toEqual({ jobId: null, histogramId: histFull });
  });

  it('agrees with an independent evaluator reading exported Cityscapes *_labelIds.png files', async () => {
    const e = engine!;
    const report = await e.call('eval.score', { histogramId: histFull, mapping: 'hungarian', worstFrames: 3 });
    expect(report.mapping.filter((t) => t < 0)).toEqual([]); // K = C: a full bijection
    // Export the mapped predictions as Cityscapes label files through the studio's export job ...
    const out = path.join(tmp.dir, 'export');
    const { jobId } = await e.call('exports.labels', { experimentId: 'exp-a', format: 'cityscapes', mapping: 'hungarian', out });
    const job = await e.call('jobs.wait', { id: jobId });
    expect(job.state, job.error ?? '').toBe('succeeded');
    const rec = (await e.call('jobs.get', { id: jobId })).result as { path: string; summary: { frames: number } };
    expect(rec.path).toBe(out);
    expect(rec.summary.frames).toBe(6);
    expect(fs.readdirSync(tmp.dir).filter((n) => n.includes('.partial-'))).toEqual([]);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'mapping.json'), 'utf8')).schemaVersion).toBe(1);
    const city = fs.readdirSync(out).filter((n) => n !== 'mapping.json');
    expect(city.length).toBe(1);
    expect(fs.readdirSync(path.join(out, city[0]!)).filter((n) => n.endsWith('_gtFine_color.png')).length).toBe(6);
    // Without force an existing output is refused, naming it.
    await expect(e.call('exports.labels', { experimentId: 'exp-a', out })).rejects.toThrow(/export: already exists/);
    // ... and score them the way the field's script does: a labelId confusion matrix over the 27 classes.
    const conf = new Map<string, number>();
    for (const f of frames) {
      const gt = await readLabelMap(f.labelPath!);
      const file = path.join(out, city[0]!, `${f.name}_gtFine_labelIds.png`);
      const pred = await readLabelMap(file);
      for (let i = 0; i < gt.data.length; i++) {
        const g = gt.data[i]!;
        if (g < 7 || g > 33) continue;
        const key = `${g},${pred.data[i]}`;
        conf.set(key, (conf.get(key) ?? 0) + 1);
      }
    }
    let sum = 0;
    let n = 0;
    let tpAll = 0;
    let total = 0;
    for (let g = 7; g <= 33; g++) {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (const [key, v] of conf) {
        const [a, b] = key.split(',').map(Number) as [number, number];
        if (a === g && b === g) tp += v;
        else if (a === g) fn += v;
        else if (b === g) fp += v;
      }
      tpAll += tp;
      if (tp + fp + fn > 0) {
        sum += tp / (tp + fp + fn);
        n++;
        const row = report.perClass[g - 7]!;
        expect(row.iou).toBeCloseTo(tp / (tp + fp + fn), 12);
      } else {
        expect(report.perClass[g - 7]!.iou).toBeNull();
      }
    }
    for (const v of conf.values()) total += v;
    expect(report.miou).toBeCloseTo(sum / n, 12);
    expect(report.pixelAccuracy).toBeCloseTo(tpAll / total, 12);
    // Sanity: 10 % flipped pixels on a permutation is a good but imperfect segmentation. (mIoU is much
    // lower: flipped pixels make classes absent from these frames "predicted", which scores them 0.)
    expect(report.pixelAccuracy!).toBeGreaterThan(0.85);
    expect(report.pixelAccuracy!).toBeLessThan(1);
    expect(report.perClass.some((c) => c.gtPixels === 0 && c.iou === 0)).toBe(true);
    expect(report.worstFrames.length).toBe(3);
  });

  it('scores K > C with unmatched clusters as errors, and majority at least as high in pixel accuracy', async () => {
    const e = engine!;
    const h = await evalAndWait(e, { experimentId: 'exp-b', protocol: 'cityscapes-27', geometry: 'reference' });
    const hung = await e.call('eval.score', { histogramId: h, mapping: 'hungarian' });
    const maj = await e.call('eval.score', { histogramId: h, mapping: 'majority' });
    expect(hung.mapping.filter((t) => t < 0).length).toBe(40 - 27);
    expect(hung.unmatchedPixels).toBeGreaterThan(0);
    expect(maj.pixelAccuracy!).toBeGreaterThanOrEqual(hung.pixelAccuracy!);
    const data = await e.call('eval.histogram', { id: h });
    expect(data.geometry).toBe('reference');
    // Reference geometry: 256×128 → 640×320 → crop 320×320 per frame (minus ignored void pixels).
    expect(data.pixelCount).toBeLessThanOrEqual(6 * 320 * 320);
  });

  it('versions mappings: propose, edit, export, import, and score by id', async () => {
    const e = engine!;
    const proposed = await e.call('mappings.propose', { histogramId: histFull, method: 'hungarian' });
    expect(proposed.version).toBe(1);
    const hung = await e.call('eval.score', { histogramId: histFull, mapping: 'hungarian' });
    const byId = await e.call('eval.score', { histogramId: histFull, mapping: proposed.id });
    expect(byId.miou).toBe(hung.miou);
    // A manual edit: ignore the cluster that carries road.
    const roadCluster = proposed.document.clusters.indexOf('road');
    expect(roadCluster).toBeGreaterThanOrEqual(0);
    const edited = { ...proposed.document, method: 'manual', name: 'edited', clusters: proposed.document.clusters.map((c, k) => (k === roadCluster ? 'ignore' : c)) };
    const saved = await e.call('mappings.save', { experimentId: 'exp-a', document: edited, parentId: proposed.id, histogramId: histFull });
    expect(saved.version).toBe(2);
    expect(saved.mapping[roadCluster]).toBe(-1);
    const editedScore = await e.call('eval.score', { histogramId: histFull, mapping: saved.id });
    expect(editedScore.pixelAccuracy!).toBeLessThan(hung.pixelAccuracy!);
    const file = path.join(tmp.dir, 'mapping.json');
    await e.call('mappings.export', { id: saved.id, path: file });
    const imported = await e.call('mappings.import', { experimentId: 'exp-a', path: file });
    expect(imported.version).toBe(3);
    expect(imported.mapping).toEqual(saved.mapping);
    expect((await e.call('mappings.list', { experimentId: 'exp-a' })).map((m) => m.version)).toEqual([3, 2, 1]); // newest first
    // A mapping for the wrong number of clusters is refused with the file named.
    const bad = { ...proposed.document, clusters: proposed.document.clusters.slice(0, 5) };
    fs.writeFileSync(file, JSON.stringify(bad));
    await expect(e.call('mappings.import', { experimentId: 'exp-a', path: file })).rejects.toThrow(/mapping\.json: mapping has 5 clusters, the experiment has 27/);
  });

  it('stores label-free signals (pixel shares, confidence, static-region flicker)', async () => {
    const lf = (await engine!.call('eval.labelFree', { experimentId: 'exp-a' })).find((r) => r.geometry === 'full')!;
    expect(lf.frames).toBe(6);
    const shares = lf.pixelShare.filter((v): v is number => v !== null);
    expect(shares.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 9);
    expect(lf.flickerMethod).toBe('static-regions');
    expect(lf.framePairs).toBe(4); // 2 sequences × (3 − 1)
    expect(lf.flickerStatic).not.toBeNull();
    // Confidence 200/255 on labelled pixels, 90/255 on void: every cluster's mean lies between.
    for (const c of lf.meanConfidence) if (c !== null) expect(c).toBeGreaterThan(89 / 255);
  });

  it('computes only label-free signals on a dataset without ground truth', async () => {
    const e = engine!;
    const started = await e.call('eval.run', { experimentId: 'exp-c', geometry: 'full' });
    const job = await e.call('jobs.wait', { id: started.jobId! });
    expect(job.state, job.error ?? '').toBe('succeeded');
    expect(((await e.call('jobs.get', { id: started.jobId! })).result as { histogramId: string | null }).histogramId).toBeNull();
    const lf = (await e.call('eval.labelFree', { experimentId: 'exp-c' }))[0]!;
    expect(lf.datasetId).toBe(noGtDataset);
    expect(lf.frames).toBe(6);
    expect(lf.usedClusters).toBeGreaterThan(2);
    // Luma bins barely change where the luma barely changed (only pixels at a bin edge can): static-region
    // flicker is small and well below the all-pixel flicker that motion causes.
    expect(lf.flickerStatic!).toBeLessThan(0.15);
    expect(lf.flickerStatic!).toBeLessThan(lf.flickerAll!);
    await expect(e.call('eval.run', { experimentId: 'exp-c', labelFree: false })).rejects.toThrow(/no ground truth/);
  });

  it('compares two runs by co-occurrence', async () => {
    const { jobId } = await engine!.call('eval.compare', { experimentA: 'exp-a', experimentB: 'exp-b', geometry: 'full' });
    const job = await engine!.call('jobs.wait', { id: jobId });
    expect(job.state, job.error ?? '').toBe('succeeded');
    const r = (await engine!.call('jobs.get', { id: jobId })).result as RunComparisonReport;
    expect(r.clustersA).toBe(27);
    expect(r.clustersB).toBe(40);
    expect(r.matches.length).toBeGreaterThan(5);
    expect(r.agreement!).toBeGreaterThan(0.5);
  });

  it('refuses a protocol that reads another label encoding, naming both', async () => {
    await expect(engine!.call('eval.run', { experimentId: 'exp-a', protocol: 'bdd-19' })).rejects.toThrow(/bdd100k-19.*cityscapes-trainid.*cityscapes-labelid/);
    await expect(engine!.call('eval.run', { experimentId: 'nope' })).rejects.toThrow(/experiment 'nope' does not exist/);
  });

  it('prints the per-class table from the CLI, and --json gives the report', async () => {
    await engine!.close();
    engine = null;
    const cli = path.join(REPO_ROOT, 'bin', 'cause-studio.js');
    const human = await run(process.execPath, [cli, '--workspace', wsDir, 'eval', '--experiment', 'exp-a', '--geometry', 'full'], { cwd: tmp.dir });
    expect(human.stdout).toMatch(/road/);
    expect(human.stdout).toMatch(/mIoU\s+\d+\.\d %/);
    expect(human.stdout).toMatch(/pixel accuracy\s+\d+\.\d %/);
    const json = await run(process.execPath, [cli, '--workspace', wsDir, '--json', 'eval', '--experiment', 'exp-a', '--geometry', 'full', '--mapping', 'majority'], { cwd: tmp.dir });
    const report = JSON.parse(json.stdout) as EvalReport;
    expect(report.mappingMethod).toBe('majority');
    expect(report.perClass.length).toBe(27);
    const list = await run(process.execPath, [cli, '--workspace', wsDir, 'map', 'list', '--experiment', 'exp-a'], { cwd: tmp.dir });
    expect(list.stdout).toMatch(/edited/);
    const newest = list.stdout.split('\n')[1]!.split(/\s+/)[0]!;
    await run(process.execPath, [cli, '--workspace', wsDir, 'map', 'export', newest, '--out', 'm.json'], { cwd: tmp.dir });
    expect(JSON.parse(fs.readFileSync(path.join(tmp.dir, 'm.json'), 'utf8')).kind).toBe('cause-studio/mapping');
    const cmp = await run(process.execPath, [cli, '--workspace', wsDir, 'compare', 'exp-a', 'exp-b', '--geometry', 'full'], { cwd: tmp.dir });
    expect(cmp.stdout).toMatch(/A exp-a \(27 clusters\)\s+vs\s+B exp-b \(40 clusters\)/);
    expect(cmp.stdout).toMatch(/agreement under the matching \d+\.\d %/);
    const noGt = await run(process.execPath, [cli, '--workspace', wsDir, 'eval', '--experiment', 'exp-c', '--geometry', 'full'], { cwd: tmp.dir });
    expect(noGt.stdout).toMatch(/label-free signals only/);
    expect(noGt.stdout).toMatch(/static flicker %/);
    const bad = await run(process.execPath, [cli, '--workspace', wsDir, 'eval', '--experiment', 'exp-a', '--geometry', 'sideways'], { cwd: tmp.dir }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toMatch(/--geometry must be reference or full/);
  }, 180_000);
});
