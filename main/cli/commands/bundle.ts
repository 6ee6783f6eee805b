// `cause-studio bundle export|import`: reproducible experiment bundles.
import path from 'node:path';
import type { Command } from 'commander';
import type { CliRuntime } from '../runtime.js';
import { resolveExperiment } from '../resolve.js';

export function register(program: Command, rt: CliRuntime): void {
  const bundle = program.command('bundle').description('reproducible experiment bundles (config, weights, mapping, metrics, hashes)');

  bundle
    .command('export')
    .description('write one archive with everything needed to reproduce the experiment’s predictions')
    .requiredOption('--experiment <id>', 'a trained experiment')
    .requiredOption('--out <file.tar>', 'output archive')
    .option('--force', 'overwrite an existing file')
    .action(async (o: { experiment: string; out: string; force?: boolean }) => {
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const r = await engine.call('bundles.export', { experimentId: await resolveExperiment(engine, o.experiment), out: path.resolve(o.out), force: o.force === true });
        rt.print(r, () => `${r.path}  (${(r.bytes / 1e6).toFixed(2)} MB: ${r.files.join(', ')})`);
      });
    });

  bundle
    .command('import <file>')
    .description('register a bundled experiment here; then `cause-studio predict --experiment <new id>` reproduces its predictions')
    .option('--dataset <id|name>', 'dataset to attach it to (default: the bundle’s dataset name)')
    .option('--name <name>', 'experiment name')
    .action(async (file: string, o: { dataset?: string; name?: string }) => {
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const r = await engine.call('bundles.import', {
          path: path.resolve(file),
          ...(o.dataset ? { datasetId: o.dataset } : {}),
          ...(o.name ? { name: o.name } : {}),
        });
        rt.print(r, () => `imported as experiment ${r.experimentId} on dataset ${r.datasetId}${r.mappingId ? ` with mapping ${r.mappingId}` : ''}`);
      });
    });
}
