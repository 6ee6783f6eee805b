// `cause-studio compare A B`: which concepts of run A are which of run B (co-occurrence + Hungarian),
// and which split, merged, vanished or appeared.
import type { Command } from 'commander';
import { StudioError } from '../../../shared/contract/errors.js';
import type { RunComparisonReport } from '../../../shared/contract/evaluation.js';
import { table, type CliRuntime } from '../runtime.js';
import { resolveDataset, resolveExperiment } from '../resolve.js';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);

export function formatComparison(r: RunComparisonReport): string {
  const lines = [
    `A ${r.experimentA} (${r.clustersA} clusters)  vs  B ${r.experimentB} (${r.clustersB} clusters)`,
    `dataset ${r.datasetId}, ${r.frames} frames, ${r.pixels} pixels at ${r.geometry} geometry`,
    `agreement under the matching ${pct(r.agreement)}; mean IoU of matched pairs ${pct(r.meanMatchedIou)}; ${r.stable} stable pairs (IoU ≥ 50 %)`,
    '',
    table(
      ['A', 'B', 'IoU %', 'pixels'],
      [...r.matches].sort((x, y) => y.iou - x.iou).map((m) => [m.a, m.b, (m.iou * 100).toFixed(1).padStart(5), m.pixels]),
    ),
    '',
  ];
  const share = (s: readonly number[]) => s.map((v) => `${(v * 100).toFixed(0)}%`).join('/');
  for (const s of r.split) lines.push(`split     A${s.a} → B${s.into.join(', B')} (${share(s.shares)})`);
  for (const m of r.merged) lines.push(`merged    A${m.from.join(' + A')} → B${m.b} (${share(m.shares)})`);
  // One line each: a run with many small noise clusters would otherwise bury the splits and merges.
  if (r.vanished.length) lines.push(`vanished  ${r.vanished.map((v) => `A${v.a} (best B${v.bestB} ${(v.bestIou * 100).toFixed(1)} %)`).join(', ')}`);
  if (r.appeared.length) lines.push(`appeared  ${r.appeared.map((a) => `B${a.b} (best A${a.bestA} ${(a.bestIou * 100).toFixed(1)} %)`).join(', ')}`);
  if (r.split.length + r.merged.length + r.vanished.length + r.appeared.length === 0) lines.push('no concept split, merged, vanished or appeared');
  if (r.unusedA.length || r.unusedB.length) lines.push(`unused    A: ${r.unusedA.join(',') || '—'}  B: ${r.unusedB.join(',') || '—'}`);
  return lines.join('\n');
}

export function register(program: Command, rt: CliRuntime): void {
  program
    .command('compare <experimentA> <experimentB>')
    .description('match the concepts of two runs on the same frames (split / merged / vanished / appeared)')
    .option('--dataset <id>', 'frames to compare on (default: experiment A’s dataset)')
    .option('--split <name>', 'only this split')
    .option('--geometry <g>', 'reference | full', 'reference')
    .action(async (a: string, b: string, o: { dataset?: string; split?: string; geometry: string }) => {
      if (o.geometry !== 'reference' && o.geometry !== 'full') throw new StudioError('bad_request', `--geometry must be reference or full`);
      await rt.withEngine({ runJobs: true }, async (engine) => {
        const { jobId } = await engine.call('eval.compare', {
          experimentA: await resolveExperiment(engine, a),
          experimentB: await resolveExperiment(engine, b),
          ...(o.dataset ? { datasetId: await resolveDataset(engine, o.dataset) } : {}),
          ...(o.split ? { split: o.split } : {}),
          geometry: o.geometry as 'reference' | 'full',
        });
        await rt.runJob(engine, jobId, 'comparing');
        const job = await engine.call('jobs.get', { id: jobId });
        const report = job.result as RunComparisonReport;
        rt.print(report, () => formatComparison(report));
      });
    });
}
