// `cause-studio study` end to end on two tiny SynthDrive worlds: every cell trains on one world and is
// scored on the other through the engine's jobs; the table, study.json/md and the chart are written; a
// second study with the same plan reproduces the numbers; a rerun reuses finished cells; and a CLI run
// killed with SIGKILL mid-training continues on the next run to the same numbers.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudyCell, StudyResult } from '../../../shared/contract/study.js';
import { openDatabase } from '../../../main/engine/db/connection.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { parseVariants } from '../../../main/engine/study/study-plan.js';
import { runStudy } from '../../../main/engine/study/study-runner.js';
import { importStudyWorlds } from '../../helpers/study-worlds.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';
import { tinyBudget } from '../../helpers/tiny-budget.js';

let tmp: ReturnType<typeof tempDir>;
let wsDir: string;
let engine: Engine | null = null;
let trainDatasetId: string;
let evalDatasetId: string;

/** Small budgets over the fast preset so a cell takes seconds. */
const tiny = {
  // Long enough (2 + 40 steps) that the kill below lands mid-training even on a fast, idle machine.
  ...tinyBudget({ backend: 'wasm', step2Epochs: 20, checkpointEvery: 1 }),
  kmeans: { maxIterations: 20, maxTokens: 4000 },
};
const variantsText = 'release,kmeans,kmeans-features';
const plan = () => ({
  trainDatasetId,
  evalDatasetId,
  variants: parseVariants(variantsText),
  backbones: ['builtin'],
  seeds: [3],
  preset: 'fast' as const,
  clusters: 6,
  overrides: tiny,
});
const numbers = (cells: readonly StudyCell[]) => cells.map((c) => [c.variant, c.seed, c.miouPresent, c.miou, c.pixelAccuracy, c.clustersUsed]);

beforeAll(async () => {
  tmp = tempDir();
  wsDir = path.join(tmp.dir, 'ws');
  engine = await createEngine({ workspace: wsDir, runJobs: true });
  ({ trainDatasetId, evalDatasetId } = await importStudyWorlds(engine, tmp.dir, 8));
}, 300_000);

afterAll(async () => {
  await engine?.close();
  tmp?.cleanup();
});

describe('cause-studio study', () => {
  let first: StudyResult;

  it('runs every cell (train on one world, score on the other) and writes the table, study.json/md and a chart', async () => {
    const out = path.join(tmp.dir, 'out');
    first = await runStudy(engine!, { ...plan(), name: 'first', outDir: out });
    expect(first.pending).toBe(0);
    expect(first.cells).toHaveLength(3);
    expect(first.rows.map((r) => r.variant)).toEqual(['release', 'kmeans', 'kmeans-features']);
    for (const c of first.cells) {
      expect(c.miouPresent).toBeGreaterThan(0);
      expect(c.miouPresent).toBeLessThanOrEqual(1);
      expect(c.clustersUsed).toBeGreaterThan(0);
      expect(c.clustersUsed).toBeLessThanOrEqual(6);
      expect(c.tuning).toBe(false);
    }
    // The fitted k-means probe places every centroid on teacher tokens: none dead.
    expect(first.cells.find((c) => c.variant === 'kmeans')!.deadClusters).toBe(0);
    expect(first.cells.find((c) => c.variant === 'release')!.deadClusters).not.toBeNull();
    const exp = await engine!.call('experiments.get', { id: first.cells.find((c) => c.variant === 'kmeans')!.experimentId });
    expect(exp.config.step3.variant).toBe('kmeans');
    expect(exp.config.step3.epochs).toBe(1); // stored as asked; the trainer skips the probe epochs itself
    expect(exp.summary?.step3Variant).toBe('kmeans');
    expect(exp.predictions.map((p) => p.datasetId)).toEqual([evalDatasetId]);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'study.json'), 'utf8')) as StudyResult;
    expect(numbers(json.cells)).toEqual(numbers(first.cells));
    const md = fs.readFileSync(path.join(out, 'study.md'), 'utf8');
    expect(md).toContain('| builtin | kmeans-features | 3 |');
    const meta = await sharp(path.join(out, 'chart.png')).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(300);
    expect((await engine!.call('studies.list', {})).map((s) => s.name)).toContain('first');
    expect((await engine!.call('studies.get', { name: 'first' })).rows).toHaveLength(3);
  }, 600_000);

  it('a second study of the same plan (fresh experiments) reproduces the numbers; a rerun reuses its cells', async () => {
    const second = await runStudy(engine!, { ...plan(), name: 'second' });
    expect(numbers(second.cells)).toEqual(numbers(first.cells));
    const before = (await engine!.call('experiments.list', {})).length;
    const again = await runStudy(engine!, { ...plan(), name: 'first' });
    expect((await engine!.call('experiments.list', {})).length).toBe(before);
    expect(numbers(again.cells)).toEqual(numbers(first.cells));
  }, 600_000);

  it('continues after the CLI is killed with SIGKILL mid-training, to the same numbers', async () => {
    await engine!.close();
    engine = null;
    const args = [
      path.join(REPO_ROOT, 'bin', 'cause-studio.js'),
      '--workspace', wsDir,
      'study', '--dataset', 'world-a', '--eval-dataset', 'world-b', '--variants', variantsText,
      '--backbones', 'builtin', '--seeds', '3', '--clusters', '6', '--overrides', JSON.stringify(tiny), '--name', 'killed',
    ];
    const proc = spawn(process.execPath, args, { stdio: 'ignore' });
    // Kill once the first cell's training has checkpointed a few steps (it runs 2 + 40 steps).
    const db = () => openDatabase(path.join(wsDir, 'studio.db'), { readonly: true });
    const t0 = Date.now();
    for (;;) {
      if (Date.now() - t0 > 300_000) throw new Error('the study made no training progress');
      await new Promise((r) => setTimeout(r, 25));
      if (!fs.existsSync(path.join(wsDir, 'studio.db'))) continue;
      const d = db();
      try {
        const row = d
          .prepare("SELECT j.checkpoint_step AS step, j.state AS state FROM jobs j JOIN experiments e ON e.train_job_id = j.id WHERE e.name LIKE 'killed ·%'")
          .get() as { step: number | null; state: string } | undefined;
        if (row && (row.step ?? 0) >= 3 && row.state === 'running') break;
        if (row && row.state === 'succeeded') throw new Error('training finished before the kill; make it longer');
      } finally {
        d.close();
      }
    }
    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));
    const rerun = spawn(process.execPath, [...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    rerun.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    rerun.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise((r) => rerun.once('exit', r));
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as StudyResult;
    // The killed cell's training job was resumed from its checkpoint, not started again.
    const d = db();
    try {
      const row = d
        .prepare("SELECT j.attempts AS attempts, j.state AS state FROM jobs j JOIN experiments e ON e.train_job_id = j.id WHERE e.name = 'killed · release · builtin · seed 3'")
        .get() as { attempts: number; state: string };
      expect(row).toEqual({ attempts: 1, state: 'succeeded' });
    } finally {
      d.close();
    }
    expect(result.pending).toBe(0);
    expect(numbers(result.cells)).toEqual(numbers(first.cells));
  }, 900_000);
});
