// One round of the chaos run: a fresh workspace, the whole workload through `serve`, SIGKILLs at the
// given moments of workload time (restarts are not counted, so the moments map onto the reference
// run's timeline), and a graceful stop at the end.
import type { JobSummary } from '../../shared/contract/jobs.js';
import { engineFacts, type EngineFacts } from './fingerprint.js';
import { EngineGone, killEngine, startEngine, stopEngine, type ServedEngine } from './served-engine.js';
import { workloadSteps, workspaceDir, type WorkloadIds } from './workload.js';

/** A kill moment: `offset` workload seconds into a step (the step after it, if that one ends sooner). */
export interface KillMoment {
  readonly step: number;
  readonly offset: number;
}

export interface KillRecord {
  /** Workload seconds (restarts excluded) at which SIGKILL was sent. */
  readonly at: number;
  /** The step the workload was in. */
  readonly step: string;
  /** Jobs the engine reported running just before the kill. */
  readonly running: readonly { id: string; kind: string }[];
}

export interface RoundResult {
  readonly ids: WorkloadIds;
  readonly kills: readonly KillRecord[];
  /** Workload seconds (restarts excluded) and wall seconds. */
  readonly workSeconds: number;
  readonly wallSeconds: number;
  /** Seconds each step took (first start to end, restarts excluded). */
  readonly stepSeconds: Record<string, number>;
  /** Final state of every job, read before the graceful stop. */
  readonly jobs: readonly JobSummary[];
  /** Names and evaluation histograms, read from the engine before the stop. */
  readonly facts: EngineFacts;
  /** Why the workload did not finish (a job failed, the engine died by itself), if it did not. */
  readonly error?: string;
}

export interface RoundOptions {
  readonly home: string;
  /** Sorted moments at which to kill. */
  readonly killAt: readonly KillMoment[];
  readonly log?: (line: string) => void;
}

export async function runRound(o: RoundOptions): Promise<RoundResult> {
  const log = o.log ?? (() => undefined);
  const ids: WorkloadIds = { datasets: {}, experiments: {}, jobs: {} };
  const wall0 = Date.now();
  let paused = 0; // ms spent restarting
  let pauseStart = 0;
  const workNow = () => (Date.now() - wall0 - paused) / 1000;
  let engine: ServedEngine = await startEngine(workspaceDir(o.home));
  paused += Date.now() - wall0;
  const kills: KillRecord[] = [];
  const pendingKills = [...o.killAt];
  let currentStep = '';
  let stepIndex = -1;
  let stepStart = 0;
  const due = (k: KillMoment) => stepIndex > k.step || (stepIndex === k.step && workNow() - stepStart >= k.offset);
  let restarting: Promise<void> | null = null;
  let finished = false;

  const restart = async () => {
    pauseStart = Date.now();
    engine = await startEngine(workspaceDir(o.home));
    paused += Date.now() - pauseStart;
  };

  // The killer: wakes every 50 ms and sends SIGKILL when workload time passes the next kill moment.
  const killer = (async () => {
    while (!finished && pendingKills.length) {
      await new Promise((r) => setTimeout(r, 50));
      if (restarting || finished || !due(pendingKills[0]!)) continue;
      pendingKills.shift();
      const at = workNow();
      let running: { id: string; kind: string }[] = [];
      try {
        running = (await engine.client.call<JobSummary[]>('jobs.list', { states: ['running'] })).map((j) => ({ id: j.id, kind: j.kind }));
      } catch {
        /* answered or not, the kill goes ahead */
      }
      const victim = engine;
      restarting = (async () => {
        await killEngine(victim);
        kills.push({ at, step: currentStep, running });
        log(`kill ${kills.length} at ${at.toFixed(1)} s in ${currentStep} (running: ${running.map((r) => r.kind).join(', ') || 'none'})`);
        await restart();
        restarting = null;
      })();
      await restarting;
    }
  })();

  const ctx = { client: () => engine.client, home: o.home, ids };
  const stepSeconds: Record<string, number> = {};
  let error: string | undefined;
  try {
    for (const [i, step] of workloadSteps().entries()) {
      currentStep = step.key;
      const t0 = workNow();
      stepIndex = i;
      stepStart = t0;
      for (;;) {
        try {
          await step.run(ctx);
          break;
        } catch (e) {
          if (!(e instanceof EngineGone) && !/engine connection closed|ECONNREFUSED|socket hang up/.test(String(e))) throw e;
          // The engine died under this step: wait for the killer's restart, then run the step again.
          // An engine that died on its own is a finding, not something to restart silently.
          if (!restarting && engine.proc.exitCode !== null) throw new Error(`the engine exited by itself during ${step.key}:\n${engine.log()}`);
          while (!restarting && engine.client.isClosed()) await new Promise((r) => setTimeout(r, 20));
          if (restarting) await restarting;
        }
      }
      stepSeconds[step.key] = workNow() - t0;
      log(`${step.key}: ${stepSeconds[step.key]!.toFixed(1)} s`);
    }
  } catch (e) {
    error = `${currentStep}: ${(e as Error).message}`;
    log(`workload stopped: ${error}`);
  } finally {
    finished = true;
    await killer;
  }
  const workSeconds = workNow();
  let jobs: JobSummary[] = [];
  let facts: EngineFacts = { names: {}, histograms: {} };
  try {
    jobs = await engine.client.call<JobSummary[]>('jobs.list', { limit: 1000 });
    facts = await engineFacts(engine.client);
  } catch (e) {
    error ??= `reading the results: ${(e as Error).message}`;
  }
  await stopEngine(engine);
  return { ids, kills, workSeconds, wallSeconds: (Date.now() - wall0) / 1000, stepSeconds, jobs, facts, ...(error ? { error } : {}) };
}
