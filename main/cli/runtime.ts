// What every CLI command shares: the global flags, reaching the engine, output, and running a job with
// a progress bar (Ctrl+C cancels the job cleanly).
//
// Which engine a command gets: when nobody owns the workspace, its own in-process engine that runs only
// the jobs it submits. When `serve`, the desktop app or the background engine of a `--no-wait` command
// owns it, the command submits to that engine through the endpoint it published (serve.json), so it
// neither fails on the lock nor runs or interrupts anyone else's job. An owner without an endpoint (a
// command running its own job) gets a refusal that says what to do.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import {
  StudioError,
  type ArgsOf,
  type JobSummary,
  type MethodName,
  type ResultOf,
  type StudioEvent,
} from '../../shared/contract/index.js';
import { createEngine, type Engine } from '../engine/engine.js';
import { PACKAGE_ROOT } from '../engine/version.js';
import { defaultWorkspacePath } from '../engine/workspace.js';
import { connectEngine } from '../web/engine-client.js';
import { processAlive, readEndpoint } from '../engine/transport/endpoint-file.js';

export interface GlobalOptions {
  readonly workspace?: string;
  readonly json?: boolean;
}

/** What commands use of an engine, in-process or the one that owns the workspace. */
export interface EngineLink {
  readonly workspace: { readonly root: string };
  call<M extends MethodName>(method: M, args: ArgsOf<M>, options?: { signal?: AbortSignal }): Promise<ResultOf<M>>;
  callUnchecked(method: string, args: unknown, options?: { signal?: AbortSignal }): Promise<unknown>;
  onEvent(listener: (e: StudioEvent) => void): () => void;
  close(): Promise<void>;
}

/** How long a command waits for a starting owner to publish its endpoint. */
const ENDPOINT_WAIT_MS = 5000;
/** How long a `--no-wait` command waits for the background engine it started. */
const BACKGROUND_START_MS = 60_000;

export class CliRuntime {
  constructor(private readonly program: Command) {}

