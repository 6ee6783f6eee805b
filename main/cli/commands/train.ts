// `cause-studio train --dataset D --backbone B --method cause-mlp|cause-tr|kmeans --clusters K
//  [--preset reference|fast] [--seed S] [--backend B]` trains and prints the experiment id, extracting
// the dataset's features first when none are cached (`--no-deps`: refuse instead);
// `train list` and `train show <id>` inspect experiments.
import type { Command } from 'commander';
import { StudioError } from '../../../shared/contract/errors.js';
import { EXPERIMENT_METHODS, HEAD_VARIANTS, presetConfig, TF_BACKEND_CHOICES, TRAIN_PRESETS } from '../../../shared/contract/experiments.js';
import { parseStep3Spec } from '../../engine/cause/step3/spec.js';
import { table, type CliRuntime } from '../runtime.js';
import { resolveDataset, resolveExperiment } from '../resolve.js';
import { ensureFeatures } from '../deps.js';

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new StudioError('bad_request', `${flag} ${value}: expected one of ${allowed.join(', ')}`);
  return value as T;
}

function int(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new StudioError('bad_request', `${flag} ${value}: expected an integer ≥ ${min}`);
  return n;
}

export function register(program: Command, rt: CliRuntime): void {
  const train = program
    .command('train')
    .description('train CAUSE (or the k-means baseline) on cached features; prints the experiment id')
    .option('--dataset <id>', 'dataset id or name')
    .option('--backbone <id>', "backbone whose cached features to train on ('builtin', 'rgb', a model name)", 'builtin')
    .option('--method <m>', EXPERIMENT_METHODS.join(' | '), 'cause-mlp')
    .option('--clusters <K>', 'number of clusters', '27')
    .option('--preset <p>', TRAIN_PRESETS.join(' | '), 'fast')
    .option('--seed <s>', 'seed (same seed + backend = same result)', '0')
    .option('--backend <b>', TF_BACKEND_CHOICES.join(' | '), 'auto')
    .option('--name <name>', 'experiment name')
    .option('--step3 <spec>', "Step 3 variant: release | kmeans | kmeans++ | balanced | overcluster, with ':key=value,...' settings (e.g. overcluster:merge=modularity)")
    .option('--head <h>', `cause-tr head: ${HEAD_VARIANTS.join(' | ')} (hybrid adds a conv branch over the grid)`)
    .option('--no-wait', 'queue the job and return at once')
    .option('--no-deps', 'fail when the features are not cached instead of extracting them first')
    .action(
      async (o: { dataset?: string; backbone: string; method: string; clusters: string; preset: string; seed: string; backend: string; name?: string; step3?: string; head?: string; wait: boolean; deps: boolean }) => {
        if (!o.dataset) throw new StudioError('bad_request', 'train: --dataset is required');
        const method = oneOf('--method', o.method, EXPERIMENT_METHODS);
        const preset = oneOf('--preset', o.preset, TRAIN_PRESETS);
        const backend = oneOf('--backend', o.backend, TF_BACKEND_CHOICES);
        const clusters = int('--clusters', o.clusters, 2);
        if (clusters > 1024 && !rt.json) {
          process.stderr.write(`note: K = ${clusters}: the player colours clusters up to K = 1024 (ids above read exactly on hover, but share colours)\n`);
        }
        const seed = int('--seed', o.seed, 0);
        let step3: Record<string, unknown> | undefined;
        try {
          step3 = o.step3 ? { ...presetConfig(preset, method, clusters).step3, ...parseStep3Spec(o.step3) } : undefined;
        } catch (e) {
          throw new StudioError('bad_request', `--step3: ${(e as Error).message}`);
        }
        const head = o.head === undefined ? undefined : oneOf('--head', o.head, HEAD_VARIANTS);
        if (head && method !== 'cause-tr') throw new StudioError('bad_request', `train: --head applies to --method cause-tr, not ${method}`);
        await rt.withEngine({ runJobs: o.wait, background: !o.wait }, async (engine) => {
          const datasetId = await resolveDataset(engine, o.dataset!);
          if (o.deps) {
            // --no-wait opened an engine that runs no jobs, so the extraction cannot happen here
            if (o.wait) await ensureFeatures(rt, engine, { datasetId, backbone: o.backbone, singleView: false, neededBy: 'train' });
            else if (!(await engine.call('features.list', { datasetId })).some((f) => f.backbone === o.backbone)) {
              throw new StudioError(
                'not_found',
                `train --no-wait: dataset ${datasetId} has no cached "${o.backbone}" features; run without --no-wait to extract them first, or \`cause-studio features --dataset ${datasetId} --backbone ${o.backbone}\``,
              );
            }
          }
          const r = await engine.call('experiments.create', {
            datasetId,
            backbone: o.backbone,
            method,
            clusters,
            preset,
            seed,
            backend,
            ...(o.name ? { name: o.name } : {}),
            ...(step3 || (head && head !== 'tr') ? { overrides: { ...(step3 ? { step3 } : {}), ...(head && head !== 'tr' ? { head } : {}) } } : {}),
          });
          if (o.wait) await rt.runJob(engine, r.jobId, `train ${method}`);
          const detail = await engine.call('experiments.get', { id: r.experimentId });
          rt.print(detail, () => {
            if (!o.wait) return r.experimentId;
            const s = detail.summary ?? {};
            process.stderr.write(
              `${method} K=${clusters} on ${o.backbone}: backend ${detail.backend ?? '?'}, ${s.steps ?? '-'} steps, ${Number(s.seconds ?? 0).toFixed(1)} s` +
                (s.step3Variant !== undefined ? `; Step 3 ${s.step3Variant}: ${s['step3.clustersUsed'] ?? '?'} clusters used, ${s['step3.deadClusters'] ?? '?'} dead` : '') +
                '\n',
            );
            return r.experimentId;
          });
        });
      },
    );

  train
    .command('list')
    .description('list experiments')
    .option('--dataset <id>', 'only this dataset')
    .action(async (o: { dataset?: string }) => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const list = await engine.call('experiments.list', o.dataset ? { datasetId: await resolveDataset(engine, o.dataset) } : {});
        rt.print(list, () =>
          list.length
            ? table(
                ['id', 'method', 'K', 'backbone', 'preset', 'seed', 'status', 'backend'],
                list.map((e) => [e.id, e.method, e.clusters, e.backbone, e.preset, e.seed, e.status, e.backend ?? '-']),
              )
            : 'no experiments',
        );
      });
    });

  train
    .command('show <id>')
    .description('an experiment: config, status, summary, last value of each metric')
    .action(async (ref: string) => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const id = await resolveExperiment(engine, ref);
        const d = await engine.call('experiments.get', { id });
        const metrics = await engine.call('experiments.metrics', { id });
        const last = Object.fromEntries(metrics.map((m) => [m.name, m.values[m.values.length - 1]]));
        rt.print({ ...d, lastMetrics: last }, () =>
          [
            `${d.id} ${d.name}`,
            `status ${d.status}, backend ${d.backend ?? '-'}, feature set ${d.featureSetId}`,
            `summary ${JSON.stringify(d.summary)}`,
            ...metrics.map((m) => `  ${m.name}: ${m.values.length} points, last ${String(m.values[m.values.length - 1])}`),
          ].join('\n'),
        );
      });
    });
}
