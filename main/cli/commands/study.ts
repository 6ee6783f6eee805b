// `cause-studio study --dataset TRAIN --eval-dataset HELD_OUT --variants release,kmeans,balanced
//  --backbones builtin,dinov2-s14 --seeds 1,2,3`: a grid of variants × backbones × seeds, each cell a
// durable train → predict → eval; prints mean ± sd per variant and backbone and writes study.json,
// study.md and chart.png. Run it again (same arguments) after a kill: finished cells are reused and an
// interrupted training resumes from its checkpoint. `--refine none,crf` scores every trained cell twice,
// on its plain and its dense-CRF prediction (one row each, the model trained once; the study name and
// experiment names do not depend on it, so it continues a plain study). `study list` / `study show <name>`
// read stored studies.
import path from 'node:path';
import type { Command } from 'commander';
import { StudioError } from '../../../shared/contract/errors.js';
import { TRAIN_PRESETS, type TrainPreset } from '../../../shared/contract/experiments.js';
import type { StudyResult } from '../../../shared/contract/study.js';
import { parseRefineModes, parseVariants, planName } from '../../engine/study/study-plan.js';
import { hasRefine, rowCells, studyColumns } from '../../engine/study/study-report.js';
import { runStudy } from '../../engine/study/study-runner.js';
import { studyDir } from '../../engine/study/study-store.js';
import { table, type CliRuntime } from '../runtime.js';
import { resolveDataset } from '../resolve.js';

interface StudyOptions {
  dataset?: string;
  evalDataset?: string;
  variants: string;
  backbones: string;
  seeds: string;
  preset: string;
  clusters: string;
  head: string;
  overrides?: string;
  refine: string;
  name?: string;
  out?: string;
}

function formatStudy(s: StudyResult, dir: string): string {
  const withRefine = hasRefine(s);
  return [
    `study ${s.name}: train ${s.trainDatasetName}, score ${s.evalDatasetName} (Cityscapes-27, K = ${s.clusters}, preset ${s.preset}, Hungarian)`,
    table(studyColumns(withRefine), s.rows.map((r) => rowCells(r, withRefine))),
    s.cells.some((c) => c.tuning) ? 'note: some cells use tuning seeds or worlds (main/engine/cause/step3/tuning.ts); do not report them as held-out figures' : '',
    s.cells.some((c) => c.deadClusters !== null)
      ? `dead clusters (Step 3, per cell): ${s.cells.map((c) => `${c.variant}/${c.backbone}/s${c.seed}${c.refine && c.refine !== 'none' ? `/${c.refine}` : ''} ${c.deadClusters ?? '—'}`).join(', ')}`
      : '',
    s.pending ? `${s.pending} cells still to run: run the same command again to continue` : '',
    `wrote ${path.join(dir, 'study.json')}, study.md, chart.png`,
  ]
    .filter(Boolean)
    .join('\n');
}

function list(flag: string, text: string): string[] {
  const out = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!out.length) throw new StudioError('bad_request', `${flag}: give at least one value`);
  return out;
}

