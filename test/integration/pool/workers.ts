// `cause-studio worker` child processes for the pool tests (from source, through tsx).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/temp-workspace.js';

export interface WorkerProc {
  readonly name: string;
  readonly proc: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  waitFor(re: RegExp, ms: number): Promise<RegExpExecArray>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Short locks, so a killed worker's task is taken over within seconds. */
export function startWorker(name: string, queue: string, root: string, extra: string[] = []): WorkerProc {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'main', 'cli', 'index.ts'), '--workspace', root, '--queue', queue, 'worker', '--name', name, '--lock-ms', '2000', '--stalled-ms', '500', ...extra],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return {
    name,
    proc,
    output: () => out,
    async waitFor(re, ms) {
      const t0 = Date.now();
      while (!re.test(out)) {
        if (Date.now() - t0 > ms) throw new Error(`${name}: timed out waiting for ${re}; it printed: ${out}`);
        if (proc.exitCode !== null) throw new Error(`${name} exited (${proc.exitCode}): ${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return re.exec(out)!;
    },
    async kill(signal = 'SIGKILL') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await exited;
    },
  };
}
