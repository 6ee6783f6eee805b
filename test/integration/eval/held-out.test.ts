// Held-out scoring and pseudo-labels other tools can read, end to end through the engine: SynthDrive
// train and val splits (different worlds), RGB features, a k-means run trained on train, predictions on
// both, and
//   * EvalReport.trainingFramesScored: 0 on val, every frame on train, and every frame on a second
//     import of the train folder (same images, other frame ids: matched by content hash);
//   * `eval` warns about it in the CLI and `--json` carries miouPresent / classesPresent;
//   * exported *_gtFine_labelIds.png / *_gtFine_labelTrainIds.png are 8-bit greyscale (IHDR read from the
//     bytes) and an evaluator written here — its own PNG decoder (zlib + unfiltering), its own confusion
//     matrix — scores them equal to `eval`.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalReport } from '../../../shared/contract/evaluation.js';
import type { ArgsOf } from '../../../shared/contract/index.js';
import { listFrames, type FrameRecord } from '../../../main/engine/datasets/frame-source.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';

const run = promisify(execFile);

// ---- an independent PNG reader: only what label maps need (8-bit greyscale, non-interlaced) ----

interface Ihdr {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlace: number;
}

function readIhdr(bytes: Buffer): Ihdr {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(bytes.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), bitDepth: bytes[24]!, colourType: bytes[25]!, interlace: bytes[28]! };
}

function decodeGrey8(bytes: Buffer): { width: number; height: number; data: Uint8Array } {
  const h = readIhdr(bytes);
  if (h.bitDepth !== 8 || h.colourType !== 0 || h.interlace !== 0) throw new Error(`not 8-bit greyscale: ${JSON.stringify(h)}`);
  const idat: Buffer[] = [];
  for (let at = 8; at < bytes.length; ) {
    const len = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + len));
    if (type === 'IEND') break;
    at += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const { width, height } = h;
  const out = new Uint8Array(width * height);
  let prev = new Uint8Array(width);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)]!;
    const line = raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1));
    const cur = new Uint8Array(width);
    for (let x = 0; x < width; x++) {
      const a = x > 0 ? cur[x - 1]! : 0;
      const b = prev[x]!;
      const c = x > 0 ? prev[x - 1]! : 0;
      let p: number;
      if (filter === 0) p = 0;
      else if (filter === 1) p = a;
      else if (filter === 2) p = b;
      else if (filter === 3) p = (a + b) >> 1;
      else if (filter === 4) {
        const e = a + b - c;
        const pa = Math.abs(e - a);
        const pb = Math.abs(e - b);
        const pc = Math.abs(e - c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`unknown PNG filter ${filter}`);
      cur[x] = (line[x]! + p) & 0xff;
    }
    out.set(cur, y * width);
    prev = cur;
  }
  return { width, height, data: out };
}

// ---- fixture ----

let tmp: ReturnType<typeof tempDir>;
let engine: Engine | null = null;
let wsDir: string;
let trainId: string;
let valId: string;
let copyId: string;
let experimentId: string;
let valFrames: FrameRecord[];

async function waitJob(e: Engine, jobId: string): Promise<unknown> {
  const job = await e.call('jobs.wait', { id: jobId });
  expect(job.state, job.error ?? '').toBe('succeeded');
  return (await e.call('jobs.get', { id: jobId })).result;
}

async function scoreOn(e: Engine, args: ArgsOf<'eval.run'>): Promise<EvalReport> {
  const started = await e.call('eval.run', args);
  const histogramId = started.histogramId ?? ((await waitJob(e, started.jobId!)) as { histogramId: string }).histogramId;
  return e.call('eval.score', { histogramId, mapping: 'hungarian', worstFrames: 0 });
}

beforeAll(async () => {
  tmp = tempDir('cs-held-out-');
  const common = { sequences: 1, frames: 4, width: 256, height: 128, seed: 11, weather: 'clear' as const };
  await generateSynthDrive({ ...common, out: path.join(tmp.dir, 'train'), split: 'train' });
  await generateSynthDrive({ ...common, out: path.join(tmp.dir, 'val'), split: 'val' });
  wsDir = path.join(tmp.dir, 'ws');
  const e = (engine = await createEngine({ workspace: wsDir, runJobs: true }));
  const imp = async (dir: string, name: string) => {
    const r = await e.call('datasets.import', { path: path.join(tmp.dir, dir), format: 'cityscapes', name });
    await waitJob(e, r.jobId);
    return r.datasetId;
  };
  trainId = await imp('train', 'train');
  valId = await imp('val', 'val');
  copyId = await imp('train', 'train again');
  for (const id of [trainId, valId, copyId]) await waitJob(e, (await e.call('features.extract', { datasetId: id, backbone: 'rgb' })).id);
  const created = await e.call('experiments.create', { datasetId: trainId, backbone: 'rgb', method: 'kmeans', clusters: 8, preset: 'fast', seed: 21 });
  experimentId = created.experimentId;
  await waitJob(e, created.jobId);
  for (const id of [trainId, valId, copyId]) await waitJob(e, (await e.call('experiments.predict', { id: experimentId, datasetId: id })).jobId);
  valFrames = listFrames(e.db, valId).filter((f) => f.labelPath !== null);
  expect(valFrames.length).toBe(4);
}, 600_000);

