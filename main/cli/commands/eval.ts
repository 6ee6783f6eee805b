// `cause-studio eval`: histogram job (cached per predictions), then a score under a mapping, printed as a
// per-class table with mIoU and pixel accuracy.
import path from 'node:path';
import type { Command } from 'commander';
import { StudioError } from '../../../shared/contract/errors.js';
import type { EvalReport, LabelFreeReport } from '../../../shared/contract/evaluation.js';
import type { EngineLink as Engine } from '../runtime.js';
import { table, type CliRuntime } from '../runtime.js';
import { resolveDataset, resolveExperiment } from '../resolve.js';
import { ensurePredictions } from '../deps.js';

const pct = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? '—' : (x * 100).toFixed(digits));

/** Built-in names pass through; anything that looks like a file is made absolute for the engine. */
export function absolutizeSpec(spec: string, keep: readonly string[] = []): string {
  if (keep.includes(spec)) return spec;
  if (spec.endsWith('.json') || spec.includes('/') || spec.includes(path.sep)) return path.resolve(spec);
  return spec;
}

export function formatReport(r: EvalReport, labelFree?: LabelFreeReport): string {
  const rows = r.perClass.map((c) => [
    c.index,
    c.name,
    c.category,
    (c.iou === null ? '—' : pct(c.iou)).padStart(5),
    c.gtPixels,
    c.clusters.length > 6 ? `${c.clusters.slice(0, 6).join(',')},… (${c.clusters.length})` : c.clusters.join(','),
  ]);
  const unmatchedClusters = r.mapping.filter((t) => t < 0).length;
  const lines = [
    `experiment ${r.experimentId}  dataset ${r.datasetId}  protocol ${r.protocolId}  geometry ${r.geometry}`,
    `mapping    ${r.mappingName}${r.mappingId ? ` [${r.mappingId}]` : ''}; ${unmatchedClusters} of ${r.mapping.length} clusters unmatched`,
    '',
    table(['#', 'class', 'category', 'IoU %', 'GT pixels', 'clusters'], rows),
    '',
    `present-class mIoU ${pct(r.miouPresent)} %  (over the ${r.classesPresent} classes with ground-truth pixels: the figure to rank by)`,
    `mIoU            ${pct(r.miou)} %  (over ${r.classesScored} classes with a defined IoU; an absent class a cluster is matched to counts 0)`,
    `pixel accuracy  ${pct(r.pixelAccuracy)} %`,
    `category mIoU   ${pct(r.categoryMiou)} %  (${r.perCategory.map((g) => `${g.name} ${pct(g.iou)}`).join(', ')})`,
    `pixels          ${r.totalPixels} over ${r.frameCount} frames; ${pct(r.totalPixels > 0 ? r.unmatchedPixels / r.totalPixels : null)} % in unmatched clusters`,
  ];
  const warning = trainingFramesWarning(r);
  if (warning) lines.push('', warning);
  if (r.worstFrames.length > 0) {
    lines.push(`worst frames    ${r.worstFrames.map((f) => `${f.name} ${pct(f.miou)}`).join(', ')}`);
  }
  if (labelFree) {
    lines.push(
      `label-free      ${labelFree.usedClusters}/${labelFree.clusters} clusters used; flicker on static regions ${pct(labelFree.flickerStatic, 2)} % ` +
        `(${labelFree.framePairs} frame pairs), all pixels ${pct(labelFree.flickerAll, 2)} %`,
    );
  }
  return lines.join('\n');
}

/** The warning `eval` prints when the scored frames include frames the experiment trained on. */
export function trainingFramesWarning(r: EvalReport): string | null {
  const n = r.trainingFramesScored ?? 0;
  if (n === 0) return null;
  const all = n >= r.frameCount;
  return (
    `warning: ${all ? 'all' : n} of the ${r.frameCount} scored frames ${n === 1 && !all ? 'was' : 'were'} used to train this experiment; ` +
    'the score measures fit, not generalisation — score on frames it did not train on (e.g. `synth --split val`, then `eval --dataset`)'
  );
}

