// What every CLI command shares: the global flags, opening the engine, output, and running a job with
// a progress bar (Ctrl+C cancels the job cleanly).
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { StudioError, type JobSummary } from '../../shared/contract/index.js';
import { createEngine, type Engine } from '../engine/engine.js';
import { usePoolQueue } from '../engine/pool/queue-config.js';

export interface GlobalOptions {
  readonly workspace?: string;
  readonly json?: boolean;
  readonly queue?: string;
}

export class CliRuntime {
  constructor(private readonly program: Command) {}

  get options(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  get json(): boolean {
    return this.options.json === true;
  }

  /**
   * A writer engine (runs jobs) or, for queries, a read-only one when another engine (e.g. `serve`)
   * holds the workspace.
   */
  async openEngine(mode: { runJobs: boolean; allowReadonly?: boolean }): Promise<Engine> {
    const workspace = this.options.workspace;
    if (this.options.queue) usePoolQueue(this.options.queue);
    try {
      return await createEngine({
        ...(workspace ? { workspace } : {}),
        runJobs: mode.runJobs,
        resumeInterrupted: false,
      });
    } catch (e) {
      if (mode.allowReadonly && e instanceof StudioError && e.code === 'conflict') {
        return createEngine({ ...(workspace ? { workspace } : {}), readonly: true });
      }
      throw e;
    }
  }

  /** Opens an engine, runs `fn`, always closes it. */
  async withEngine<T>(mode: { runJobs: boolean; allowReadonly?: boolean }, fn: (e: Engine) => Promise<T>): Promise<T> {
    const engine = await this.openEngine(mode);
    try {
      return await fn(engine);
    } finally {
      await engine.close();
    }
  }

  /** Prints human text, or the data as JSON with --json. */
  print(data: unknown, human: () => string): void {
    if (this.json) process.stdout.write(JSON.stringify(data, null, 2) + '\n');
    else process.stdout.write(human() + '\n');
  }

  /**
   * Waits for a job while drawing progress on stderr (a bar on a terminal, a line every few seconds
   * otherwise). Ctrl+C cancels the job and waits for it to stop. Throws if the job did not succeed.
   */
  async runJob(engine: Engine, jobId: string, label = 'working'): Promise<JobSummary> {
    const tty = process.stderr.isTTY === true && !this.json;
    const bar = tty
      ? new cliProgress.SingleBar(
          {
            format: `${label} [{bar}] {percentage}% | {stage} {message} | ETA {eta_formatted}`,
            hideCursor: true,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
    bar?.start(1000, 0, { stage: '', message: '' });
    let lastLine = 0;
    const off = engine.onEvent((e) => {
      if (e.type === 'job.progress' && e.jobId === jobId) {
        if (bar) bar.update(Math.round(e.fraction * 1000), { stage: e.stage ?? '', message: e.message });
        else if (!this.json && Date.now() - lastLine > 3000) {
          lastLine = Date.now();
          const eta = e.etaSeconds === null ? '' : ` ETA ${formatSeconds(e.etaSeconds)}`;
          process.stderr.write(`${label}: ${(e.fraction * 100).toFixed(0)}% ${e.stage ?? ''} ${e.message}${eta}\n`);
        }
      } else if (e.type === 'log' && e.jobId === jobId && (e.level === 'warn' || e.level === 'error')) {
        if (bar) bar.stop();
        process.stderr.write(`${e.level}: ${e.message}\n`);
      }
    });
    let interrupted = false;
    const onSigint = () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      process.stderr.write('\ncancelling… (Ctrl+C again to quit at once)\n');
      try {
        engine.jobs.cancel(jobId);
      } catch {
        /* already finished */
      }
    };
    process.on('SIGINT', onSigint);
    try {
      const final = await engine.jobs.wait(jobId);
      if (bar) {
        if (final.state === 'succeeded') bar.update(1000);
        bar.stop();
      }
      if (final.state === 'cancelled') throw new StudioError('cancelled', `job ${jobId} cancelled`);
      if (final.state !== 'succeeded') {
        throw new StudioError('internal', `job ${jobId} ${final.state}: ${final.error ?? 'no reason recorded'}`);
      }
      return final;
    } finally {
      off();
      process.off('SIGINT', onSigint);
    }
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  const sec = Math.round(s % 60);
  return m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** A plain text table with right-aligned numeric columns. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  return cells
    .map((r) =>
      r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd(),
    )
    .join('\n');
}
