// Issue 18's gates, measured: per-frame vs temporal prediction of the same experiments on the held-out
// SynthDrive val worlds — present-class mIoU, ground-truth temporal inconsistency (along the exported
// motion) and label-free static-region flicker, mean ± sd over the seeds.
//
// Run: npx tsx scripts/temporal-quality.ts --workspace DIR [--modes none,features,flow] [--experiments a,b,c]
// DIR holds a finished `cause-studio --json demo > DIR/demo.json` (its cause-mlp runs are used unless
// --experiments names others). The demo's seeds are outside every preset's tuning list.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { formatMeanSd, meanSd } from '../main/cli/demo-plan.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ws = arg('workspace');
if (!ws) throw new Error('--workspace DIR is required (a workspace with a finished demo and DIR/demo.json)');
const summary = JSON.parse(fs.readFileSync(path.join(ws, 'demo.json'), 'utf8')) as {
  val: { datasetId: string };
  rows: { method: string; backbone: string; runs: { experimentId: string; seed: number }[] }[];
};
const experiments = arg('experiments')?.split(',') ?? summary.rows.filter((r) => r.method === 'cause-mlp').flatMap((r) => r.runs.map((x) => x.experimentId));
const modes = (arg('modes') ?? 'none,features,flow').split(',');

function cli(args: string[]): unknown {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'cause-studio.js'), '--workspace', ws!, '--json', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`cause-studio ${args.join(' ')} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout);
}

interface Row {
  miouPresent: number | null;
  inconsistency: number | null;
  flickerStatic: number | null;
}
const results = new Map<string, Row[]>(modes.map((m) => [m, []]));
for (const id of experiments) {
  for (const mode of modes) {
    cli(['predict', '--experiment', id, '--dataset', summary.val.datasetId, '--temporal', mode]);
    const ev = cli(['eval', '--experiment', id, '--dataset', summary.val.datasetId, '--worst', '0']) as {
      miouPresent: number | null;
      labelFree: { flickerStatic: number | null; temporalConsistency?: { inconsistency: number | null } | null } | null;
    };
    const row = { miouPresent: ev.miouPresent, inconsistency: ev.labelFree?.temporalConsistency?.inconsistency ?? null, flickerStatic: ev.labelFree?.flickerStatic ?? null };
    results.get(mode)!.push(row);
    process.stderr.write(`${id.slice(0, 8)} ${mode.padEnd(9)} mIoU(present) ${pct(row.miouPresent)}  GT inconsistency ${pct(row.inconsistency)}  flickerStatic ${pct(row.flickerStatic)}\n`);
  }
}

function pct(x: number | null): string {
  return x === null ? 'n/a' : (x * 100).toFixed(2);
}
const base = results.get('none');
console.log(`\n${experiments.length} experiments on val dataset ${summary.val.datasetId.slice(0, 8)} (mean ± sd, %)`);
console.log('mode       mIoU(present)     GT inconsistency   flickerStatic      Δ mIoU   inconsistency ratio   flicker ratio');
for (const mode of modes) {
  const r = results.get(mode)!;
  const m = meanSd(r.map((x) => x.miouPresent));
  const c = meanSd(r.map((x) => x.inconsistency));
  const f = meanSd(r.map((x) => x.flickerStatic));
  const ratio = (k: keyof Row) => {
    if (!base) return 'n/a';
    const a = meanSd(base.map((x) => x[k])).mean;
    const b = meanSd(r.map((x) => x[k])).mean;
    return a && b !== null ? (b / a).toFixed(3) : 'n/a';
  };
  const dm = base ? ((m.mean ?? 0) - (meanSd(base.map((x) => x.miouPresent)).mean ?? 0)) * 100 : 0;
  console.log(
    `${mode.padEnd(10)} ${formatMeanSd(m).padEnd(17)} ${formatMeanSd(c).padEnd(18)} ${formatMeanSd(f).padEnd(18)} ${dm.toFixed(2).padStart(6)}   ${ratio('inconsistency').padEnd(21)} ${ratio('flickerStatic')}`,
  );
}
console.log(`\nJSON ${JSON.stringify(Object.fromEntries(results))}`);
