import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temp folder per test; removed by the returned cleanup. */
export function tempDir(prefix = 'cause-studio-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/** ../shared/data beside the repo, or null (tests that need it skip with a message). */
export function sharedDataDir(): string | null {
  const d = path.resolve(REPO_ROOT, '..', 'shared', 'data');
  return fs.existsSync(d) ? d : null;
}
