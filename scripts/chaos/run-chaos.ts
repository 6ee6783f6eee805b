// The chaos run: one uninterrupted reference round, then rounds of the same workload in fresh workspaces
// with SIGKILLs at seeded random moments, each compared with the reference and audited. Used by
// `npm run chaos` (scripts/chaos/chaos.ts) and by the CI test with a handful of kills.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Prng } from '../../shared/random.js';
import { auditWorkspace } from './audit.js';
import { makeClip, prepareHome } from './clip.js';
import { differences, fingerprint, type Fingerprint } from './fingerprint.js';
import { runRound, type KillMoment, type RoundResult } from './round.js';
import { outDir, workloadSteps, workspaceDir } from './workload.js';

export interface ChaosOptions {
  readonly kills: number;
  readonly seed: number;
  /** Kills per round (each round is one whole workload in a fresh workspace). */
  readonly perRound: number;
  /** Keep the workspaces (default: removed when everything matched). */
  readonly keep?: boolean;
  readonly log?: (line: string) => void;
}

export interface ChaosSummary {
  kills: number;
  resumed: number;
  identical: number;
  mismatched: number;
  integrity_failures: number;
  orphaned_temp_files: number;
  stuck_jobs: number;
  /** Rounds whose workload did not finish (a job failed or the engine died by itself). */
  failed_rounds: number;
  seed: number;
  rounds: number;
  /** Job kinds that were running when a kill landed, and how often. */
  killed_during: Record<string, number>;
  reference_seconds: number;
  seconds: number;
  /** Where the workspaces are, when kept. */
  dir?: string;
}

/**
 * The kill plan: steps in rounds of a seeded permutation (so every step, short or long, is hit before any
 * is hit twice), each at a uniform moment within the step's reference duration. A moment past the end of
 * a step that ran faster this time becomes the start of the next step, still a random moment.
 */
export function killPlan(rng: Prng, n: number, stepSeconds: readonly number[]): KillMoment[] {
  const plan: KillMoment[] = [];
  while (plan.length < n) {
    for (const step of rng.permutation(stepSeconds.length)) {
      if (plan.length === n) break;
      plan.push({ step, offset: rng.next() * stepSeconds[step]! });
    }
  }
  return plan;
}

export async function runChaos(o: ChaosOptions): Promise<ChaosSummary> {
  const log = o.log ?? (() => undefined);
  const t0 = Date.now();
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cause-chaos-')));
  const clip = path.join(base, 'clip.mp4');
  makeClip(clip);
  const summary: ChaosSummary = {
    kills: 0,
    resumed: 0,
    identical: 0,
    mismatched: 0,
    integrity_failures: 0,
    orphaned_temp_files: 0,
    stuck_jobs: 0,
    failed_rounds: 0,
    seed: o.seed,
    rounds: 0,
    killed_during: {},
    reference_seconds: 0,
    seconds: 0,
  };
  let clean = true;
  const audit = (home: string, r: RoundResult, label: string): boolean => {
    const a = auditWorkspace(workspaceDir(home), [outDir(home)]);
    const unfinished = r.jobs.filter((j) => j.state !== 'succeeded').map((j) => `${j.kind} ${j.id} ${j.state}: ${j.error ?? ''}`);
    for (const p of a.integrity) log(`${label}: integrity_check: ${p}`);
    for (const p of [...a.stuckJobs, ...unfinished]) log(`${label}: job not finished: ${p}`);
    for (const p of a.orphans) log(`${label}: orphaned temp file: ${p}`);
    summary.integrity_failures += a.integrity.length ? 1 : 0;
    summary.stuck_jobs += a.stuckJobs.length + unfinished.length;
    summary.orphaned_temp_files += a.orphans.length;
    return !a.integrity.length && !a.stuckJobs.length && !unfinished.length && !a.orphans.length;
  };

  log('reference round (no kills)');
  const refHome = path.join(base, 'reference');
  prepareHome(refHome, clip);
  const ref = await runRound({ home: refHome, killAt: [], log: (l) => log(`  ${l}`) });
  if (ref.error) throw new Error(`the reference round did not finish: ${ref.error}`);
  summary.reference_seconds = Math.round(ref.workSeconds);
  clean = audit(refHome, ref, 'reference') && clean;
  const reference: Fingerprint = fingerprint(refHome, ref.facts);
  log(`reference: ${Object.keys(reference).length} outputs in ${ref.workSeconds.toFixed(0)} s`);

  const rng = new Prng(o.seed);
  const steps = workloadSteps().map((s) => s.key);
  const plan = killPlan(rng, o.kills, steps.map((k) => ref.stepSeconds[k] ?? 0));
  while (plan.length > 0) {
    const round = ++summary.rounds;
    const want = Math.min(o.perRound, plan.length);
    const home = path.join(base, `round-${round}`);
    prepareHome(home, clip);
    const moments = plan.splice(0, want).sort((a, b) => a.step - b.step || a.offset - b.offset);
    log(`round ${round}: ${want} kills at ${moments.map((m) => `${steps[m.step]}+${m.offset.toFixed(1)}s`).join(', ')}`);
    const r = await runRound({ home, killAt: moments, log: (l) => log(`  ${l}`) });
    // A kill due in the last step after the workload finished (it ran faster than in the reference) is
    // carried to the next round, earlier, so that it lands.
    plan.unshift(...moments.slice(r.kills.length).map((m) => ({ ...m, offset: m.offset / 2 })));
    summary.kills += r.kills.length;
    if (r.error) summary.failed_rounds++;
    const auditOk = audit(home, r, `round ${round}`) && !r.error;
    const diff = differences(reference, fingerprint(home, r.facts));
    for (const d of diff) log(`round ${round}: differs from the reference: ${d}`);
    summary.mismatched += diff.length;
    if (!diff.length) summary.identical += r.kills.length;
    const final = new Map(r.jobs.map((j) => [j.id, j]));
    for (const k of r.kills) {
      for (const j of k.running) summary.killed_during[j.kind] = (summary.killed_during[j.kind] ?? 0) + 1;
      if (!k.running.length) summary.killed_during.none = (summary.killed_during.none ?? 0) + 1;
      // Resumed: every job the kill interrupted came back on a later attempt and succeeded.
      const back = k.running.every((j) => {
        const s = final.get(j.id);
        return s?.state === 'succeeded' && s.attempts >= 1;
      });
      if (back) summary.resumed++;
    }
    clean = auditOk && !diff.length && clean;
    if (auditOk && !diff.length && !o.keep) fs.rmSync(home, { recursive: true, force: true });
  }
  summary.seconds = Math.round((Date.now() - t0) / 1000);
  if (clean && !o.keep) fs.rmSync(base, { recursive: true, force: true });
  else summary.dir = base;
  return summary;
}
