// `npm run chaos -- [--kills N] [--seed S] [--per-round K] [--keep]`: SIGKILLs the engine (`serve` on
// loopback) at seeded random moments of a small workload that uses every job kind, lets jobs resume,
// and checks the results against an uninterrupted run. Stops by itself; the last line is
// `CHAOS {json}` (kills, resumed, identical, mismatched, integrity_failures, seed, ...).
import { runChaos } from './run-chaos.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name}: '${process.argv[i + 1]}' is not a whole number`);
  return v;
}

const kills = option('kills', 10);
const seed = option('seed', Math.floor(Math.random() * 1e6));
const perRound = option('per-round', 6);
if (perRound < 1) throw new Error('--per-round must be at least 1');
const cpu0 = process.cpuUsage();
const summary = await runChaos({ kills, seed, perRound, keep: process.argv.includes('--keep'), log: (l) => process.stderr.write(`${l}\n`) });
const cpu = process.cpuUsage(cpu0);
process.stderr.write(`driver CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (the engines' CPU is not counted here)\n`);
process.stdout.write(`CHAOS ${JSON.stringify(summary)}\n`);
const ok = summary.identical === summary.kills && summary.resumed === summary.kills && summary.mismatched === 0 && summary.integrity_failures === 0 && summary.orphaned_temp_files === 0 && summary.stuck_jobs === 0 && summary.failed_rounds === 0;
process.exit(ok ? 0 : 1);