export function register(program: Command, rt: CliRuntime): void {
  const study = program
    .command('study')
    .description('run a grid of variants × backbones × seeds (train on one world, score on another) and tabulate it')
    .option('--dataset <id>', 'dataset to train on (id or name)')
    .option('--eval-dataset <id>', 'a different dataset (world) to predict and score on')
    .option('--variants <list>', "Step 3 variants (release, kmeans, kmeans++, balanced, overcluster, each with ':key=value,...' settings; ';'-separated then), 'kmeans-features' for the k-means baseline, or a JSON file", 'release,kmeans,balanced,overcluster')
    .option('--backbones <list>', "backbones ('builtin', 'rgb', stored model names), comma-separated", 'builtin')
    .option('--seeds <list>', 'training seeds, comma-separated', '2,3,4')
    .option('--preset <p>', TRAIN_PRESETS.join(' | '), 'fast')
    .option('--clusters <K>', 'clusters', '27')
    .option('--head <h>', 'mlp | tr: the head of the CAUSE variants', 'mlp')
    .option('--overrides <json>', 'train-config overrides for every CAUSE cell, e.g. {"step2":{"epochs":10}}')
    .option('--refine <list>', "how each trained cell's predictions are post-processed before scoring, one row per mode: none | crf (the release's dense CRF), e.g. none,crf; each model is trained once", 'none')
    .option('--name <name>', 'study name (default: derived from the arguments, so the same command continues the same study)')
    .option('--out <dir>', 'also write study.json, study.md and chart.png here')
    .action(async (o: StudyOptions) => {
      if (!o.dataset || !o.evalDataset) throw new StudioError('bad_request', 'study: --dataset and --eval-dataset are required');
      if (!(TRAIN_PRESETS as readonly string[]).includes(o.preset)) throw new StudioError('bad_request', `--preset ${o.preset}: expected one of ${TRAIN_PRESETS.join(', ')}`);
      if (o.head !== 'mlp' && o.head !== 'tr') throw new StudioError('bad_request', `--head ${o.head}: expected mlp or tr`);
      const seeds = list('--seeds', o.seeds).map((s) => {
        const n = Number(s);
        if (!Number.isInteger(n) || n < 0) throw new StudioError('bad_request', `--seeds: '${s}' is not a non-negative integer`);
        return n;
      });
      const clusters = Number(o.clusters);
      if (!Number.isInteger(clusters) || clusters < 2) throw new StudioError('bad_request', `--clusters ${o.clusters}: expected an integer ≥ 2`);
      let overrides: Record<string, unknown> = {};
      if (o.overrides) {
        try {
          overrides = JSON.parse(o.overrides) as Record<string, unknown>;
        } catch (e) {
          throw new StudioError('bad_request', `--overrides: not JSON (${(e as Error).message})`);
        }
      }
      const refine = parseRefineModes(o.refine);
      const variants = parseVariants(o.variants.endsWith('.json') ? path.resolve(o.variants) : o.variants, o.head === 'tr' ? 'cause-tr' : 'cause-mlp');
      await rt.withEngine({ runJobs: true }, async (engine) => {
        const plan = {
          trainDatasetId: await resolveDataset(engine, o.dataset!),
          evalDatasetId: await resolveDataset(engine, o.evalDataset!),
          variants,
          backbones: list('--backbones', o.backbones),
          seeds,
          preset: o.preset as TrainPreset,
          clusters,
          overrides,
          // Only a non-default list is passed on, so a plain study's plan is the one it always was.
          ...(refine.length === 1 && refine[0] === 'none' ? {} : { refine }),
        };
        const name = o.name ?? planName(plan);
        const say = (s: string) => {
          if (!rt.json) process.stderr.write(`» ${s}\n`);
        };
        say(`study ${name}: ${variants.length} variants × ${plan.backbones.length} backbones × ${seeds.length} seeds${plan.refine ? ` × refine ${plan.refine.join(',')}` : ''}`);
        const result = await runStudy(engine, {
          ...plan,
          name,
          ...(o.out ? { outDir: path.resolve(o.out) } : {}),
          log: say,
          waitJob: (id, label) => rt.runJob(engine, id, label),
        });
        rt.print(result, () => formatStudy(result, o.out ? path.resolve(o.out) : studyDir(engine.workspace.root, name)));
      });
    });

  study
    .command('list')
    .description('studies stored in the workspace')
    .action(async () => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const all = await engine.call('studies.list', {});
        rt.print(all, () => table(['name', 'train', 'eval', 'variants', 'backbones', 'seeds', 'cells', 'pending', 'updated'], all.map((s) => [s.name, s.trainDatasetName, s.evalDatasetName, s.variants, s.backbones.join(','), s.seeds.join(','), s.cells, s.pending, s.updatedAt])));
      });
    });

  study
    .command('show <name>')
    .description("a stored study's table")
    .action(async (name: string) => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const s = await engine.call('studies.get', { name });
        rt.print(s, () => formatStudy(s, studyDir(engine.workspace.root, name)));
      });
    });
}
