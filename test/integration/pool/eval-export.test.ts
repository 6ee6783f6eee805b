// Evaluation, label export and video export on the pool: a SynthDrive world of two sequences (20 frames,
// so the ranges of 8 start mid-sequence and the frame-pair signals need their context frame) is
// evaluated and exported once locally and once through two `cause-studio worker` processes; the stored
// histograms and label-free signals, the label files and the video's decoded frames must be identical.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { tempDir } from '../../helpers/temp-workspace.js';
import { redisServerAvailable, startRedis, type TestRedis } from './redis-server.js';
import { startWorker, type WorkerProc } from './workers.js';

const haveRedis = redisServerAvailable();
let tmp: ReturnType<typeof tempDir>;
let redis: TestRedis | undefined;
const workers: WorkerProc[] = [];
let engine: Engine;

const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

async function job(p: Promise<{ jobId: string | null }> | { jobId: string | null }): Promise<string | null> {
  const { jobId } = await p;
  if (!jobId) return null;
  const s = await engine.call('jobs.wait', { id: jobId });
  expect(s.state, s.error ?? '').toBe('succeeded');
  return jobId;
}

/** Every file under a folder, relative path → sha256. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    const abs = path.join(dir, rel);
    if (fs.statSync(abs).isFile()) out[rel] = sha(fs.readFileSync(abs));
  }
  return out;
}

/** sha256 of every decoded frame of a video (raw RGB). */
function decodedFrames(file: string, width: number, height: number): string[] {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 28 });
  const size = width * height * 3;
  expect(raw.length % size).toBe(0);
  return Array.from({ length: raw.length / size }, (_, i) => sha(raw.subarray(i * size, (i + 1) * size)));
}

interface Run {
  histogram: unknown;
  labelFree: unknown;
  labels: Record<string, string>;
  videos: { bytes: string; frames: string[] }[];
}

let experimentId: string;
let datasetId: string;
let sequences: { id: string }[];

async function evalAndExport(tag: string): Promise<Run> {
  await job(engine.call('eval.run', { experimentId, datasetId, protocol: 'cityscapes-27', geometry: 'reference', force: true }));
  const hist = (await engine.call('eval.histograms', { experimentId })).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!;
  const data = await engine.call('eval.histogram', { id: hist.id, frames: true });
  const lf = (await engine.call('eval.labelFree', { experimentId })).find((r) => r.datasetId === datasetId)!;
  const { id: _i, createdAt: _c, ...labelFree } = lf as unknown as Record<string, unknown>;
  const { id: _h, createdAt: _hc, jobId: _j, ...histogram } = data as unknown as Record<string, unknown>;
  const labelsOut = path.join(tmp.dir, `labels-${tag}`);
  await job(engine.call('exports.labels', { experimentId, datasetId, format: 'cityscapes', out: labelsOut }));
  const videos = [];
  for (const [n, seq] of sequences.entries()) {
    const out = path.join(tmp.dir, `video-${tag}-${n}.mp4`);
    await job(engine.call('exports.video', { experimentId, sequenceId: seq.id, mode: 'side-by-side', fps: 5, out }));
    videos.push({ bytes: sha(fs.readFileSync(out)), frames: decodedFrames(out, 384, 64) });
  }
  return { histogram, labelFree, labels: tree(labelsOut), videos };
}

beforeAll(async () => {
  tmp = tempDir();
  if (haveRedis) redis = await startRedis();
});

afterAll(async () => {
  await engine?.close();
  for (const w of workers) await w.kill();
  await redis?.stop();
  tmp?.cleanup();
});

describe.skipIf(!haveRedis)('evaluation and exports on the pool', () => {
  it('two workers: stored evaluation, label files and video frames identical to the local run', async () => {
    engine = await createEngine({ workspace: path.join(tmp.dir, 'ws') });
    const data = path.join(tmp.dir, 'synth');
    await job(engine.call('synth.generate', { out: data, sequences: 2, frames: 10, size: '128x64', seed: 11 }));
    const imp = await engine.call('datasets.import', { path: data, format: 'cityscapes' });
    await job(imp);
    datasetId = imp.datasetId;
    sequences = await engine.call('datasets.sequences', { id: datasetId });
    expect(sequences).toHaveLength(2);
    await job({ jobId: (await engine.call('features.extract', { datasetId, backbone: 'rgb' })).id });
    const exp = await engine.call('experiments.create', { datasetId, backbone: 'rgb', method: 'kmeans', clusters: 6, preset: 'fast', seed: 2 });
    experimentId = exp.experimentId;
    await job(exp);
    await job(engine.call('experiments.predict', { id: experimentId, datasetId }));

    const local = await evalAndExport('local');
    // The run exercises what the split must carry across range boundaries.
    expect((local.labelFree as { framePairs: number }).framePairs).toBe(18);
    expect((local.labelFree as { temporalConsistency: { framePairs: number } | null }).temporalConsistency?.framePairs).toBeGreaterThan(0);

    for (const n of ['a', 'b']) workers.push(startWorker(n, redis!.url, tmp.dir));
    await Promise.all(workers.map((w) => w.waitFor(/^ready$/m, 120_000)));
    await engine.call('settings.set', { key: 'queue', value: redis!.url });
    const pooled = await evalAndExport('pool');

    const all = workers.map((w) => w.output()).join('\n');
    // 20 frames in ranges of 8: three tasks per evaluation and label export, two per 10-frame video.
    expect(all.match(/\(eval\.range\) started/g)).toHaveLength(3);
    expect(all.match(/\(labels\.range\) started/g)).toHaveLength(3);
    expect(all.match(/\(video\.range\) started/g)).toHaveLength(4);
    for (const w of workers) expect(w.output(), w.name).toMatch(/ done$/m);

    expect(pooled.histogram).toEqual(local.histogram);
    expect(pooled.labelFree).toEqual(local.labelFree);
    expect(Object.keys(pooled.labels).length).toBe(61); // 20 frames × 3 PNGs + mapping.json
    expect(pooled.labels).toEqual(local.labels);
    expect(pooled.videos.map((v) => v.frames)).toEqual(local.videos.map((v) => v.frames));
    expect(pooled.videos[0]!.frames).toHaveLength(10);
    // Same encoder, same input bytes: the files match too on one machine.
    expect(pooled.videos.map((v) => v.bytes)).toEqual(local.videos.map((v) => v.bytes));
    // Nothing left in the staging folder.
    expect(fs.readdirSync(path.join(tmp.dir, 'ws', 'pool', 'out'))).toEqual([]);
  });
});
