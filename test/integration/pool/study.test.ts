// `cause-studio study --queue URL`: each cell's feature extraction, training, prediction and evaluation go
// through the pool (the cells' trainings submitted at once, one 'train.run' task each), and the cells
// score exactly what the same study scores without a queue in another workspace on the same worlds,
// with the same model bytes.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudyCell, StudyResult } from '../../../shared/contract/study.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { parseVariants } from '../../../main/engine/study/study-plan.js';
import { runStudy } from '../../../main/engine/study/study-runner.js';
import { generateSynthDrive } from '../../../main/engine/synth/generate.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';
import { redisServerAvailable, startRedis, type TestRedis } from './redis-server.js';
import { startWorker, type WorkerProc } from './workers.js';

const haveRedis = redisServerAvailable();
let tmp: ReturnType<typeof tempDir>;
let redis: TestRedis | undefined;
const workers: WorkerProc[] = [];

const tiny = { backend: 'wasm', kmeans: { maxIterations: 20, maxTokens: 4000 } };
const variants = 'kmeans-features';
const numbers = (cells: readonly StudyCell[]) => cells.map((c) => [c.variant, c.backbone, c.seed, c.miouPresent, c.miou, c.pixelAccuracy, c.clustersUsed, c.temporalInconsistency]);

/** sha256 of each experiment's model file, by experiment name. */
async function models(engine: Engine, root: string, datasetId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await engine.call('experiments.list', { datasetId })) {
    out[e.name] = crypto.createHash('sha256').update(fs.readFileSync(path.join(root, 'experiments', e.id, 'model.bin'))).digest('hex');
  }
  return out;
}

/** A workspace holding the two worlds as datasets (no features: the study extracts them). */
async function workspace(name: string): Promise<{ root: string; train: string; held: string }> {
  const root = path.join(tmp.dir, name);
  const engine = await createEngine({ workspace: root });
  const ids: string[] = [];
  try {
    for (const world of ['world-a', 'world-b']) {
      const imp = await engine.call('datasets.import', { path: path.join(tmp.dir, world), name: world });
      expect((await engine.call('jobs.wait', { id: imp.jobId! })).state).toBe('succeeded');
      ids.push(imp.datasetId!);
    }
  } finally {
    await engine.close();
  }
  return { root, train: ids[0]!, held: ids[1]! };
}

beforeAll(async () => {
  tmp = tempDir();
  for (const [seed, name] of [[2, 'world-a'], [5, 'world-b']] as const) {
    await generateSynthDrive({ out: path.join(tmp.dir, name), sequences: 1, frames: 10, width: 128, height: 64, seed, weather: 'clear', split: 'train' });
  }
  if (haveRedis) redis = await startRedis();
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.kill();
  await redis?.stop();
  tmp?.cleanup();
});

describe.skipIf(!haveRedis)('study cells on the pool', () => {
  it('cause-studio study --queue: features, trainings, predictions and evaluations on two workers; the same scores and models as without a queue', async () => {
    const a = await workspace('local');
    const engine = await createEngine({ workspace: a.root, runJobs: true });
    let local: StudyResult;
    let localModels: Record<string, string>;
    try {
      local = await runStudy(engine, {
        trainDatasetId: a.train,
        evalDatasetId: a.held,
        variants: parseVariants(variants),
        backbones: ['rgb'],
        seeds: [3, 4],
        preset: 'fast',
        clusters: 6,
        overrides: tiny,
        name: 's',
      });
      localModels = await models(engine, a.root, a.train);
    } finally {
      await engine.close();
    }
    expect(local.pending).toBe(0);
    expect(local.cells).toHaveLength(2);

    const b = await workspace('pooled');
    for (const n of ['a', 'b']) workers.push(startWorker(n, redis!.url, tmp.dir));
    await Promise.all(workers.map((w) => w.waitFor(/^ready$/m, 120_000)));
    const args = [
      '--import', 'tsx', path.join(REPO_ROOT, 'main', 'cli', 'index.ts'),
      '--workspace', b.root, '--queue', redis!.url,
      'study', '--dataset', 'world-a', '--eval-dataset', 'world-b', '--variants', variants,
      '--backbones', 'rgb', '--seeds', '3,4', '--clusters', '6', '--preset', 'fast', '--overrides', JSON.stringify(tiny), '--name', 's', '--json',
    ];
    const proc = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((r) => proc.once('exit', r));
    expect(code, stderr).toBe(0);
    const pooled = JSON.parse(stdout) as StudyResult;

    const all = workers.map((w) => w.output()).join('\n');
    // Both worlds' features, each cell's prediction of the held-out world and its evaluation.
    expect(all).toMatch(/\(features\.shard\) started/);
    // Each cell's training is one task, on a worker; the studio trained nothing itself.
    expect(all.match(/\(train\.run\) started/g)?.length).toBe(2);
    expect(all.match(/\(predict\.range\) started/g)?.length).toBeGreaterThanOrEqual(2);
    expect(all.match(/\(eval\.range\) started/g)?.length).toBeGreaterThanOrEqual(2);
    expect(pooled.pending).toBe(0);
    expect(numbers(pooled.cells)).toEqual(numbers(local.cells));
    const reader = await createEngine({ workspace: b.root, readonly: true });
    try {
      const pooledModels = await models(reader, b.root, b.train);
      expect(Object.keys(pooledModels)).toHaveLength(2);
      expect(pooledModels).toEqual(localModels!);
      // The two trainings were in flight together: the second started before the first finished.
      const jobs = await Promise.all((await reader.call('experiments.list', { datasetId: b.train })).map((e) => reader.call('jobs.get', { id: e.trainJobId! })));
      const starts = jobs.map((j) => Date.parse(j.startedAt!));
      const ends = jobs.map((j) => Date.parse(j.finishedAt!));
      expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));
    } finally {
      await reader.close();
    }
  }, 900_000);
});
