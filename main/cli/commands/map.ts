// `cause-studio map create|list|show|export|import|set|merge|suggest|accept|reject`: versioned cluster→class
// mappings per experiment, with or without ground truth.
import path from 'node:path';
import type { Command } from 'commander';
import { StudioError } from '../../../shared/contract/errors.js';
import type { MappingDetail, MappingSummary } from '../../../shared/contract/evaluation.js';
import type { MappingSuggestionSet } from '../../../shared/contract/mapping.js';
import type { EngineLink as Engine } from '../runtime.js';
import { ensurePredictions } from '../deps.js';
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

/** Clusters grouped by class, classes in protocol order, ignored clusters last. */
export function formatByClass(m: MappingDetail): string {
  const groups = new Map<string, number[]>();
  for (const name of [...m.document.classNames, 'ignore']) groups.set(name, []);
  m.document.clusters.forEach((c, k) => groups.get(c)?.push(k));
  return table(
    ['class', 'clusters'],
    [...groups].filter(([, ks]) => ks.length > 0).map(([name, ks]) => [name, ks.join(' ')]),
  );
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
    .command('list [experiment]')
    .description('list the mapping versions of an experiment, then its newest mapping class by class')
    .option('--experiment <id>', 'experiment id (or give it as the argument)')
    .action(async (positional: string | undefined, o: { experiment?: string }) => {
      const which = positional ?? o.experiment;
      if (!which) throw new StudioError('bad_request', 'name the experiment: `map list <experiment>`');
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const list = await engine.call('mappings.list', { experimentId: await resolveExperiment(engine, which) });
        const newest = list[0] ? await engine.call('mappings.get', { id: list[0].id }) : null;
        rt.print(list, () =>
          list.length
            ? `${table(['id', 'version', 'method', 'protocol', 'K', 'created', 'name'], list.map(summaryRow))}\n\ncurrent (v${newest!.version}):\n${formatByClass(newest!)}`
            : 'no mappings',
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

  registerEdits(map, rt);
}

function clusterIds(args: readonly string[]): number[] {
  const out = args.map((a) => Number(a));
  const bad = args.find((a, i) => !Number.isInteger(out[i]) || out[i]! < 0);
  if (bad !== undefined) throw new StudioError('bad_request', `'${bad}' is not a cluster id (a whole number ≥ 0)`);
  return out;
}

interface EditOptions {
  newClass?: boolean;
  color?: string;
  protocol?: string;
}

function editArgs(o: EditOptions) {
  return {
    ...(o.newClass || o.color ? { newClass: o.color ? { color: o.color } : {} } : {}),
    ...(o.protocol ? { protocol: o.protocol } : {}),
  };
}

/** `map set|merge|suggest|accept|reject`: mapping without ground truth, one saved version per command. */
function registerEdits(map: Command, rt: CliRuntime): void {
  const done = (m: MappingDetail) => `saved ${m.id} (version ${m.version}, ${m.protocolId})\n\n${formatByClass(m)}`;
  map
    .command('set <experiment> <args...>')
    .description('send clusters to a class: `map set <exp> <cluster...> <class>` (class "ignore" = no class); saves the next version')
    .option('--new-class', 'add the class when the protocol lacks it (creates a custom protocol kept in the workspace)')
    .option('--color <#rrggbb>', 'colour of a new class (default: one far from the others)')
    .option('--protocol <id>', 'protocol of the mapping (default: the current mapping’s, else the dataset’s, else cityscapes-27)')
    .action(async (experiment: string, args: string[], o: EditOptions) => {
      if (args.length < 2) throw new StudioError('bad_request', 'give at least one cluster and a class: `map set <exp> <cluster...> <class>`');
      const clusters = clusterIds(args.slice(0, -1));
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const m = await engine.call('mappings.edit', {
          experimentId: await resolveExperiment(engine, experiment),
          clusters,
          className: args[args.length - 1]!,
          mode: 'set',
          ...editArgs(o),
        });
        rt.print(m, () => done(m));
      });
    });

  map
    .command('merge <experiment> <clusters...>')
    .description('send several clusters to one class: --into <class>, else the class of the first listed cluster that has one')
    .option('--into <class>', 'the class they all take')
    .option('--new-class', 'add the --into class when the protocol lacks it')
    .option('--color <#rrggbb>', 'colour of a new class')
    .option('--protocol <id>', 'protocol of the mapping')
    .action(async (experiment: string, args: string[], o: EditOptions & { into?: string }) => {
      const clusters = clusterIds(args);
      if (clusters.length < 2 && o.into === undefined) throw new StudioError('bad_request', 'merge needs two clusters or more (or --into <class>)');
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const m = await engine.call('mappings.edit', {
          experimentId: await resolveExperiment(engine, experiment),
          clusters,
          ...(o.into !== undefined ? { className: o.into } : {}),
          mode: 'merge',
          ...editArgs(o),
        });
        rt.print(m, () => done(m));
      });
    });

  map
    .command('undo <experiment>')
    .description('save the version the newest one was edited from as the next version (repeat to step further back)')
    .action(async (experiment: string) => {
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const experimentId = await resolveExperiment(engine, experiment);
        const newest = (await engine.call('mappings.list', { experimentId }))[0];
        if (!newest) throw new StudioError('not_found', `experiment ${experimentId} has no saved mapping to undo`);
        if (newest.parentId === null) throw new StudioError('conflict', `nothing to undo: version ${newest.version} (${newest.id}) was not edited from an earlier version`);
        const before = await engine.call('mappings.get', { id: newest.parentId });
        // The restored copy's parent is the restored version's parent, so the next undo steps back again.
        const m = await engine.call('mappings.save', {
          experimentId,
          document: before.document,
          ...(before.parentId ? { parentId: before.parentId } : {}),
        });
        rt.print(m, () => `undid version ${newest.version}: version ${before.version} restored as ${done(m)}`);
      });
    });

  map
    .command('suggest')
    .description('suggest a mapping for run B from a saved mapping of run A, by matching their concepts on the same frames')
    .requiredOption('--from <experiment|mapping>', 'run A (its newest saved mapping) or a mapping id')
    .requiredOption('--to <experiment>', 'run B, the one to map')
    .option('--dataset <id>', 'frames to match on (default: run B’s dataset; A is predicted there first if need be)')
    .action(async (o: { from: string; to: string; dataset?: string }) => {
      await rt.withEngine({ runJobs: true }, async (engine) => {
        const to = await resolveExperiment(engine, o.to);
        const source = await sourceMapping(engine, o.from);
        const b = await engine.call('experiments.get', { id: to });
        const datasetId = o.dataset ? await resolveDataset(engine, o.dataset) : b.datasetId;
        await ensurePredictions(rt, engine, { experimentId: source.experimentId, datasetId });
        await ensurePredictions(rt, engine, { experimentId: to, datasetId });
        const { jobId } = await engine.call('eval.compare', { experimentA: source.experimentId, experimentB: to, datasetId });
        await rt.runJob(engine, jobId, 'matching concepts');
        const set = await engine.call('mappings.suggest', { experimentId: to, fromMappingId: source.id, comparisonJobId: jobId });
        rt.print(set, () => `${formatSuggestions(set)}\n\n${set.id}: accept with \`map accept ${to} [cluster...]\`, reject with \`map reject ${to} <cluster...>\``);
      });
    });

  for (const decision of ['accept', 'reject'] as const) {
    map
      .command(`${decision} <experiment> [clusters...]`)
      .description(
        decision === 'accept'
          ? 'accept suggestions (all pending ones without clusters) and save them as the next mapping version'
          : 'reject suggestions for these clusters (all pending ones without clusters)',
      )
      .action(async (experiment: string, args: string[]) => {
        await rt.withEngine({ runJobs: false }, async (engine) => {
          const experimentId = await resolveExperiment(engine, experiment);
          const set = await engine.call('mappings.suggestions', { experimentId });
          if (!set) throw new StudioError('not_found', `experiment ${experimentId} has no suggestions: run \`map suggest --from <A> --to ${experimentId}\` first`);
          const r = await engine.call('mappings.decide', {
            suggestionSetId: set.id,
            decision,
            ...(args.length > 0 ? { clusters: clusterIds(args) } : {}),
          });
          rt.print(r, () => `${formatSuggestions(r.set)}${r.mapping ? `\n\n${done(r.mapping)}` : ''}`);
        });
      });
  }
}

async function sourceMapping(engine: Engine, ref: string): Promise<MappingDetail> {
  if (ref.startsWith('map-')) return engine.call('mappings.get', { id: ref });
  const experimentId = await resolveExperiment(engine, ref);
  const newest = (await engine.call('mappings.list', { experimentId }))[0];
  if (!newest) throw new StudioError('not_found', `experiment ${experimentId} has no saved mapping to carry (map it first: \`map set\`)`);
  return engine.call('mappings.get', { id: newest.id });
}

export function formatSuggestions(set: MappingSuggestionSet): string {
  const head = `suggestions for ${set.experimentId} from ${set.fromExperimentId} (${set.fromMappingId}, ${set.protocolId})`;
  const rows = set.suggestions.map((s) => [s.cluster, s.className, `${(s.strength * 100).toFixed(0)} %`, s.fromCluster, s.iou.toFixed(2), s.status]);
  return `${head}\n${table(['cluster', 'class', 'strength', 'from', 'IoU', 'status'], rows)}`;
}
