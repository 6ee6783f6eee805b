// Job control beside a running engine: `train --no-wait` hands its job to a background engine that owns
// the workspace, so a later `eval` of another experiment submits there and finishes while the training
// keeps running; `jobs cancel` and `jobs resume --detach` reach a job that `serve` runs; a command that
// opens the workspace itself never runs a job someone else queued.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../../shared/contract/index.js';
import { createEngine } from '../../../main/engine/engine.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { readEndpoint } from '../../../main/engine/transport/endpoint-file.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';

const run = promisify(execFile);
const tmp = tempDir('jobctl-cli-');
const ws = path.join(tmp.dir, 'ws');
const BIN = path.join(REPO_ROOT, 'bin', 'cause-studio.js');
const procs: ChildProcess[] = [];
let kmeansId = '';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [BIN, '--workspace', ws, ...args], { cwd: tmp.dir, timeout: 240_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

async function jobs(): Promise<JobSummary[]> {
  const r = await cli(['--json', 'jobs', 'list']);
  expect(r.err).toBe('');
  return JSON.parse(r.out) as JobSummary[];
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 120_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A training that runs until it is cancelled (64 frames, 1000 Step 3 epochs), queued without waiting. */
const LONG_TRAIN = ['train', '--dataset', 'long', '--backbone', 'rgb', '--method', 'cause-mlp', '--clusters', '6', '--step3', 'release:epochs=1000', '--no-wait'];

beforeAll(async () => {
  await generateSynthDrive({ sequences: 1, frames: 3, width: 128, height: 64, seed: 5, weather: 'clear', out: path.join(tmp.dir, 'train'), split: 'train' });
  await generateSynthDrive({ sequences: 2, frames: 32, width: 128, height: 64, seed: 6, weather: 'clear', out: path.join(tmp.dir, 'long'), split: 'train' });
  const e = await createEngine({ workspace: ws, runJobs: true });
  const ok = async (jobId: string) => expect((await e.jobs.wait(jobId)).state).toBe('succeeded');
  try {
    const imp = await e.call('datasets.import', { path: path.join(tmp.dir, 'train'), format: 'cityscapes', name: 'train' });
    await ok(imp.jobId);
    await ok((await e.call('features.extract', { datasetId: imp.datasetId, backbone: 'rgb', crops: 'none' })).id);
    const exp = await e.call('experiments.create', { datasetId: imp.datasetId, backbone: 'rgb', method: 'kmeans', clusters: 6, preset: 'fast', seed: 0, backend: 'auto' });
    await ok(exp.jobId);
    kmeansId = exp.experimentId;
    const long = await e.call('datasets.import', { path: path.join(tmp.dir, 'long'), format: 'cityscapes', name: 'long' });
    await ok(long.jobId);
    await ok((await e.call('features.extract', { datasetId: long.datasetId, backbone: 'rgb', crops: 'none' })).id);
    await ok((await e.call('experiments.predict', { id: kmeansId })).jobId);
  } finally {
    await e.close();
  }
}, 300_000);

afterAll(() => {
  for (const p of procs) p.kill('SIGKILL');
  const ep = readEndpoint(ws);
  if (ep) process.kill(ep.pid, 'SIGKILL');
  tmp.cleanup();
});

describe('job control beside a running engine', () => {
  it('refuses, saying what to do, when the workspace owner takes no commands from the CLI', async () => {
    // A live process holding the lock without an endpoint (a command running its own job).
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    procs.push(holder);
    fs.writeFileSync(path.join(ws, 'engine.lock'), String(holder.pid));
    try {
      const r = await cli(['jobs', 'cancel', '00000000-0000-0000-0000-000000000000']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`in use by another Cause Studio process \\(pid ${holder.pid}\\) that takes no commands from the CLI.*wait for it to finish`));
      // Queries still read the workspace.
      expect((await cli(['jobs', 'list'])).code).toBe(0);
    } finally {
      holder.kill('SIGKILL');
      fs.rmSync(path.join(ws, 'engine.lock'), { force: true });
    }
  }, 120_000);

  it('a command that opens the workspace itself leaves a job another command queued alone', async () => {
    const e = await createEngine({ workspace: ws, runJobs: false });
    let queuedId = '';
    try {
      queuedId = (await e.call('experiments.predict', { id: kmeansId })).jobId;
    } finally {
      await e.close();
    }
    const r = await cli(['eval', '--experiment', kmeansId]);
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect((await jobs()).find((j) => j.id === queuedId)?.state).toBe('queued');
    expect((await cli(['jobs', 'cancel', queuedId])).code).toBe(0);
    expect((await jobs()).find((j) => j.id === queuedId)?.state).toBe('cancelled');
  }, 300_000);

  it('train --no-wait runs in a background engine; eval of another experiment finishes while it trains; jobs cancel stops it', async () => {
    const t = await cli(LONG_TRAIN);
    expect(t.err).not.toMatch(/error/);
    expect(t.code).toBe(0);
    const trainingId = t.out.trim();
    const ep = readEndpoint(ws);
    expect(ep?.role).toBe('background');
    expect(fs.statSync(path.join(ws, 'serve.json')).mode & 0o777).toBe(0o600);
    const train = (await jobs()).find((j) => j.kind === 'experiments.train' && j.state !== 'succeeded')!;
    expect(['queued', 'running']).toContain(train.state);
    expect(JSON.stringify((await cli(['--json', 'jobs', 'show', train.id])).out)).toContain(trainingId);

    const evalRun = await cli(['eval', '--experiment', kmeansId, '--force']);
    expect(evalRun.err).not.toMatch(/error/);
    expect(evalRun.code).toBe(0);
    expect(evalRun.out).toMatch(/mIoU/i);
    const after = await jobs();
    const evalJob = after.find((j) => j.kind === 'eval.histogram' && j.startedAt !== null && j.startedAt > train.createdAt);
    expect(evalJob?.state).toBe('succeeded');
    // The training neither finished nor was interrupted by the eval: it is still running.
    expect(after.find((j) => j.id === train.id)?.state).toBe('running');

    const c = await cli(['jobs', 'cancel', train.id.slice(0, 8)]);
    expect(c.err).toBe('');
    expect(c.code).toBe(0);
    await until('the training to stop', async () => (await jobs()).find((j) => j.id === train.id)?.state === 'cancelled');
    // Nothing left to do: the background engine stops and gives the workspace back.
    await until('the background engine to exit', async () => !fs.existsSync(path.join(ws, 'serve.json')) && !fs.existsSync(path.join(ws, 'engine.lock')));
    expect(readEndpoint(ws)).toBeNull();

    // Another --no-wait later starts a fresh background engine, which finishes the job and stops again.
    const p = await cli(['predict', '--experiment', kmeansId, '--no-wait']);
    expect(p.code).toBe(0);
    const predictJob = p.out.trim();
    await until('the queued prediction to finish', async () => (await jobs()).find((j) => j.id === predictJob)?.state === 'succeeded');
    await until('the background engine to exit', async () => !fs.existsSync(path.join(ws, 'engine.lock')));
  }, 600_000);

  it('jobs cancel from the CLI stops a job that serve runs', async () => {
    const serve = spawn(process.execPath, [BIN, '--workspace', ws, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(serve);
    await until('serve to publish its endpoint', async () => readEndpoint(ws)?.pid === serve.pid);
    expect(readEndpoint(ws)?.role).toBe('serve');

    const t = await cli(LONG_TRAIN);
    expect(t.code).toBe(0);
    const train = await until('the training to run in serve', async () =>
      (await jobs()).find((j) => j.kind === 'experiments.train' && j.state === 'running'),
    );
    const c = await cli(['--json', 'jobs', 'cancel', train.id]);
    expect(c.err).toBe('');
    expect(c.code).toBe(0);
    await until('the training to stop', async () => (await jobs()).find((j) => j.id === train.id)?.state === 'cancelled');
    expect(serve.exitCode).toBeNull(); // serve keeps serving

    // jobs resume --detach hands it back to serve, which runs it from its checkpoint.
    const r = await cli(['jobs', 'resume', train.id, '--detach']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    await until('serve to run it again', async () => (await jobs()).find((j) => j.id === train.id && j.state === 'running' && j.attempts === 1));
    expect((await cli(['jobs', 'cancel', train.id])).code).toBe(0);
    await until('the training to stop again', async () => (await jobs()).find((j) => j.id === train.id)?.state === 'cancelled');

    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
    expect(fs.existsSync(path.join(ws, 'serve.json'))).toBe(false);
  }, 600_000);
});
