// Starts a real `cause-studio serve` on a free port with a temp workspace and returns its printed URL.
// Shared by `npm run bench:player` and the e2e tests (test/e2e/serve.ts), so no bench imports a test.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServedStudio {
  readonly url: string;
  readonly home: string;
  readonly process: ChildProcess;
  /** Output of the serve process so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export function makeHome(prefix = 'cause-e2e-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** `args`: more `serve` arguments, e.g. `['--queue', url]`. */
export async function startServe(options: { home?: string; timeoutMs?: number; args?: readonly string[] } = {}): Promise<ServedStudio> {
  const home = options.home ?? makeHome();
  const bin = path.join(REPO_ROOT, 'bin', 'cause-studio.js');
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'renderer', 'index.html'))) {
    throw new Error('dist/renderer/index.html is missing: run `npm run build:renderer` before the e2e tests');
  }
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, CAUSE_STUDIO_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (output += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not print its URL within ${options.timeoutMs ?? 60_000} ms:\n${output}`)),
      options.timeoutMs ?? 60_000,
    );
    child.stdout.on('data', (d: string) => {
      output += d;
      const m = /Cause Studio serving at (\S+)/.exec(output);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with code ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    home,
    process: child,
    log: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
