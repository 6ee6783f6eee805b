// `cause-studio map create|list|show|export|import`: versioned cluster→class mappings per experiment.
import path from 'node:path';
import type { Command } from 'commander';
import { StudioError } from '../../../shared/contract/errors.js';
import type { MappingDetail, MappingSummary } from '../../../shared/contract/evaluation.js';
import { table, type CliRuntime } from '../runtime.js';
import { ensureHistogram } from './eval.js';
import { resolveDataset, resolveExperiment } from '../resolve.js';

function summaryRow(m: MappingSummary): (string | number)[] {
  return [m.id, m.version, m.method, m.protocolId, m.clusters, m.createdAt.replace('T', ' ').slice(0, 19), m.name];
}

function formatDetail(m: MappingDetail): string {
  const lines = [`${m.id}  v${m.version}  ${m.method}  ${m.protocolId}  ${m.clusters} clusters  ${m.name}`, ''];
  lines.push(table(['cluster', 'class'], m.document.clusters.map((c, k) => [k, c])));
  return lines.join('\n');
}

export function register(program: Command, rt: CliRuntime): void {
  const map = program.command('map').description('cluster → class mappings (versioned per experiment)');

  map
    .command('create')
    .description('compute a Hungarian (one-to-one) or majority (many-to-one) mapping from the evaluation histogram and store it')
    .requiredOption('--experiment <id>', 'experiment id')
    .option('--method <m>', 'hungarian | majority', 'hungarian')
    .option('--histogram <id>', 'a stored histogram (default: computed or reused from --dataset/--protocol/--geometry)')
    .option('--dataset <id>', 'evaluation dataset (default: the experiment’s own)')
    .option('--protocol <id|file.json>', 'label protocol', 'cityscapes-27')
    .option('--geometry <g>', 'reference | full', 'reference')
    .option('--name <name>', 'mapping name')
    .action(
      async (o: { experiment: string; method: string; histogram?: string; dataset?: string; protocol: string; geometry: string; name?: string }) => {
        if (o.method !== 'hungarian' && o.method !== 'majority') {
          throw new StudioError('bad_request', `--method must be hungarian or majority (got '${o.method}'); edit mappings by hand with export/import`);
        }
        if (o.geometry !== 'reference' && o.geometry !== 'full') throw new StudioError('bad_request', `--geometry must be reference or full`);
        await rt.withEngine({ runJobs: true }, async (engine) => {
          const histogramId =
            o.histogram ??
            (await ensureHistogram(rt, engine, {
              experimentId: await resolveExperiment(engine, o.experiment),
              ...(o.dataset ? { datasetId: await resolveDataset(engine, o.dataset) } : {}),
              protocol: o.protocol,
              geometry: o.geometry as 'reference' | 'full',
            }));
          if (!histogramId) throw new StudioError('invalid_input', 'the dataset has no ground truth: a Hungarian or majority mapping needs one (edit a mapping by hand and import it instead)');
          const m = await engine.call('mappings.propose', {
            histogramId,
            method: o.method as 'hungarian' | 'majority',
            ...(o.name ? { name: o.name } : {}),
          });
          rt.print(m, () => `${formatDetail(m)}\n\nstored as ${m.id} (version ${m.version})`);
        });
      },
    );

  map
    .command('list')
    .description('list the mappings of an experiment')
    .requiredOption('--experiment <id>', 'experiment id')
    .action(async (o: { experiment: string }) => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const list = await engine.call('mappings.list', { experimentId: await resolveExperiment(engine, o.experiment) });
        rt.print(list, () =>
          list.length ? table(['id', 'version', 'method', 'protocol', 'K', 'created', 'name'], list.map(summaryRow)) : 'no mappings',
        );
      });
    });

  map
    .command('show <id>')
    .description('show one mapping, cluster by cluster')
    .action(async (id: string) => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const m = await engine.call('mappings.get', { id });
        rt.print(m, () => formatDetail(m));
      });
    });

  map
    .command('export <id>')
    .description('write a mapping as JSON (schemaVersion 1; edit it and import it back)')
    .requiredOption('--out <file.json>', 'output file')
    .option('--force', 'overwrite an existing file')
    .action(async (id: string, o: { out: string; force?: boolean }) => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const r = await engine.call('mappings.export', { id, path: path.resolve(o.out), force: o.force === true });
        rt.print(r, () => `wrote ${r.path}`);
      });
    });

  map
    .command('import <file>')
    .description('validate a mapping JSON file and store it as the experiment’s next version')
    .requiredOption('--experiment <id>', 'experiment id')
    .action(async (file: string, o: { experiment: string }) => {
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const m = await engine.call('mappings.import', { experimentId: await resolveExperiment(engine, o.experiment), path: path.resolve(file) });
        rt.print(m, () => `stored ${m.id} (version ${m.version}, ${m.method}, ${m.clusters} clusters)`);
      });
    });
}