/** Per-cluster label-free signals, largest clusters first. */
export function formatLabelFree(l: LabelFreeReport): string {
  const order = l.pixelShare
    .map((share, k) => ({ k, share: share ?? 0 }))
    .filter((x) => x.share > 0)
    .sort((a, b) => b.share - a.share);
  const rows = order.map(({ k, share }) => [k, Number((share * 100).toFixed(2)), pct(l.meanConfidence[k], 1), pct(l.flickerStaticPerCluster[k], 2)]);
  return [
    `${l.frames} frames, ${l.usedClusters}/${l.clusters} clusters used, geometry ${l.geometry}`,
    `flicker (static regions: luma change ≤ ${l.staticThreshold}/255 between consecutive frames) ${pct(l.flickerStatic, 2)} % over ${l.framePairs} frame pairs; all pixels ${pct(l.flickerAll, 2)} %`,
    '',
    table(['cluster', 'pixels %', 'mean confidence %', 'static flicker %'], rows),
  ].join('\n');
}

/** Runs (or reuses) the histogram job and returns the histogram id, or null when there is no ground truth. */
export async function ensureHistogram(
  rt: CliRuntime,
  engine: Engine,
  args: { experimentId: string; datasetId?: string; split?: string; protocol: string; geometry: 'reference' | 'full'; force?: boolean; labelFree?: boolean },
): Promise<string | null> {
  const started = await engine.call('eval.run', {
    experimentId: args.experimentId,
    ...(args.datasetId ? { datasetId: args.datasetId } : {}),
    ...(args.split ? { split: args.split } : {}),
    protocol: absolutizeSpec(args.protocol),
    geometry: args.geometry,
    force: args.force ?? false,
    labelFree: args.labelFree ?? true,
  });
  if (started.histogramId) return started.histogramId;
  await rt.runJob(engine, started.jobId!, 'evaluating');
  const job = await engine.call('jobs.get', { id: started.jobId! });
  const result = job.result as { histogramId: string | null } | null;
  return result?.histogramId ?? null;
}

export function register(program: Command, rt: CliRuntime): void {
  program
    .command('eval')
    .description('score an experiment against ground truth (unsupervised protocol: Hungarian matching, mIoU, pixel accuracy)')
    .requiredOption('--experiment <id>', 'experiment id')
    .option('--dataset <id>', 'evaluation dataset (default: the experiment’s own)')
    .option('--split <name>', 'only this split')
    .option('--protocol <id|file.json>', 'cityscapes-27 | cityscapes-19 | cityscapes-7 | bdd-19 | custom protocol JSON', 'cityscapes-27')
    .option('--mapping <spec>', 'hungarian | majority | <mapping-id> | <file.json>', 'hungarian')
    .option('--geometry <g>', 'reference (short side 320, centre crop 320) | full', 'reference')
    .option('--worst <n>', 'list the n worst frames', '5')
    .option('--force', 'recompute the histogram even if one is stored for these predictions')
    .option('--no-label-free', 'skip label-free signals (pixel shares, confidence, flicker)')
    .option('--no-deps', 'fail when the experiment has no predictions for the dataset instead of predicting first')
    .action(
      async (o: {
        experiment: string;
        dataset?: string;
        split?: string;
        protocol: string;
        mapping: string;
        geometry: string;
        worst: string;
        force?: boolean;
        labelFree: boolean;
        deps: boolean;
      }) => {
        if (o.geometry !== 'reference' && o.geometry !== 'full') {
          throw new StudioError('bad_request', `--geometry must be reference or full (got '${o.geometry}')`);
        }
        const worst = Number(o.worst);
        if (!Number.isInteger(worst) || worst < 0) throw new StudioError('bad_request', `--worst must be a whole number (got '${o.worst}')`);
        await rt.withEngine({ runJobs: true }, async (engine) => {
          const experimentId = await resolveExperiment(engine, o.experiment);
          const datasetId = o.dataset ? await resolveDataset(engine, o.dataset) : undefined;
          if (o.deps) await ensurePredictions(rt, engine, { experimentId, ...(datasetId ? { datasetId } : {}) });
          const histogramId = await ensureHistogram(rt, engine, {
            experimentId,
            ...(datasetId ? { datasetId } : {}),
            ...(o.split ? { split: o.split } : {}),
            protocol: o.protocol,
            geometry: o.geometry as 'reference' | 'full',
            force: o.force === true,
            labelFree: o.labelFree,
          });
          const labelFree = (await engine.call('eval.labelFree', { experimentId })).find(
            (l) => (!datasetId || l.datasetId === datasetId) && l.geometry === o.geometry && (l.split ?? undefined) === o.split,
          );
          if (!histogramId) {
            if (!labelFree) throw new StudioError('invalid_input', 'the dataset has no ground truth and no label-free signals were computed');
            rt.print({ labelFree }, () => `no ground truth for these frames: label-free signals only\n\n${formatLabelFree(labelFree)}`);
            return;
          }
          const report = await engine.call('eval.score', {
            histogramId,
            mapping: absolutizeSpec(o.mapping, ['hungarian', 'majority']),
            worstFrames: worst,
          });
          const lf = labelFree && labelFree.datasetId === report.datasetId ? labelFree : undefined;
          const warning = trainingFramesWarning(report);
          // in --json mode the report carries trainingFramesScored; the warning goes to stderr either way
          if (warning && rt.json) process.stderr.write(`${warning}\n`);
          rt.print({ ...report, labelFree: lf ?? null }, () => formatReport(report, lf));
        });
      },
    );
}

