// `cause-studio study`: every cell of the plan is a durable train → predict → eval on the engine's own
// jobs. A cell is found again by its experiment name, so a rerun (after `kill -9`, or to reprint the
// table) resumes an interrupted training job from its checkpoint, redoes a missing prediction or
// evaluation, and reuses finished cells. Scores come from the engine's evaluation (eval.run + eval.score:
// Cityscapes-27, reference geometry, Hungarian), on a world the model was not trained on. With
// `--refine none,crf` a cell's model is trained once and scored once per refine mode: the experiment
// keeps one prediction set per dataset, so each mode predicts (replacing the other's set), is scored on
// that set by its predict job id, and is stored as its own row before the next mode replaces it.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import type { RefineMode } from '../../../shared/contract/experiments.js';
import type { JobSummary } from '../../../shared/contract/jobs.js';
import { STUDY_SCHEMA_VERSION, type StudyCell, type StudyResult } from '../../../shared/contract/study.js';
import { isTuning } from '../cause/step3/tuning.js';
import type { Engine } from '../engine.js';
import { QUEUE_ENV } from '../pool/queue-config.js';
import { writeFileAtomic } from '../workspace.js';
import { planCells, planRefine, type StudyCellPlan, type StudyPlanInput } from './study-plan.js';
import { hasRefine, studyMarkdown, studyRows } from './study-report.js';
import { studyChartPng } from './study-chart.js';
import { readCells, studyDir, writeCells } from './study-store.js';

export interface StudyRunOptions extends StudyPlanInput {
  readonly name: string;
  /** Also write study.json, study.md and chart.png here. */
  readonly outDir?: string;
  readonly log?: (line: string) => void;
  /** Waits for a job (the CLI draws progress); default jobs.wait. Throws when the job did not succeed. */
  readonly waitJob?: (jobId: string, label: string) => Promise<JobSummary>;
  /** Tests: stop after this many cells were measured in this call (as if killed between cells). */
  readonly stopAfterCells?: number;
  /**
   * Submit every cell's training before scoring the first (default: when a queue is configured, by the
   * launch flag or the workspace setting: the trainings run on pool workers side by side; see
   * cause/train-job.ts `heavy`).
   */
  readonly parallelTraining?: boolean;
}

const seconds = (j: { startedAt: string | null; finishedAt: string | null }) =>
  j.startedAt && j.finishedAt ? Math.max(0, (Date.parse(j.finishedAt) - Date.parse(j.startedAt)) / 1000) : 0;

/** The SynthDrive world seed of a dataset (its generator record), or null for other data. */
function worldSeed(root: string): number | null {
  try {
    return (JSON.parse(fs.readFileSync(path.join(root, 'synthdrive.json'), 'utf8')) as { params: { seed: number } }).params.seed;
  } catch {
    return null;
  }
}

/** A queue given at launch or set for the workspace (the same rule as pool/queue-config.ts). */
async function queueConfigured(engine: Pick<Engine, 'call'>): Promise<boolean> {
  if (process.env[QUEUE_ENV]) return true;
  const queue = (await engine.call('settings.list', {})).find((s) => s.key === 'queue')?.value;
  return typeof queue === 'string' && queue.trim() !== '';
}

