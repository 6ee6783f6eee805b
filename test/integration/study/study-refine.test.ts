// `cause-studio study --refine none,crf` on two tiny SynthDrive worlds: one cell, trained once, gives a
// plain and a dense-CRF row, each scored on its own prediction set (the experiment keeps one set per
// dataset, so eval.run is told the set by its predict job id); a rerun reuses both rows, a missing row
// is predicted and scored again without training (or waits for a prediction a killed run left), and
// eval.run refuses a set that is not the current one.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudyCell, StudyResult } from '../../../shared/contract/study.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import { parseVariants } from '../../../main/engine/study/study-plan.js';
import { runStudy } from '../../../main/engine/study/study-runner.js';
import { importStudyWorlds } from '../../helpers/study-worlds.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';
import { tinyBudget } from '../../helpers/tiny-budget.js';

let tmp: ReturnType<typeof tempDir>;
let wsDir: string;
let engine: Engine;
let trainDatasetId: string;
let evalDatasetId: string;

const plan = () => ({
  trainDatasetId,
  evalDatasetId,
  variants: parseVariants('release'),
  backbones: ['builtin'],
  seeds: [3],
  preset: 'fast' as const,
  clusters: 6,
  overrides: tinyBudget({ backend: 'wasm' }),
  refine: ['none', 'crf'] as const,
});
const numbers = (cells: readonly StudyCell[]) => cells.map((c) => [c.variant, c.refine ?? 'none', c.seed, c.experimentId, c.miouPresent, c.miou, c.pixelAccuracy, c.clustersUsed]);

async function jobsOf(kind: string): Promise<string[]> {
  return (await engine.call('jobs.list', { limit: 1000 })).filter((j) => j.kind === kind).map((j) => j.id);
}

beforeAll(async () => {
  tmp = tempDir();
  wsDir = path.join(tmp.dir, 'ws');
  engine = await createEngine({ workspace: wsDir, runJobs: true });
  ({ trainDatasetId, evalDatasetId } = await importStudyWorlds(engine, tmp.dir, 6));
}, 300_000);

afterAll(async () => {
  await engine?.close();
  tmp?.cleanup();
});

