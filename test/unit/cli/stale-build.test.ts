// The launcher's staleness check: a build older than any source file must not be run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newerSource } from '../../../bin/stale-build.js';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(rel: string, secondsAgo: number): string {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, '');
  const t = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(p, t, t);
  return p;
}

describe('newerSource', () => {
  it('finds a source edited after the build, in nested folders, and ignores other files', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stale-'));
    const built = fs.statSync(file('dist/main/cli/index.js', 100)).mtimeMs;
    file('main/engine/a.ts', 200);
    file('shared/b.tsx', 300);
    file('main/notes.md', 10); // not a source
    file('main/node_modules/x/y.ts', 10); // not ours
    expect(newerSource(dir, ['main', 'shared'], built)).toBeNull();
    const edited = file('main/engine/deep/c.ts', 5);
    expect(newerSource(dir, ['main', 'shared'], built)).toBe(edited);
  });

  it('has nothing to compare in a packaged app without sources', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stale-'));
    expect(newerSource(dir, ['main', 'shared'], 0)).toBeNull();
  });
});