export async function runStudy(engine: Pick<Engine, 'call'> & { readonly workspace: { readonly root: string } }, o: StudyRunOptions): Promise<StudyResult> {
  const log = o.log ?? (() => undefined);
  const wait = async (jobId: string, label: string): Promise<JobSummary> => {
    const j = o.waitJob ? await o.waitJob(jobId, label) : await engine.call('jobs.wait', { id: jobId });
    if (j.state !== 'succeeded') throw new StudioError('internal', `${label}: job ${jobId} ${j.state}${j.error ? `: ${j.error}` : ''}`);
    return j;
  };
  const trainDs = await engine.call('datasets.get', { id: o.trainDatasetId });
  const evalDs = await engine.call('datasets.get', { id: o.evalDatasetId });
  const cells = planCells(o.name, o);
  const dir = studyDir(engine.workspace.root, o.name);
  const modes = planRefine(o);
  const refined = modes.some((m) => m !== 'none');
  // A plain row keeps the key it had before --refine, so studies measured then are found again.
  const rowKey = (variant: string, backbone: string, seed: number, refine: RefineMode | undefined) =>
    `${variant}|${backbone}|${seed}${refine && refine !== 'none' ? `|${refine}` : ''}`;
  const measured = new Map(readCells(dir).map((c) => [rowKey(c.variant, c.backbone, c.seed, c.refine), c]));
  const evalWorld = worldSeed(evalDs.sourcePath);

  const ensureFeatures = async (datasetId: string, backbone: string) => {
    const sets = await engine.call('features.list', { datasetId });
    if (sets.some((s) => s.backbone === backbone)) return;
    log(`features: ${backbone} on ${datasetId === trainDs.id ? trainDs.name : evalDs.name}`);
    const job = await engine.call('features.extract', { datasetId, backbone });
    await wait(job.id, `features ${backbone}`);
  };

  const labelOf = (c: StudyCellPlan) => `${c.variant.name} · ${c.backbone} · seed ${c.seed}`;

  /** Starts (or resumes) the cell's training; the job to wait for, or null when it is trained already. */
  const startTraining = async (c: StudyCellPlan): Promise<string | null> => {
    const label = labelOf(c);
    await ensureFeatures(trainDs.id, c.backbone);
    await ensureFeatures(evalDs.id, c.backbone);
    const exp = (await engine.call('experiments.list', { datasetId: trainDs.id })).find((e) => e.name === c.experimentName);
    if (!exp) {
      log(`${label}: training`);
      const r = await engine.call('experiments.create', {
        datasetId: trainDs.id,
        backbone: c.backbone,
        method: c.variant.method,
        clusters: o.clusters,
        preset: o.preset,
        seed: c.seed,
        name: c.experimentName,
        ...(Object.keys(c.overrides).length ? { overrides: c.overrides } : {}),
      });
      return r.jobId;
    }
    if (exp.status === 'trained') return null;
    if (!exp.trainJobId) throw new StudioError('conflict', `${label}: experiment ${exp.id} has no training job to resume`);
    const job = await engine.call('jobs.get', { id: exp.trainJobId });
    if (job.state === 'interrupted' || job.state === 'failed' || job.state === 'cancelled') {
      log(`${label}: resuming training (${job.state} at step ${job.step}/${job.totalSteps})`);
      await engine.call('jobs.resume', { id: job.id });
    }
    return job.id;
  };

  /** Predicts the held-out world with `refine` (unless the current set is that) and scores that set. */
  const scoreMode = async (c: StudyCellPlan, expId: string, refine: RefineMode): Promise<StudyCell> => {
    const label = `${labelOf(c)}${refine === 'none' ? '' : ` · ${refine}`}`;
    let detail = await engine.call('experiments.get', { id: expId });
    let set = detail.predictions.find((p) => p.datasetId === evalDs.id && p.refine === refine && p.temporal === 'none');
    if (!set) {
      log(`${label}: predicting ${evalDs.name}${refine === 'none' ? '' : ` (refine ${refine})`}`);
      const r = await engine.call('experiments.predict', { id: expId, datasetId: evalDs.id, ...(refine === 'none' ? {} : { refine }) });
      await wait(r.jobId, `predict ${label}`);
      detail = await engine.call('experiments.get', { id: expId });
      set = detail.predictions.find((p) => p.datasetId === evalDs.id && p.jobId === r.jobId);
      if (!set) throw new StudioError('conflict', `${label}: the prediction of job ${r.jobId} on ${evalDs.name} was replaced before it was scored`);
    }
    const predJob = set.jobId;
    // Named by its predict job: eval.run fails rather than score a set another mode has put in its place.
    const ev = await engine.call('eval.run', { experimentId: expId, datasetId: evalDs.id, protocol: 'cityscapes-27', predictionJobId: predJob });
    let evalSeconds = 0;
    if (ev.jobId) evalSeconds = seconds(await wait(ev.jobId, `eval ${label}`));
    // A histogram's predictionKey is the predict job id of the set it counted (cause/predict-job.ts).
    const hist = (await engine.call('eval.histograms', { experimentId: expId }))
      .filter((h) => h.datasetId === evalDs.id && h.protocolId === 'cityscapes-27' && h.geometry === 'reference' && h.split === null && h.predictionKey === predJob)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (!hist) throw new StudioError('not_found', `${label}: no evaluation histogram of prediction ${predJob} on ${evalDs.name}`);
    const report = await engine.call('eval.score', { histogramId: hist.id, worstFrames: 0 });
    const data = await engine.call('eval.histogram', { id: hist.id });
    let used = 0;
    for (let k = 0; k < data.clusters; k++) {
      let s = 0;
      for (let t = 0; t < data.classes; t++) s += data.histogram[k * data.classes + t]!;
      if (s > 0) used++;
    }
    const train = await engine.call('jobs.get', { id: detail.trainJobId! });
    const pred = await engine.call('jobs.get', { id: predJob });
    const dead = detail.summary?.['step3.deadClusters'];
    const lf = (await engine.call('eval.labelFree', { experimentId: expId })).find(
      (r) => r.datasetId === evalDs.id && r.geometry === 'reference' && r.split === null && r.predictionKey === predJob,
    );
    return {
      variant: c.variant.name,
      backbone: c.backbone,
      seed: c.seed,
      experimentId: expId,
      miouPresent: report.miouPresent,
      miou: report.miou,
      pixelAccuracy: report.pixelAccuracy,
      clustersUsed: used,
      deadClusters: typeof dead === 'number' ? dead : null,
      seconds: seconds(train) + seconds(pred) + evalSeconds,
      tuning: isTuning(evalWorld, c.seed),
      temporalInconsistency: lf?.temporalConsistency?.inconsistency ?? null,
      // Plain rows carry no field, so a study without --refine writes cells.json/study.json as before.
      ...(refine !== 'none' ? { refine } : {}),
    };
  };

  /**
   * Waits for a predict job of the experiment on the eval world left unfinished by a killed run (the
   * engine resumes it at start): a new prediction submitted beside it would be replaced when it lands.
   */
  const settlePredictions = async (c: StudyCellPlan, expId: string) => {
    for (const j of await engine.call('jobs.list', { states: ['queued', 'running', 'interrupted'], limit: 1000 })) {
      if (j.kind !== 'experiments.predict') continue;
      const params = (await engine.call('jobs.get', { id: j.id })).params as { experimentId?: string; datasetId?: string };
      if (params.experimentId !== expId || params.datasetId !== evalDs.id) continue;
      log(`${labelOf(c)}: waiting for the unfinished prediction ${j.id}`);
      try {
        if (j.state === 'interrupted') await engine.call('jobs.resume', { id: j.id });
        await wait(j.id, `predict ${labelOf(c)}`);
      } catch (e) {
        // A stale prediction that fails is no loss: the mode it was for is predicted again below.
        log(`${labelOf(c)}: the unfinished prediction ${j.id} did not finish (${(e as Error).message})`);
      }
    }
  };

  /** Waits for the cell's training, then scores every refine mode still missing, one row at a time. */
  const finishCell = async (c: StudyCellPlan, trainJob: string | null, missing: readonly RefineMode[], onRow: (cell: StudyCell) => void): Promise<void> => {
    if (trainJob) await wait(trainJob, `train ${labelOf(c)}`);
    const exp = (await engine.call('experiments.list', { datasetId: trainDs.id })).find((e) => e.name === c.experimentName)!;
    await settlePredictions(c, exp.id);
    // The mode of the set already on the eval world goes first: a resumed study does not predict it again.
    const current = (await engine.call('experiments.get', { id: exp.id })).predictions.find((p) => p.datasetId === evalDs.id && p.temporal === 'none')?.refine;
    const order = [...missing].sort((a, b) => Number(b === current) - Number(a === current));
    for (const refine of order) onRow(await scoreMode(c, exp.id, refine));
  };

  const result = async (): Promise<StudyResult> => {
    const all = cells.flatMap((c) => modes.map((m) => measured.get(rowKey(c.variant.name, c.backbone, c.seed, m)))).filter((c): c is StudyCell => !!c);
    const rows = studyRows(all, { variants: o.variants.map((v) => v.name), backbones: o.backbones, refine: modes });
    const res: StudyResult = {
      schemaVersion: STUDY_SCHEMA_VERSION,
      name: o.name,
      trainDatasetId: trainDs.id,
      trainDatasetName: trainDs.name,
      evalDatasetId: evalDs.id,
      evalDatasetName: evalDs.name,
      preset: o.preset,
      clusters: o.clusters,
      protocol: 'cityscapes-27',
      variants: o.variants,
      backbones: o.backbones,
      seeds: o.seeds,
      ...(refined ? { refine: modes } : {}),
      cells: all,
      rows,
      pending: cells.length * modes.length - all.length,
      updatedAt: new Date().toISOString(),
    };
    const title = `Study ${o.name}: train ${trainDs.name}, score ${evalDs.name}`;
    const md = studyMarkdown(title, [
      `Cityscapes-27, K = ${o.clusters}, preset ${o.preset}, Hungarian one-to-one, reference geometry; mean ± sd over seeds ${o.seeds.join(', ')}.`,
      `Present-class mIoU = mean IoU over classes with ground-truth pixels. ${res.pending ? `${res.pending} cells still to run.` : 'All cells measured.'}`,
      ...(refined ? [`Refine: ${modes.join(', ')} (crf = the release's dense CRF on the predictions); each model is trained once and scored under every mode.`] : []),
      ...(all.some((c) => c.tuning) ? ['Rows include tuning seeds or worlds (main/engine/cause/step3/tuning.ts): do not report them as held-out figures.'] : []),
    ], rows, hasRefine(res));
    const png = await studyChartPng(title, rows);
    for (const d of [dir, ...(o.outDir ? [o.outDir] : [])]) {
      fs.mkdirSync(d, { recursive: true });
      writeFileAtomic(path.join(d, 'study.json'), JSON.stringify(res, null, 1));
      writeFileAtomic(path.join(d, 'study.md'), md);
      writeFileAtomic(path.join(d, 'chart.png'), png);
    }
    return res;
  };

  const missingOf = (c: StudyCellPlan) => modes.filter((m) => !measured.has(rowKey(c.variant.name, c.backbone, c.seed, m)));
  let todo = cells.filter((c) => missingOf(c).length > 0);
  if (o.stopAfterCells !== undefined) todo = todo.slice(0, Math.max(0, o.stopAfterCells));
  // On the pool, every cell's training is submitted first: N workers train N cells at once while the
  // cells are predicted and scored in order as their trainings finish. Without a pool, one cell at a time.
  const started = new Map<StudyCellPlan, string | null>();
  if (o.parallelTraining ?? (await queueConfigured(engine))) {
    for (const c of todo) started.set(c, await startTraining(c));
  }
  for (const c of todo) {
    // Each row is stored as soon as it is measured: a kill between modes keeps the first mode's row.
    await finishCell(c, started.has(c) ? started.get(c)! : await startTraining(c), missingOf(c), (cell) => {
      const key = rowKey(cell.variant, cell.backbone, cell.seed, cell.refine);
      measured.set(key, cell);
      writeCells(dir, [...measured.values()]);
      log(`${key.replaceAll('|', ' · ')}: present-class mIoU ${cell.miouPresent === null ? '—' : (cell.miouPresent * 100).toFixed(1)}, clusters ${cell.clustersUsed}`);
    });
    await result();
  }
  return result();
}