/**
 * `cause-studio export labels`: attach to the `export` command group (main/cli/commands/export.ts calls
 * this with its group, so the evaluation side owns the pseudo-label options).
 */
export function registerExportLabels(exp: Command, rt: CliRuntime): void {
  exp
    .command('labels')
    .description('pseudo-labels: Cityscapes *_gtFine_{labelIds,labelTrainIds,color}.png + mapping.json, or raw cluster-id PNGs')
    .requiredOption('--experiment <id>', 'experiment whose predictions to export')
    .requiredOption('--out <dir>', 'output folder (appears only when complete)')
    .option('--dataset <id>', 'frames to export (default: the experiment’s own dataset)')
    .option('--split <name>', 'only this split')
    .option('--format <f>', 'cityscapes | clusters', 'cityscapes')
    .option('--mapping <spec>', 'hungarian | majority | <mapping-id> | <file.json> (default: newest saved, else hungarian)')
    .option('--force', 'replace an existing output folder')
    .action(async (o: { experiment: string; out: string; dataset?: string; split?: string; format: string; mapping?: string; force?: boolean }) => {
      if (o.format !== 'cityscapes' && o.format !== 'clusters') throw new StudioError('bad_request', `--format must be cityscapes or clusters (got '${o.format}')`);
      await rt.withEngine({ runJobs: true }, async (engine) => {
        const { jobId } = await engine.call('exports.labels', {
          experimentId: await resolveExperiment(engine, o.experiment),
          out: path.resolve(o.out),
          format: o.format as 'cityscapes' | 'clusters',
          ...(o.dataset ? { datasetId: await resolveDataset(engine, o.dataset) } : {}),
          ...(o.split ? { split: o.split } : {}),
          ...(o.mapping ? { mapping: absolutizeSpec(o.mapping, ['hungarian', 'majority']) } : {}),
          force: o.force === true,
        });
        await rt.runJob(engine, jobId, 'export labels');
        const rec = (await engine.call('jobs.get', { id: jobId })).result as { path: string; bytes: number; summary: { frames?: number; files?: number } };
        rt.print(rec, () => `${rec.path}  (${rec.summary.frames ?? 0} frames, ${rec.summary.files ?? 0} files, ${(rec.bytes / 1e6).toFixed(1)} MB)`);
      });
    });
}
