// Issue 8 acceptance through the engine on SynthDrive: train → predict → evaluate, then export a video
// (decoded back and checked) and Cityscapes-format pseudo-labels, which — imported back as a dataset —
// score exactly what the internal evaluation says.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportRecord } from '../../../shared/contract/exports.js';
import type { EvalReport } from '../../../shared/contract/evaluation.js';
import { accumulate, scoreHistogram } from '../../../shared/metrics/confusion.js';
import { getBuiltinProtocol } from '../../../shared/protocols/builtin.js';
import { mapLabels } from '../../../shared/protocols/label-protocol.js';
import { listFrames, readLabelMap } from '../../../main/engine/datasets/frame-source.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { tempDir } from '../../helpers/temp-workspace.js';

const tmp = tempDir();
let engine: Engine;
let datasetId: string;
let experimentId: string;
let report: EvalReport;
const cs27 = getBuiltinProtocol('cityscapes-27')!;

async function job(p: Promise<{ jobId: string | null }> | { jobId: string | null }): Promise<void> {
  const { jobId } = await p;
  if (!jobId) return;
  const s = await engine.call('jobs.wait', { id: jobId });
  expect(s.state, s.error ?? '').toBe('succeeded');
}

beforeAll(async () => {
  engine = await createEngine({ workspace: path.join(tmp.dir, 'ws') });
  const data = path.join(tmp.dir, 'synth');
  await job(engine.call('synth.generate', { out: data, sequences: 1, frames: 4, size: '256x128', seed: 5 }));
  const imp = await engine.call('datasets.import', { path: data, format: 'cityscapes' });
  await job(imp);
  datasetId = imp.datasetId;
  const fx = await engine.call('features.extract', { datasetId, backbone: 'rgb' });
  await job({ jobId: fx.id });
  const exp = await engine.call('experiments.create', { datasetId, backbone: 'rgb', method: 'kmeans', clusters: 8, preset: 'fast', seed: 2 });
  experimentId = exp.experimentId;
  await job(exp);
  await job(engine.call('experiments.predict', { id: experimentId, datasetId }));
  const ev = await engine.call('eval.run', { experimentId, datasetId, protocol: 'cityscapes-27', geometry: 'full' });
  await job(ev);
  const histogramId = ev.histogramId ?? (await engine.call('eval.histograms', { experimentId }))[0]!.id;
  report = await engine.call('eval.score', { histogramId, mapping: 'hungarian', worstFrames: 0 });
}, 600_000);

afterAll(async () => {
  await engine.close();
  tmp.cleanup();
});

describe('exports on a trained experiment', () => {
  it('exports a side-by-side video that decodes to the sequence', async () => {
    const seq = (await engine.call('datasets.sequences', { id: datasetId }))[0]!;
    const out = path.join(tmp.dir, 'video.mp4');
    const { jobId } = await engine.call('exports.video', { experimentId, sequenceId: seq.id, mode: 'side-by-side', fps: 5, out });
    expect((await engine.call('jobs.wait', { id: jobId })).state).toBe('succeeded');
    const probe = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'csv=p=0', out], { encoding: 'utf8' });
    expect(probe.trim()).toBe('h264,768,128,4'); // image | prediction | ground truth
    const listed = await engine.call('exports.list', { experimentId });
    expect(listed.map((e: ExportRecord) => e.path)).toContain(out);
    // a second export to the same path without force is refused and leaves the first intact
    const again = await engine.call('exports.video', { experimentId, sequenceId: seq.id, out });
    const failed = await engine.call('jobs.wait', { id: again.jobId });
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/exists; pass force/);
    expect(fs.statSync(out).size).toBeGreaterThan(1000);
  });

  it('says clearly when ffmpeg cannot be run, and writes nothing', async () => {
    const seq = (await engine.call('datasets.sequences', { id: datasetId }))[0]!;
    const out = path.join(tmp.dir, 'no-ffmpeg.mp4');
    await engine.call('settings.set', { key: 'ffmpegPath', value: '/nonexistent/ffmpeg' });
    try {
      const { jobId } = await engine.call('exports.video', { experimentId, sequenceId: seq.id, out });
      const s = await engine.call('jobs.wait', { id: jobId });
      expect(s.state).toBe('failed');
      expect(s.error).toMatch(/\/nonexistent\/ffmpeg: configured ffmpeg does not run/);
      expect(fs.readdirSync(tmp.dir).filter((f) => f.startsWith('no-ffmpeg'))).toEqual([]);
    } finally {
      engine.db.prepare(`DELETE FROM settings WHERE key = 'ffmpegPath'`).run();
    }
  });

  it('writes pseudo-labels that, imported back as a dataset, score as the internal evaluation', async () => {
    const out = path.join(tmp.dir, 'pseudo');
    const { jobId } = await engine.call('exports.labels', { experimentId, datasetId, format: 'cityscapes', out });
    expect((await engine.call('jobs.wait', { id: jobId })).state).toBe('succeeded');
    // Lay the pseudo-labels out as a Cityscapes tree beside the original images and import it.
    const original = listFrames(engine.db, datasetId);
    const tree = path.join(tmp.dir, 'reimport');
    for (const f of original) {
      const city = path.basename(path.dirname(f.imagePath));
      const img = path.join(tree, 'leftImg8bit', 'train', city, path.basename(f.imagePath));
      fs.mkdirSync(path.dirname(img), { recursive: true });
      fs.copyFileSync(f.imagePath, img);
      const label = fs.readdirSync(out, { recursive: true }).map(String).find((p) => p.endsWith(`${f.name}_gtFine_labelIds.png`));
      expect(label, `pseudo-label of ${f.name}`).toBeDefined();
      const dst = path.join(tree, 'gtFine', 'train', city, `${f.name}_gtFine_labelIds.png`);
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.copyFileSync(path.join(out, label!), dst);
    }
    const imp = await engine.call('datasets.import', { path: tree, format: 'cityscapes', name: 'pseudo-labels' });
    expect((await engine.call('jobs.wait', { id: imp.jobId })).state).toBe('succeeded');
    const pseudo = new Map(listFrames(engine.db, imp.datasetId).map((f) => [f.name, f]));
    // Score pseudo-labels against the original ground truth: pseudo classes are the "clusters" (identity
    // mapping); pixels whose cluster was unmapped were written as 'unlabeled' and count as errors.
    const C = cs27.classNames.length;
    const K = C + 1;
    const hist = new Float64Array(K * C);
    for (const f of original) {
      const gt = mapLabels(cs27, (await readLabelMap(f.labelPath!)).data);
      const pl = mapLabels(cs27, (await readLabelMap(pseudo.get(f.name)!.labelPath!)).data);
      const asCluster = Uint8Array.from(pl, (c) => (c < C ? c : C));
      accumulate(hist, asCluster, gt, K, C);
    }
    const identity = Int32Array.from({ length: K }, (_, k) => (k < C ? k : -1));
    const s = scoreHistogram(hist, K, C, identity);
    expect(s.pixelAccuracy).toBeCloseTo(report.pixelAccuracy!, 12);
    expect(s.miou).toBeCloseTo(report.miou!, 12);
  });
});
