// The CI cut of `npm run chaos`: the same workload through `serve` (every job kind), an uninterrupted
// reference round, then a round with three SIGKILLs at seeded random moments. Every kill is followed by
// a restart in which the interrupted jobs resume, and the round's outputs must equal the reference's.
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { runChaos } from '../../../scripts/chaos/run-chaos.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
if (!hasFfmpeg) console.warn('chaos test skipped: no ffmpeg on PATH (the workload imports and exports video)');

it.skipIf(!hasFfmpeg)(
  'three kills at random moments: every interrupted job resumes and the outputs are byte-identical',
  async () => {
    const lines: string[] = [];
    const s = await runChaos({ kills: 3, seed: 19, perRound: 3, log: (l) => lines.push(l) });
    const why = `${JSON.stringify(s)}\n${lines.join('\n')}`;
    expect(s.kills, why).toBe(3);
    expect(s.resumed, why).toBe(3);
    expect(s.identical, why).toBe(3);
    expect(s.mismatched, why).toBe(0);
    expect(s.integrity_failures, why).toBe(0);
    expect(s.orphaned_temp_files, why).toBe(0);
    expect(s.stuck_jobs, why).toBe(0);
    expect(s.failed_rounds, why).toBe(0);
  },
  1_800_000,
);
