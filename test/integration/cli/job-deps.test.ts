// One command from dataset to score: `train` on a dataset without cached features extracts them as a
// dependent job first, `eval` of an experiment without predictions predicts first and prints a score;
// `--no-deps` keeps the strict behaviour (the engine's error naming what to run). Predictions older than
// the experiment's last training are predicted again before `eval` scores them.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../main/engine/engine.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';

const run = promisify(execFile);
const tmp = tempDir('jobdeps-cli-');
const ws = path.join(tmp.dir, 'ws');
let trainId = '';
let valId = '';
let experimentId = '';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), '--workspace', ws, ...args], { cwd: tmp.dir, timeout: 240_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

/** Reads the workspace between CLI runs (the CLI holds the writer lock only while it runs). */
async function inspect<T>(fn: (e: Awaited<ReturnType<typeof createEngine>>) => Promise<T>): Promise<T> {
  const e = await createEngine({ workspace: ws, runJobs: false });
  try {
    return await fn(e);
  } finally {
    await e.close();
  }
}

beforeAll(async () => {
  const common = { sequences: 1, frames: 3, width: 128, height: 64, seed: 5, weather: 'clear' as const };
  await generateSynthDrive({ ...common, out: path.join(tmp.dir, 'train'), split: 'train' });
  await generateSynthDrive({ ...common, out: path.join(tmp.dir, 'val'), split: 'val' });
  const e = await createEngine({ workspace: ws, runJobs: true });
  try {
    for (const [dir, set] of [['train', (id: string) => (trainId = id)], ['val', (id: string) => (valId = id)]] as const) {
      const r = await e.call('datasets.import', { path: path.join(tmp.dir, dir), format: 'cityscapes', name: dir });
      expect((await e.jobs.wait(r.jobId)).state).toBe('succeeded');
      set(r.datasetId);
    }
  } finally {
    await e.close();
  }
}, 240_000);

afterAll(() => tmp.cleanup());

describe('CLI dependencies', () => {
  it('--no-deps: train without cached features fails with the old error and creates nothing', async () => {
    const r = await cli(['train', '--dataset', 'train', '--backbone', 'rgb', '--method', 'kmeans', '--clusters', '6', '--no-deps']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/has no cached features for backbone "rgb"; extract them first/);
    expect(await inspect((e) => e.call('features.list', { datasetId: trainId }))).toEqual([]);
    expect(await inspect((e) => e.call('experiments.list', {}))).toEqual([]);
  }, 300_000);

  it('train extracts the missing features as a job of its own, then trains', async () => {
    const r = await cli(['train', '--dataset', 'train', '--backbone', 'rgb', '--method', 'kmeans', '--clusters', '6']);
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    experimentId = r.out.trim();
    expect(r.err).toMatch(/train: dataset \S+ has no cached "rgb" features; extracting them first/);
    const { sets, exp, jobs } = await inspect(async (e) => ({
      sets: await e.call('features.list', { datasetId: trainId }),
      exp: await e.call('experiments.get', { id: experimentId }),
      jobs: await e.call('jobs.list', {}),
    }));
    expect(sets.map((s) => s.backbone)).toEqual(['rgb']);
    expect(exp.status).toBe('trained');
    expect(exp.featureSetId).toBe(sets[0]!.id);
    const kinds = jobs.filter((j) => j.state === 'succeeded').map((j) => j.kind);
    expect(kinds).toEqual(expect.arrayContaining(['features.extract', 'experiments.train']));
  }, 300_000);

  it('--no-deps: eval on a dataset without predictions fails with the old error', async () => {
    const r = await cli(['eval', '--experiment', experimentId, '--dataset', 'val', '--no-deps']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/has no predictions for dataset '[^']+'; run `cause-studio predict/);
  }, 300_000);

  it('eval of held-out frames extracts their features, predicts, and prints a score', async () => {
    const r = await cli(['eval', '--experiment', experimentId, '--dataset', 'val']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/eval: dataset \S+ has no cached "rgb" features; extracting them first/);
    expect(r.err).toMatch(/eval: experiment \S+ has no predictions for dataset \S+; predicting first/);
    const miou = /present-class mIoU\s+([\d.]+) %/.exec(r.out);
    expect(miou, r.out).not.toBeNull();
    expect(Number(miou![1])).toBeGreaterThan(0);
    const exp = await inspect((e) => e.call('experiments.get', { id: experimentId }));
    expect(exp.predictions.map((p) => p.datasetId)).toContain(valId);
  }, 300_000);

  it('eval predicts again when the experiment was trained after its predictions were made', async () => {
    const before = await inspect((e) => e.call('experiments.get', { id: experimentId }));
    const old = before.predictions.find((p) => p.datasetId === valId)!;
    const e = await createEngine({ workspace: ws, runJobs: true });
    try {
      const r = await e.call('experiments.train', { id: experimentId });
      expect((await e.jobs.wait(r.jobId)).state).toBe('succeeded');
    } finally {
      await e.close();
    }
    const r = await cli(['eval', '--experiment', experimentId, '--dataset', 'val']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/predate its last training .*; predicting again/);
    const after = await inspect((e) => e.call('experiments.get', { id: experimentId }));
    const fresh = after.predictions.find((p) => p.datasetId === valId)!;
    expect(fresh.createdAt > after.finishedAt!).toBe(true);
    expect(fresh.jobId).not.toBe(old.jobId);
    // and a second eval scores the fresh set without predicting again
    const again = await cli(['eval', '--experiment', experimentId, '--dataset', 'val']);
    expect(again.err).not.toMatch(/predicting/);
  }, 300_000);

  it('export video of a sequence the experiment never predicted predicts it first; --no-deps refuses', async () => {
    await generateSynthDrive({ sequences: 1, frames: 3, width: 128, height: 64, seed: 6, weather: 'clear', out: path.join(tmp.dir, 'other'), split: 'val' });
    const imp = await cli(['import', path.join(tmp.dir, 'other'), '--format', 'cityscapes', '--name', 'other']);
    expect(imp.code, imp.err).toBe(0);
    const listed = await cli(['datasets', 'sequences', 'other', '--json']);
    expect(listed.code, listed.err).toBe(0);
    const seqs = JSON.parse(listed.out) as { id: string; name: string; frameCount: number }[];
    expect(seqs).toHaveLength(1);
    expect(seqs[0]!.frameCount).toBe(3);
    const mp4 = path.join(tmp.dir, 'other.mp4');
    const refused = await cli(['export', 'video', '--experiment', experimentId, '--sequence', seqs[0]!.id, '--out', mp4, '--no-deps']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/has no predictions/);
    const r = await cli(['export', 'video', '--experiment', experimentId, '--sequence', seqs[0]!.id, '--out', mp4, '--no-captions']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/export video: experiment \S+ has no predictions for dataset \S+; predicting first/);
    expect(r.out).toMatch(/3 frames/);
  }, 300_000);
});
