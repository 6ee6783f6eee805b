// The CLI as a user meets it: help, one-line errors with non-zero exits, --json output.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, CAUSE_STUDIO_HOME: path.join(tmp.dir, 'ws'), ...env },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('cause-studio CLI', () => {
  it('prints help listing the command groups', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['workspace', 'jobs', 'serve']) expect(r.out).toContain(c);
  });

  it('rejects an unknown command and an unknown flag with one line and exit 2', () => {
    const a = cli(['frobnicate']);
    expect(a.code).toBe(2);
    expect(a.err.trim().split('\n')).toHaveLength(1);
    expect(a.err).toMatch(/unknown command 'frobnicate'/);
    const b = cli(['jobs', 'list', '--frobnicate']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/unknown option '--frobnicate'/);
  });

  it('reports workspace info as JSON', () => {
    const r = cli(['--json', 'workspace', 'info']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out) as { path: string; schemaVersion: number };
    expect(info.path).toBe(path.join(tmp.dir, 'ws'));
    expect(info.schemaVersion).toBeGreaterThanOrEqual(1);
  });

  it('fails with one clear line when the workspace is a file', () => {
    const file = path.join(tmp.dir, 'file-ws');
    fs.writeFileSync(file, '');
    const r = cli(['workspace', 'info'], { CAUSE_STUDIO_HOME: file });
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe(`cause-studio: error: ${file}: workspace path is a file, not a folder`);
  });

  it('says when a job does not exist', () => {
    const r = cli(['jobs', 'show', 'deadbeef']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no job 'deadbeef'/);
  });
});
