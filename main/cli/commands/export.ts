// `cause-studio export video ...`
import path from 'node:path';
import type { Command } from 'commander';
import type { ExportRecord } from '../../../shared/contract/exports.js';
import type { CliRuntime } from '../runtime.js';
import { registerExportLabels } from './eval.js';
import { ensurePredictions } from '../deps.js';
import { resolveExperiment, resolveSequence } from '../resolve.js';

export function register(program: Command, rt: CliRuntime): void {
  const exp = program.command('export').description('segmentation videos and pseudo-labels');
  exp
    .command('video')
    .description("render a sequence's segmentation to an MP4 (H.264, yuv420p)")
    .requiredOption('--experiment <id>', 'experiment whose predictions to show')
    .requiredOption('--sequence <id>', 'sequence to render')
    .option('--mode <mode>', 'overlay | side-by-side | labels', 'overlay')
    .option('--colors <c>', 'classes (mapped, official palette) | clusters', 'classes')
    .option('--mapping <m>', 'hungarian | majority | <mapping-id> | <file.json> (default: newest saved, else hungarian)')
    .option('--fps <n>', 'frames per second', '10')
    .option('--width <px>', 'panel width (height keeps the aspect ratio)')
    .option('--opacity <x>', 'overlay opacity 0..1', '0.55')
    .option('--out <file.mp4>', 'output file (default: <workspace>/exports/…)')
    .option('--no-captions', 'no burned-in title, frame index or legend')
    .option('--force', 'overwrite an existing file')
    .option('--no-deps', 'fail when the experiment has no predictions for the sequence instead of predicting first')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      await rt.withEngine({ runJobs: true }, async (engine) => {
        const experimentId = await resolveExperiment(engine, String(o.experiment));
        const sequence = await resolveSequence(engine, String(o.sequence), experimentId);
        if (o.deps !== false) await ensurePredictions(rt, engine, { experimentId, datasetId: sequence.datasetId, neededBy: 'export video' });
        const { jobId } = await engine.call('exports.video', {
          experimentId,
          sequenceId: sequence.id,
          mode: o.mode as 'overlay',
          colors: o.colors as 'classes',
          ...(o.mapping ? { mapping: String(o.mapping) } : {}),
          fps: Number(o.fps),
          ...(o.width ? { width: Number(o.width) } : {}),
          opacity: Number(o.opacity),
          ...(o.out ? { out: path.resolve(String(o.out)) } : {}),
          captions: o.captions !== false,
          force: o.force === true,
        });
        await rt.runJob(engine, jobId, 'export video');
        const rec = (await engine.call('jobs.get', { id: jobId })).result as ExportRecord;
        rt.print(rec, () => `${rec.path}  (${(rec.bytes / 1e6).toFixed(1)} MB, ${String(rec.summary.frames)} frames)`);
      });
    });
  registerExportLabels(exp, rt);
}
