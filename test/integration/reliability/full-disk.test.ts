// A full disk: the workspace lives on a small tmpfs that a filler file leaves almost no room on, and a
// feature extraction, a training and two exports run out of space. Each job fails saying the disk is
// full and naming the path; the database stays intact; once the filler is deleted the same job resumes
// and its output is byte-identical to an unconstrained workspace's. Needs `mount -t tmpfs` (root, as in
// CI); skips with a message where mounting is not permitted.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrityProblems } from '../../../main/engine/db/connection.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { tempDir } from '../../helpers/temp-workspace.js';

const tmp = tempDir('cs-full-disk-');
const disk = path.join(tmp.dir, 'disk');
fs.mkdirSync(disk);
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', disk], { stdio: 'ignore' }).status === 0;
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
if (!mounted) console.warn('full-disk test skipped: mounting a tmpfs is not permitted here (it needs root, as in CI)');
else if (!hasFfmpeg) console.warn('full-disk test skipped: no ffmpeg on PATH (the video export needs it)');

const data = path.join(tmp.dir, 'synth'); // the source frames stay off the small disk
const filler = path.join(disk, 'filler.bin');
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const CAUSE = { bankPerConcept: 4, batchSize: 2, checkpointEvery: 2, step1: { lr: 4e-3, epochs: 1 }, step2: { lr: 4e-3, epochs: 1 }, step3: { lr: 1e-3, epochs: 1, decayEvery: 2, decayFactor: 0.5 } };

/** Fills the disk until at most `leave` bytes are free (tmpfs counts whole pages; 0 = until ENOSPC). */
function fill(leave: number): void {
  const fd = fs.openSync(filler, 'w');
  try {
    for (let chunk = 1 << 20; chunk >= 512; ) {
      const { bavail, bsize } = fs.statfsSync(disk);
      const want = Math.min(chunk, bavail * bsize - leave);
      if (want < 512) {
        chunk >>= 1;
        continue;
      }
      try {
        fs.writeSync(fd, Buffer.alloc(want, 1));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        chunk >>= 1;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

interface Outputs {
  shards: string[];
  model: string;
  labels: Record<string, string>;
  videoFrames: string;
}

/** The whole chain on one engine; `squeeze(stage)` runs before each stage's job, `recover` after it failed. */
async function chain(engine: Engine, out: string, squeeze?: { before(stage: string): void; after(stage: string, jobId: string): Promise<void> }): Promise<Outputs> {
  const run = async (stage: string, start: () => Promise<string>) => {
    squeeze?.before(stage);
    const jobId = await start();
    const s = await engine.call('jobs.wait', { id: jobId });
    if (squeeze) await squeeze.after(stage, jobId);
    else expect(s.state, s.error ?? '').toBe('succeeded');
  };
  const imp = await engine.call('datasets.import', { path: data, format: 'cityscapes' });
  expect((await engine.call('jobs.wait', { id: imp.jobId })).state).toBe('succeeded');
  const datasetId = imp.datasetId;
  await run('features', async () => (await engine.call('features.extract', { datasetId, backbone: 'rgb' })).id);
  let experimentId = '';
  await run('training', async () => {
    const r = await engine.call('experiments.create', { datasetId, backbone: 'rgb', method: 'cause-mlp', clusters: 6, preset: 'fast', seed: 4, backend: 'cpu', overrides: CAUSE });
    experimentId = r.experimentId;
    return r.jobId;
  });
  const pred = await engine.call('experiments.predict', { id: experimentId });
  expect((await engine.call('jobs.wait', { id: pred.jobId })).state).toBe('succeeded');
  const ev = await engine.call('eval.run', { experimentId, datasetId, protocol: 'cityscapes-27', geometry: 'full' });
  if (ev.jobId) expect((await engine.call('jobs.wait', { id: ev.jobId })).state).toBe('succeeded');
  const labelsDir = path.join(out, 'labels');
  await run('label export', async () => (await engine.call('exports.labels', { experimentId, format: 'cityscapes', out: labelsDir })).jobId);
  const video = path.join(out, 'video.mp4');
  const seq = (await engine.call('datasets.sequences', { id: datasetId }))[0]!;
  await run('video export', async () => (await engine.call('exports.video', { experimentId, sequenceId: seq.id, mode: 'side-by-side', fps: 5, out: video })).jobId);

  const set = (await engine.call('features.list', { datasetId }))[0]!;
  const manifest = JSON.parse(fs.readFileSync(path.join(engine.workspace.root, 'features', 'sets', set.id, 'manifest.json'), 'utf8')) as { shards: { file: string }[] };
  const exp = await engine.call('experiments.get', { id: experimentId });
  return {
    shards: manifest.shards.map((s) => sha(path.join(engine.workspace.root, s.file))),
    model: sha(path.join(engine.workspace.root, 'experiments', exp.id, 'model.bin')),
    labels: Object.fromEntries((fs.readdirSync(labelsDir, { recursive: true }) as string[]).map(String).filter((f) => f.endsWith('.png')).sort().map((f) => [f, sha(path.join(labelsDir, f))])),
    videoFrames: createHash('sha256').update(execFileSync('ffmpeg', ['-v', 'error', '-i', video, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 28 })).digest('hex'),
  };
}

let reference: Outputs;

beforeAll(async () => {
  if (!mounted || !hasFfmpeg) return;
  const engine = await createEngine({ workspace: path.join(tmp.dir, 'reference') });
  try {
    const g = await engine.call('synth.generate', { out: data, sequences: 1, frames: 4, size: '128x64', seed: 9 });
    expect((await engine.call('jobs.wait', { id: g.jobId })).state).toBe('succeeded');
    reference = await chain(engine, path.join(tmp.dir, 'reference-out'));
  } finally {
    await engine.close();
  }
}, 600_000);

afterAll(() => {
  if (mounted) spawnSync('umount', ['-l', disk]);
  tmp.cleanup();
});

describe.skipIf(!mounted || !hasFfmpeg)('a full disk', () => {
  it('fails features, training and exports with "disk is full", keeps the database whole, and resumes to identical output', async () => {
    const ws = path.join(disk, 'ws');
    const engine = await createEngine({ workspace: ws });
    const failures: Record<string, string> = {};
    try {
      const outputs = await chain(engine, path.join(disk, 'out'), {
        before: () => {
          // The database shares the small disk. Checkpointing first lets the job's own row updates reuse
          // the write-ahead log's pages instead of growing it, so it is the job's output that meets the
          // full disk (what this test is about) rather than the job's submission.
          engine.db.pragma('wal_checkpoint(RESTART)');
          fill(0);
        },
        after: async (stage, jobId) => {
          const failed = await engine.call('jobs.get', { id: jobId });
          failures[stage] = `${failed.state}: ${failed.error ?? ''}`;
          expect(failed.state, `${stage} on a full disk`).toBe('failed');
          expect(failed.error, stage).toMatch(/disk is full/);
          expect(failed.error, stage).toContain(disk); // names where it could not write
          expect(integrityProblems(engine.db), stage).toEqual([]);
          fs.rmSync(filler);
          await engine.call('jobs.resume', { id: jobId });
          const s = await engine.call('jobs.wait', { id: jobId });
          expect(s.state, `${stage} after space was freed: ${s.error ?? ''}`).toBe('succeeded');
        },
      });
      expect(outputs).toEqual(reference);
      expect(Object.keys(failures)).toEqual(['features', 'training', 'label export', 'video export']);
    } finally {
      await engine.close();
    }
  });
});
