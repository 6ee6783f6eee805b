// `cause-studio features --dataset D --backbone B [--size WxH] [--crops none|five] [--provider P]`
// extracts (or reuses) the feature cache; `features list` / `features remove` manage feature sets.
import type { Command } from 'commander';
import { StudioError } from '../../../shared/contract/errors.js';
import type { FeatureSetSummary } from '../../../shared/contract/backbones.js';
import { table, type CliRuntime } from '../runtime.js';
import { resolveDataset } from '../resolve.js';

function parseSize(s: string): { width: number; height: number } {
  const m = /^(\d+)(?:x(\d+))?$/i.exec(s.trim());
  if (!m) throw new StudioError('bad_request', `--size ${s}: expected WxH (e.g. 320x320) or one number`);
  const width = Number(m[1]);
  return { width, height: m[2] ? Number(m[2]) : width };
}

const summary = (f: FeatureSetSummary) =>
  `${f.id}: ${f.backbone} on ${f.datasetId}, ${f.preprocessing.width}x${f.preprocessing.height}` +
  `${f.preprocessing.crops === 'five' ? ' five-crop' : ''}, grid ${f.grid.h}x${f.grid.w}x${f.dim}, ${f.frameCount} frames, ` +
  `${f.itemCount} items, provider ${f.provider}`;

type ExtractOptions = {
  dataset?: string;
  backbone: string;
  size?: string;
  crops: string;
  provider: string;
  threads?: string;
  batch?: string;
  wait: boolean;
};

async function extract(rt: CliRuntime, o: ExtractOptions): Promise<void> {
  if (!o.dataset)
    throw new StudioError('bad_request', 'features: --dataset is required (or use `features list`)');
  await rt.withEngine({ runJobs: o.wait, background: !o.wait }, async (engine) => {
    const datasetId = await resolveDataset(engine, o.dataset!);
    const size = o.size ? parseSize(o.size) : undefined;
    const job = (await engine.callUnchecked('features.extract', {
      datasetId,
      backbone: o.backbone,
      ...(size ? size : {}),
      crops: o.crops,
      provider: o.provider,
      ...(o.threads ? { threads: Number(o.threads) } : {}),
      ...(o.batch ? { batchSize: Number(o.batch) } : {}),
    })) as { id: string };
    if (!o.wait) return rt.print({ jobId: job.id }, () => job.id);
    await rt.runJob(engine, job.id, 'features');
    const detail = await engine.call('jobs.get', { id: job.id });
    const result = detail.result as {
      featureSetId: string;
      computed: number;
      reused: number;
      corruptShards: number;
    };
    const set = await engine.call('features.get', { id: result.featureSetId });
    rt.print(
      { ...set, computed: result.computed, reused: result.reused, corruptShards: result.corruptShards },
      () =>
        `${summary(set)}\ncomputed ${result.computed}, reused ${result.reused} from the cache` +
        (result.corruptShards ? `, ${result.corruptShards} damaged shard(s) recomputed` : ''),
    );
  });
}

export function register(program: Command, rt: CliRuntime): void {
  const features = program
    .command('features')
    .description(
      'extract backbone features for a dataset into the cache (reused by every experiment on the same key)',
    )
    .option('--dataset <id>', 'dataset id or name')
    .option('--backbone <id>', "'builtin', 'rgb', or a stored model name", 'builtin')
    .option('--size <WxH>', "network input size (default: the backbone's reference size, 320 or 322)")
    .option('--crops <mode>', 'none | five (the reference train preset)', 'none')
    .option('--provider <p>', 'auto | cpu | cuda | dml | coreml (naming one forces it)', 'auto')
    .option('--threads <n>', 'CPU threads for inference')
    .option('--batch <n>', 'frames per inference batch')
    .option('--no-wait', 'queue the job and return at once (it runs in `serve`, the app, or a background engine)')
    .action((o: ExtractOptions) => extract(rt, o));
  // `features extract --dataset D ...` reads the same options (they belong to `features`).
  features
    .command('extract')
    .description('the same as `features --dataset D ...`')
    .action(() => extract(rt, features.opts<ExtractOptions>()));

  features
    .command('list')
    .description('list feature sets')
    .option('--dataset <id>', 'only this dataset (id or name)')
    .action(async (o: { dataset?: string }) => {
      // `--dataset` after `list` is parsed by `features` itself, which has an option of that name.
      const dataset = o.dataset ?? features.opts<ExtractOptions>().dataset;
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const list = await engine.call('features.list', dataset ? { datasetId: await resolveDataset(engine, dataset) } : {});
        rt.print(list, () =>
          list.length
            ? table(
                ['id', 'dataset', 'backbone', 'size', 'crops', 'grid', 'frames', 'provider'],
                list.map((f) => [
                  f.id,
                  f.datasetId.slice(0, 8),
                  f.backbone,
                  `${f.preprocessing.width}x${f.preprocessing.height}`,
                  f.preprocessing.crops,
                  `${f.grid.h}x${f.grid.w}x${f.dim}`,
                  f.frameCount,
                  f.provider,
                ]),
              )
            : 'no feature sets',
        );
      });
    });

  features
    .command('remove <id>')
    .description('remove a feature set (and its cache when no other dataset uses it)')
    .action(async (id: string) => {
      await rt.withEngine({ runJobs: false }, async (engine) => {
        rt.print(await engine.call('features.remove', { id }), () => `removed ${id}`);
      });
    });
}