describe('cause-studio study --refine none,crf', () => {
  let first: StudyResult;

  it('trains the cell once and scores a plain and a CRF row, each on its own prediction set and histogram', async () => {
    const out = path.join(tmp.dir, 'out');
    first = await runStudy(engine, { ...plan(), name: 'refined', outDir: out });
    expect(first.pending).toBe(0);
    expect(first.refine).toEqual(['none', 'crf']);
    expect(first.cells.map((c) => c.refine ?? 'none')).toEqual(['none', 'crf']);
    expect(first.rows.map((r) => [r.variant, r.refine ?? 'none'])).toEqual([
      ['release', 'none'],
      ['release', 'crf'],
    ]);
    // Plain rows are written as before the option: no refine field.
    expect('refine' in first.cells[0]!).toBe(false);
    expect('refine' in first.rows[0]!).toBe(false);
    const [plain, crf] = first.cells as [StudyCell, StudyCell];
    expect(crf.experimentId).toBe(plain.experimentId);
    expect(await jobsOf('experiments.train')).toHaveLength(1);

    // Each row's score is eval.score of the histogram counted from the prediction set of its mode.
    const hists = (await engine.call('eval.histograms', { experimentId: plain.experimentId })).filter((h) => h.datasetId === evalDatasetId);
    expect(hists).toHaveLength(2);
    expect(new Set(hists.map((h) => h.predictionKey)).size).toBe(2);
    const byMode = new Map<string, string>();
    for (const h of hists) {
      const job = await engine.call('jobs.get', { id: h.predictionKey });
      expect(job.kind).toBe('experiments.predict');
      byMode.set((job.params as { refine?: string }).refine ?? 'none', h.id);
    }
    expect([...byMode.keys()].sort()).toEqual(['crf', 'none']);
    for (const c of [plain, crf]) {
      const report = await engine.call('eval.score', { histogramId: byMode.get(c.refine ?? 'none')!, worstFrames: 0 });
      expect([c.miouPresent, c.miou, c.pixelAccuracy]).toEqual([report.miouPresent, report.miou, report.pixelAccuracy]);
    }
    // The CRF moved pixels: the two histograms count different predictions.
    const [hp, hc] = await Promise.all([byMode.get('none')!, byMode.get('crf')!].map((id) => engine.call('eval.histogram', { id })));
    expect(hp!.histogram).not.toEqual(hc!.histogram);
    // The set left on the eval world is the last mode's, and it says it was refined.
    const exp = await engine.call('experiments.get', { id: plain.experimentId });
    expect(exp.predictions.filter((p) => p.datasetId === evalDatasetId).map((p) => p.refine)).toEqual(['crf']);

    const md = fs.readFileSync(path.join(out, 'study.md'), 'utf8');
    expect(md).toContain('| backbone | variant | refine | seeds |');
    expect(md).toContain('| builtin | release | none | 3 |');
    expect(md).toContain('| builtin | release | crf | 3 |');
    const json = JSON.parse(fs.readFileSync(path.join(out, 'study.json'), 'utf8')) as StudyResult;
    expect(numbers(json.cells)).toEqual(numbers(first.cells));
  }, 600_000);

  it('a rerun reuses both rows; a missing row is predicted and scored again without training', async () => {
    const trains = await jobsOf('experiments.train');
    const predicts = await jobsOf('experiments.predict');
    const again = await runStudy(engine, { ...plan(), name: 'refined' });
    expect(numbers(again.cells)).toEqual(numbers(first.cells));
    expect(await jobsOf('experiments.predict')).toEqual(predicts);

    // Drop the plain row, as if the run had been killed before it was stored: the eval world now holds
    // the CRF set, so the plain prediction is made again, scored on its own set, to the same numbers.
    const file = path.join(wsDir, 'studies', 'refined', 'cells.json');
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { schemaVersion: number; cells: StudyCell[] };
    fs.writeFileSync(file, JSON.stringify({ ...stored, cells: stored.cells.filter((c) => c.refine === 'crf') }));
    const redone = await runStudy(engine, { ...plan(), name: 'refined' });
    expect(numbers(redone.cells)).toEqual(numbers(first.cells));
    expect(await jobsOf('experiments.train')).toEqual(trains);
    expect((await jobsOf('experiments.predict')).length).toBe(predicts.length + 1);

    // The same study without --refine finds the same trained cell and its plain row.
    const plainOnly = await runStudy(engine, { ...plan(), refine: ['none'], name: 'refined' });
    expect(numbers(plainOnly.cells)).toEqual(numbers(first.cells.slice(0, 1)));
    expect('refine' in plainOnly).toBe(false);
    expect(await jobsOf('experiments.train')).toEqual(trains);
  }, 600_000);

  it('eval.run scores the named prediction set only while it is the current one', async () => {
    const expId = first.cells[0]!.experimentId;
    const current = (await engine.call('experiments.get', { id: expId })).predictions.find((p) => p.datasetId === evalDatasetId)!;
    expect(current.refine).toBe('none'); // the plain set predicted again above
    const ok = await engine.call('eval.run', { experimentId: expId, datasetId: evalDatasetId, predictionJobId: current.jobId });
    expect(ok.jobId).toBeNull();
    expect(ok.histogramId).not.toBeNull();
    await expect(engine.call('eval.run', { experimentId: expId, datasetId: evalDatasetId, predictionJobId: 'no-such-job' })).rejects.toThrow(
      new RegExp(`no prediction set from job 'no-such-job' on dataset 'world-b': its current set there is from job '${current.jobId}' \\(refine none`),
    );
    const replaced = (await engine.call('eval.histograms', { experimentId: expId }))
      .map((h) => h.predictionKey)
      .find((k) => k !== current.jobId)!;
    await expect(engine.call('eval.run', { experimentId: expId, datasetId: evalDatasetId, predictionJobId: replaced })).rejects.toThrow(/no prediction set from job/);
  }, 120_000);

  it('a prediction left unfinished between modes (as by a kill) is waited for and scored, not made twice', async () => {
    const expId = first.cells[0]!.experimentId;
    const file = path.join(wsDir, 'studies', 'refined', 'cells.json');
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { schemaVersion: number; cells: StudyCell[] };
    fs.writeFileSync(file, JSON.stringify({ ...stored, cells: stored.cells.filter((c) => c.refine !== 'crf') }));
    // The CRF prediction a killed run had started (the engine resumes such jobs at start).
    const pending = await engine.call('experiments.predict', { id: expId, datasetId: evalDatasetId, refine: 'crf' });
    const predicts = await jobsOf('experiments.predict');
    const resumed = await runStudy(engine, { ...plan(), name: 'refined' });
    expect(await jobsOf('experiments.predict')).toEqual(predicts);
    expect(numbers(resumed.cells)).toEqual(numbers(first.cells));
    const crfHist = (await engine.call('eval.histograms', { experimentId: expId })).filter((h) => h.predictionKey === pending.jobId);
    expect(crfHist).toHaveLength(1);
  }, 300_000);

  it('the CLI refuses an unknown refine mode with a one-line error', () => {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), '--workspace', wsDir, 'study', '--dataset', 'world-a', '--eval-dataset', 'world-b', '--refine', 'none,bilateral'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("--refine: 'bilateral' is not one of none, crf");
  });
});
