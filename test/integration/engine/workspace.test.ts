// Bad workspaces are refused with a message that names the folder and the problem.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../main/engine/engine.js';
import { tempDir } from '../../helpers/temp-workspace.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('workspace', () => {
  it('refuses a path that is a file', async () => {
    const file = path.join(tmp.dir, 'afile');
    fs.writeFileSync(file, 'x');
    await expect(createEngine({ workspace: file })).rejects.toThrow(`${file}: workspace path is a file, not a folder`);
  });

  it('refuses a read-only folder', async (ctx) => {
    const dir = path.join(tmp.dir, 'ro');
    fs.mkdirSync(dir);
    let unmount = () => {};
    if (process.getuid?.() === 0) {
      // root writes through permission bits, so use a real read-only filesystem
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir], { stdio: 'ignore' });
        unmount = () => execFileSync('umount', [dir], { stdio: 'ignore' });
      } catch {
        ctx.skip(); // running as root without mount rights: no way to make a folder read-only here
      }
    } else {
      fs.chmodSync(dir, 0o555);
      unmount = () => fs.chmodSync(dir, 0o755);
    }
    try {
      await expect(createEngine({ workspace: dir })).rejects.toThrow(/workspace folder is not writable \((EROFS|EACCES)\)/);
    } finally {
      unmount();
    }
  });

  it('refuses a database written by a newer studio, and leaves it untouched', async () => {
    const dir = path.join(tmp.dir, 'newer');
    fs.mkdirSync(dir);
    const db = new BetterSqlite3(path.join(dir, 'studio.db'));
    db.pragma('user_version = 999');
    db.close();
    await expect(createEngine({ workspace: dir })).rejects.toThrow(/schema version 999 is newer than this studio understands/);
    const again = new BetterSqlite3(path.join(dir, 'studio.db'));
    expect(again.pragma('user_version', { simple: true })).toBe(999);
    again.close();
  });

  it('allows one writer per workspace and a read-only second opener', async () => {
    const dir = path.join(tmp.dir, 'shared');
    const a = await createEngine({ workspace: dir, runJobs: false });
    try {
      await expect(createEngine({ workspace: dir })).rejects.toThrow(/in use by another Cause Studio engine/);
      const ro = await createEngine({ workspace: dir, readonly: true });
      expect((await ro.call('workspace.info', {})).path).toBe(dir);
      await expect(ro.call('settings.set', { key: 'k', value: 1 })).rejects.toThrow(/read-only/);
      await ro.close();
    } finally {
      await a.close();
    }
    // the lock is released on close
    const b = await createEngine({ workspace: dir, runJobs: false });
    await b.close();
  });
});
