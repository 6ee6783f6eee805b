// `cause-studio import <path>` and `cause-studio datasets list|show|remove`.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { DatasetDetail, DatasetSummary, ImportFormat } from '../../../shared/contract/datasets.js';
import { IMPORT_FORMATS } from '../../../shared/contract/datasets.js';
import { table, type CliRuntime } from '../runtime.js';
import { resolveDataset } from '../resolve.js';

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`'${v}' is not a positive number`);
  return n;
}

function positiveInt(v: string): number {
  const n = positiveNumber(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`'${v}' is not a whole number`);
  return n;
}

type LabelCheck = 'sample' | 'all' | 'none';
function labelCheck(v: string): LabelCheck {
  if (v !== 'sample' && v !== 'all' && v !== 'none') throw new InvalidArgumentError(`'${v}' is not one of sample, all, none`);
  return v;
}

function format(v: string): ImportFormat {
  if (!(IMPORT_FORMATS as readonly string[]).includes(v)) {
    throw new InvalidArgumentError(`'${v}' is not one of ${IMPORT_FORMATS.join(', ')}`);
  }
  return v as ImportFormat;
}

function reportText(d: DatasetDetail, maxIssues: number): string {
  const r = d.report;
  const lines = [
    `${d.id}  ${d.name}  (${d.format})`,
    `root        ${d.root}`,
    `source      ${d.sourcePath}`,
    `protocol    ${d.protocolId ?? '(no labels)'}`,
    `frames      ${d.frameCount} (${d.labelledCount} labelled) in ${d.sequenceCount} sequences; ${r.droppedFrames} dropped of ${r.scannedImages} found`,
    ...((d.options.videos as { file: string; fps: string; frames: number }[] | undefined) ?? []).map(
      (v) => `video       ${v.file}: ${v.frames} frames at ${v.fps} fps`,
    ),
    '',
    table(
      ['split', 'frames', 'labelled', 'sequences'],
      Object.entries(r.perSplit).map(([s, v]) => [s, v.frames, v.labelled, v.sequences]),
    ),
  ];
  const counts = Object.entries(r.counts);
  if (counts.length > 0) {
    lines.push('', `issues: ${counts.map(([k, n]) => `${n} ${k.replace(/_/g, ' ')}`).join(', ')}`);
    for (const i of r.issues.slice(0, maxIssues)) lines.push(`  ${i.dropped ? 'dropped' : 'kept   '}  ${i.message}`);
    const more = r.issues.length - Math.min(maxIssues, r.issues.length) + r.issuesTruncated;
    if (more > 0) lines.push(`  … ${more} more (--json for all stored issues)`);
  } else lines.push('', 'no issues');
  if (r.notes.length) lines.push('', ...r.notes.map((n) => `note: ${n}`));
  return lines.join('\n');
}

export function register(program: Command, rt: CliRuntime): void {
  program
    .command('import <path>')
    .description('register a dataset where it lies (Cityscapes, BDD100K, an image folder, or a video) and check it')
    .option('--format <format>', `one of ${IMPORT_FORMATS.join(', ')}`, format, 'auto' as ImportFormat)
    .option('--name <name>', 'dataset name (default: the folder or video name)')
    .option('--split <split>', 'folders and videos: the split to file frames under (default: train, or train/val/test folder names); Cityscapes and BDD100K: import only this split')
    .option('--fps <fps>', 'video: frames per second to keep (default: the source rate)', positiveNumber)
    .option('--width <px>', 'video: frame width in the cache (height keeps the aspect)', positiveInt)
    .option('--height <px>', 'video: frame height in the cache', positiveInt)
    .option('--max-frames <n>', 'video: stop after this many frames', positiveInt)
    .option('--protocol <protocol>', 'label protocol id (cityscapes-34|19|27|7, bdd100k-19) or a custom protocol JSON file')
    .option('--labels <dir>', 'folder: where the label maps are')
    .option('--check-labels <mode>', 'decode label maps to check their values: sample, all, none', labelCheck, 'sample' as LabelCheck)
    .action(
      async (
        p: string,
        o: {
          format: ImportFormat;
          name?: string;
          split?: string;
          fps?: number;
          width?: number;
          height?: number;
          maxFrames?: number;
          protocol?: string;
          labels?: string;
          checkLabels: LabelCheck;
        },
      ) => {
        await rt.withEngine({ runJobs: true }, async (engine) => {
          const { jobId, datasetId } = await engine.call('datasets.import', {
            path: p,
            format: o.format,
            ...(o.name !== undefined ? { name: o.name } : {}),
            ...(o.split !== undefined ? { split: o.split } : {}),
            ...(o.fps !== undefined ? { fps: o.fps } : {}),
            ...(o.width !== undefined ? { width: o.width } : {}),
            ...(o.height !== undefined ? { height: o.height } : {}),
            ...(o.maxFrames !== undefined ? { maxFrames: o.maxFrames } : {}),
            ...(o.protocol !== undefined ? { protocol: o.protocol } : {}),
            ...(o.labels !== undefined ? { labels: o.labels } : {}),
            labelCheck: o.checkLabels,
          });
          await rt.runJob(engine, jobId, 'import');
          const d = await engine.call('datasets.get', { id: datasetId });
          rt.print(d, () => reportText(d, 20));
        });
      },
    );

  const datasets = program.command('datasets').description('registered datasets');

  datasets
    .command('list')
    .description('list datasets')
    .action(async () => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const list = await engine.call('datasets.list', {});
        rt.print(list, () =>
          list.length
            ? table(
                ['id', 'name', 'format', 'frames', 'labelled', 'sequences', 'splits', 'protocol'],
                list.map((d: DatasetSummary) => [d.id, d.name, d.format, d.frameCount, d.labelledCount, d.sequenceCount, d.splits.join(','), d.protocolId ?? '']),
              )
            : 'no datasets (add one with: cause-studio import <path>)',
        );
      });
    });

  datasets
    .command('show <dataset>')
    .description('show a dataset and its preflight report')
    .option('--issues <n>', 'how many issues to print', positiveInt, 20)
    .action(async (ref: string, o: { issues: number }) => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const d = await engine.call('datasets.get', { id: await resolveDataset(engine, ref) });
        rt.print(d, () => reportText(d, o.issues));
      });
    });

  datasets
    .command('sequences <dataset>')
    .description("list a dataset's sequences (the ids `export video --sequence` takes)")
    .option('--split <s>', 'only this split')
    .action(async (ref: string, o: { split?: string }) => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const id = await resolveDataset(engine, ref);
        const list = await engine.call('datasets.sequences', { id, ...(o.split ? { split: o.split } : {}) });
        rt.print(list, () =>
          list.length
            ? table(['id', 'name', 'split', 'frames', 'labelled'], list.map((q) => [q.id, q.name, q.split, q.frameCount, q.labelledCount]))
            : `dataset ${id} has no sequences${o.split ? ` in split ${o.split}` : ''}`,
        );
      });
    });

  datasets
    .command('remove <dataset>')
    .description('forget a dataset and delete its caches; the original files are never touched')
    .action(async (ref: string) => {
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const id = await resolveDataset(engine, ref);
        const r = await engine.call('datasets.remove', { id });
        rt.print(r, () => `removed ${id} (original files left in place)`);
      });
    });
}