afterAll(async () => {
  await engine?.close();
  tmp?.cleanup();
});

describe('held-out scoring', () => {
  it('the val split draws other worlds than train from the same seed', () => {
    const a = fs.readFileSync(path.join(tmp.dir, 'train', 'leftImg8bit', 'train', 'synthdrive', 'synthdrive_000000_000000_leftImg8bit.png'));
    const b = fs.readFileSync(path.join(tmp.dir, 'val', 'leftImg8bit', 'val', 'synthdrive', 'synthdrive_000000_000000_leftImg8bit.png'));
    expect(a.equals(b)).toBe(false);
  });

  it('counts the scored frames the experiment trained on: none on val, all on train and on a re-import of it', async () => {
    const e = engine!;
    const val = await scoreOn(e, { experimentId, datasetId: valId, geometry: 'full' });
    expect(val.trainingFramesScored).toBe(0);
    expect(val.frameCount).toBe(4);
    const own = await scoreOn(e, { experimentId, datasetId: trainId, geometry: 'full' });
    expect(own.trainingFramesScored).toBe(4);
    // other frame ids, same images: caught by the content hash
    const copy = await scoreOn(e, { experimentId, datasetId: copyId, geometry: 'full' });
    expect(copy.trainingFramesScored).toBe(4);
    expect(copy.miouPresent).toBeCloseTo(own.miouPresent!, 12);
    // present-class mIoU averages over the classes with ground truth only
    const present = val.perClass.filter((c) => c.gtPixels > 0);
    expect(val.classesPresent).toBe(present.length);
    expect(val.miouPresent).toBeCloseTo(present.reduce((s, c) => s + c.iou!, 0) / present.length, 12);
  });

  it('eval.histogram carries the same training-frame count without writing a score row (the Mapping view reads it)', async () => {
    const e = engine!;
    const started = await e.call('eval.run', { experimentId, datasetId: trainId, geometry: 'full' });
    const histogramId = started.histogramId ?? ((await waitJob(e, started.jobId!)) as { histogramId: string }).histogramId;
    const scoreRows = () => (e.db.prepare('SELECT COUNT(*) AS n FROM eval_scores WHERE histogram_id = ?').get(histogramId) as { n: number }).n;
    const before = scoreRows();
    const data = await e.call('eval.histogram', { id: histogramId });
    expect(data.trainingFramesScored).toBe(4);
    expect(scoreRows()).toBe(before);
  });

  it('scores a mapping onto a custom protocol (a class added in a mapping session) with the added class unscored', async () => {
    const e = engine!;
    const started = await e.call('eval.run', { experimentId, datasetId: valId, geometry: 'full' });
    const histogramId = started.histogramId ?? ((await waitJob(e, started.jobId!)) as { histogramId: string }).histogramId;
    const hungarian = await e.call('eval.score', { histogramId, mapping: 'hungarian', worstFrames: 0 });
    const classOf = (k: number) => (hungarian.mapping[k]! >= 0 ? hungarian.perClass[hungarian.mapping[k]!]!.name : 'ignore');
    // Version 1: the Hungarian classes; version 2 ignores cluster 0; version 3 sends cluster 0 to a new class.
    for (let k = 0; k < hungarian.mapping.length; k++) await e.call('mappings.edit', { experimentId, clusters: [k], className: classOf(k), protocol: hungarian.protocolId });
    const ignored = await e.call('mappings.edit', { experimentId, clusters: [0], className: 'ignore' });
    const custom = await e.call('mappings.edit', { experimentId, clusters: [0], className: 'bollard', newClass: {} });
    expect(custom.protocolId).not.toBe(hungarian.protocolId);
    const a = await e.call('eval.score', { histogramId, mapping: ignored.id, worstFrames: 0 });
    const b = await e.call('eval.score', { histogramId, mapping: custom.id, worstFrames: 0 });
    expect(b.mappingName).toMatch(/added classes unscored \(bollard\)/);
    expect(b.mapping[0]).toBe(-1);
    expect(b.miouPresent).toBeCloseTo(a.miouPresent!, 12);
    expect(b.pixelAccuracy).toBeCloseTo(a.pixelAccuracy!, 12);
    expect(b.unmatchedPixels).toBe(a.unmatchedPixels);
    // The scored board saves against the histogram: a document with the histogram's classes plus an
    // added one is stored; one whose base classes are reordered is still refused.
    const doc = custom.document;
    const saved = await e.call('mappings.save', { experimentId, document: { ...doc, name: 'board save' }, histogramId });
    expect(saved.protocolId).toBe(custom.protocolId);
    expect(saved.mapping[0]).toBe(doc.classNames.length - 1);
    const swapped = [doc.classNames[1]!, doc.classNames[0]!, ...doc.classNames.slice(2)];
    await expect(e.call('mappings.save', { experimentId, document: { ...doc, classNames: swapped }, histogramId })).rejects.toThrow(/expected 'cityscapes-27'/);
  });

  it('exports labelIds and trainIds as 8-bit greyscale that an outside evaluator scores equal to eval', async () => {
    const e = engine!;
    const report = await scoreOn(e, { experimentId, datasetId: valId, geometry: 'full' });
    const out = path.join(tmp.dir, 'labels');
    const { jobId } = await e.call('exports.labels', { experimentId, datasetId: valId, format: 'cityscapes', mapping: 'hungarian', out });
    await waitJob(e, jobId);
    const conf = new Float64Array(34 * 256); // gt labelId × predicted labelId
    for (const f of valFrames) {
      const ids = fs.readFileSync(path.join(out, 'synthdrive', `${f.name}_gtFine_labelIds.png`));
      const trainIds = fs.readFileSync(path.join(out, 'synthdrive', `${f.name}_gtFine_labelTrainIds.png`));
      for (const bytes of [ids, trainIds]) expect(readIhdr(bytes)).toMatchObject({ bitDepth: 8, colourType: 0, width: 256, height: 128 });
      const pred = decodeGrey8(ids);
      const gt = decodeGrey8(fs.readFileSync(f.labelPath!));
      for (let i = 0; i < gt.data.length; i++) conf[gt.data[i]! * 256 + pred.data[i]!]! += 1;
    }
    // Cityscapes-27: labelIds 7..33 are the classes; predicted 0 ('unlabeled', an unmatched cluster) is
    // an error for the true class and a hit for none.
    let sum = 0;
    let scored = 0;
    let presentSum = 0;
    let present = 0;
    let tpAll = 0;
    let total = 0;
    for (let g = 7; g <= 33; g++) {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (let a = 7; a <= 33; a++) {
        for (let b = 0; b < 256; b++) {
          const v = conf[a * 256 + b]!;
          if (a === g && b === g) tp += v;
          else if (a === g) fn += v;
          else if (b === g) fp += v;
        }
      }
      tpAll += tp;
      total += tp + fn;
      const iou = tp + fp + fn > 0 ? tp / (tp + fp + fn) : null;
      if (iou === null) expect(report.perClass[g - 7]!.iou).toBeNull();
      else expect(report.perClass[g - 7]!.iou).toBeCloseTo(iou, 12);
      if (iou !== null) {
        sum += iou;
        scored++;
      }
      if (tp + fn > 0) {
        presentSum += iou!;
        present++;
      }
    }
    expect(report.classesScored).toBe(scored);
    expect(report.miou).toBeCloseTo(sum / scored, 12);
    expect(report.classesPresent).toBe(present);
    expect(report.miouPresent).toBeCloseTo(presentSum / present, 12);
    expect(report.pixelAccuracy).toBeCloseTo(tpAll / total, 12);
  });

  it('eval warns in the CLI when it scores training frames, and --json carries the present-class figures', async () => {
    await engine!.close();
    engine = null;
    const cli = path.join(REPO_ROOT, 'bin', 'cause-studio.js');
    const base = [cli, '--workspace', wsDir];
    const own = await run(process.execPath, [...base, 'eval', '--experiment', experimentId, '--geometry', 'full'], { cwd: tmp.dir });
    expect(own.stdout).toMatch(/warning: all of the 4 scored frames were used to train this experiment/);
    expect(own.stdout).toMatch(/present-class mIoU\s+\d+\.\d %\s+\(over the \d+ classes with ground-truth pixels/);
    const held = await run(process.execPath, [...base, 'eval', '--experiment', experimentId, '--dataset', valId, '--geometry', 'full'], { cwd: tmp.dir });
    expect(held.stdout).not.toMatch(/warning/);
    const json = await run(process.execPath, [...base, '--json', 'eval', '--experiment', experimentId, '--geometry', 'full'], { cwd: tmp.dir });
    const report = JSON.parse(json.stdout) as EvalReport;
    expect(report.trainingFramesScored).toBe(4);
    expect(typeof report.miouPresent).toBe('number');
    expect(report.classesPresent).toBeGreaterThan(0);
    expect(report.classesScored).toBeGreaterThanOrEqual(report.classesPresent);
    expect(json.stderr).toMatch(/warning: all of the 4 scored frames/);
  }, 180_000);
});