  get options(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  get json(): boolean {
    return this.options.json === true;
  }

  get workspaceRoot(): string {
    return path.resolve(this.options.workspace ?? defaultWorkspacePath());
  }

  /** This process's own writer engine (serve and the background engine): runs every queued job. */
  openLocalEngine(): Promise<Engine> {
    return createEngine({ workspace: this.workspaceRoot, runJobs: true, resumeInterrupted: false });
  }

  /**
   * A writer engine that runs the jobs this command submits; the owner's engine when `serve` or a
   * background engine holds the workspace; for queries (`allowReadonly`), a read-only one otherwise.
   */
  async openEngine(mode: { runJobs: boolean; allowReadonly?: boolean }): Promise<EngineLink> {
    const workspace = this.workspaceRoot;
    try {
      return await createEngine({ workspace, runJobs: mode.runJobs, resumeInterrupted: false, jobScope: 'own' });
    } catch (e) {
      if (!(e instanceof StudioError && e.code === 'conflict')) throw e;
      if (mode.allowReadonly) return createEngine({ workspace, readonly: true });
      return this.connectOwner(workspace);
    }
  }

  /**
   * The engine that runs jobs queued with `--no-wait`: the owner's, or a background engine started for
   * it that runs the queue until it is empty, so the job outlives this command and no later command.
   */
  async openBackgroundEngine(): Promise<EngineLink> {
    const workspace = this.workspaceRoot;
    const published = readEndpoint(workspace);
    if (published) return connectEngine(published, workspace);
    const lockPid = lockHolder(workspace);
    if (lockPid !== null) return this.connectOwner(workspace);
    fs.mkdirSync(path.join(workspace, 'logs'), { recursive: true });
    const logPath = path.join(workspace, 'logs', 'background-engine.log');
    const log = fs.openSync(logPath, 'a');
    const child = spawn(
      process.execPath,
      [path.join(PACKAGE_ROOT, 'bin', 'cause-studio.js'), '--workspace', workspace, 'serve', '--port', '0', '--until-idle'],
      { detached: true, stdio: ['ignore', log, log], env: process.env },
    );
    fs.closeSync(log);
    let exited = false;
    child.once('exit', () => (exited = true));
    child.unref();
    const t0 = Date.now();
    for (;;) {
      // Another command may have started one at the same moment: whichever published first serves both.
      const ep = readEndpoint(workspace);
      if (ep) return connectEngine(ep, workspace);
      if (exited && lockHolder(workspace) === null) {
        const tail = fs.readFileSync(logPath, 'utf8').trim().split('\n').slice(-1)[0] ?? '';
        throw new StudioError('unavailable', `the background engine for ${workspace} stopped before it was ready: ${tail} (log: ${logPath})`);
      }
      if (exited && lockHolder(workspace) !== null && Date.now() - t0 > ENDPOINT_WAIT_MS) return this.connectOwner(workspace);
      if (Date.now() - t0 > BACKGROUND_START_MS) {
        throw new StudioError('unavailable', `the background engine for ${workspace} did not start within ${BACKGROUND_START_MS / 1000} s (log: ${logPath})`);
      }
      await sleep(100);
    }
  }

  /**
   * An owner can stop between reading its serve.json and connecting (a background engine whose queue
   * just emptied): then the workspace is free or has a new owner, so look again.
   */
  private async reachEngine(mode: { runJobs: boolean; allowReadonly?: boolean; background?: boolean }): Promise<EngineLink> {
    for (let attempt = 1; ; attempt++) {
      try {
        return mode.background ? await this.openBackgroundEngine() : await this.openEngine(mode);
      } catch (e) {
        if (!(e instanceof StudioError && e.code === 'unavailable') || attempt >= 3) throw e;
        await sleep(300);
      }
    }
  }

  /** The published endpoint of whoever holds the lock, or a refusal that says what to do. */
  private async connectOwner(workspace: string): Promise<EngineLink> {
    const t0 = Date.now();
    for (;;) {
      const ep = readEndpoint(workspace);
      if (ep) return connectEngine(ep, workspace);
      const pid = lockHolder(workspace);
      // Gone meanwhile: the workspace is free again (reachEngine looks again).
      if (pid === null) throw new StudioError('unavailable', `${workspace}: the engine that held the workspace stopped; run the command again`);
      // serve takes the lock before it listens: give a starting one a moment to publish.
      if (Date.now() - t0 > ENDPOINT_WAIT_MS) {
        throw new StudioError(
          'conflict',
          `${workspace}: workspace is in use by another Cause Studio process (pid ${pid}) that takes no commands from the CLI ` +
            '(a command running its own job, or an older Cause Studio): wait for it to finish or stop it, then run this again; ' +
            'to queue work beside a running job, use `cause-studio serve` or the desktop app, which take jobs from the CLI',
          { pid },
        );
      }
      await sleep(200);
    }
  }

  /** Opens an engine, runs `fn`, always closes it. */
  async withEngine<T>(mode: { runJobs: boolean; allowReadonly?: boolean; background?: boolean }, fn: (e: EngineLink) => Promise<T>): Promise<T> {
    const engine = await this.reachEngine(mode);
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
  async runJob(engine: EngineLink, jobId: string, label = 'working'): Promise<JobSummary> {
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
      engine.call('jobs.cancel', { id: jobId }).catch(() => undefined); // already finished
    };
    process.on('SIGINT', onSigint);
    try {
      // Interactive: a person waits, so the job may run beside a background job instead of behind it.
      const final = await engine.call('jobs.wait', { id: jobId, interactive: true });
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

/** The pid in engine.lock when that process is alive, else null. */
function lockHolder(workspace: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(workspace, 'engine.lock'), 'utf8'));
    return pid > 0 && processAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
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
