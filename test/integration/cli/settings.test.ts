// `cause-studio settings`: a get/set round trip, and video import honouring `ffmpegPath` (a path that does
// not run fails the import with an error naming it, rather than silently using another ffmpeg).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';

const run = promisify(execFile);
const tmp = tempDir('jobdeps-settings-');
const ws = path.join(tmp.dir, 'ws');
afterAll(() => tmp.cleanup());

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), '--workspace', ws, ...args], { cwd: tmp.dir, timeout: 180_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

describe('cause-studio settings', () => {
  it('says an engine setting is not set, then stores and reads it back', async () => {
    const unset = await cli(['settings', 'get', 'ffmpegPath']);
    expect(unset.code).toBe(0);
    expect(unset.out).toMatch(/^ffmpegPath is not set/);
    const bad = path.join(tmp.dir, 'no-such', 'ffmpeg');
    const set = await cli(['settings', 'set', 'ffmpegPath', 'no-such/ffmpeg']); // relative: made absolute
    expect(set.code).toBe(0);
    expect((await cli(['settings', 'get', 'ffmpegPath'])).out.trim()).toBe(bad);
    const listed = JSON.parse((await cli(['--json', 'settings', 'list'])).out) as { key: string; value: unknown }[];
    expect(listed).toEqual([{ key: 'ffmpegPath', value: bad }]);
    const missing = await cli(['settings', 'get', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no setting 'nope'/);
  }, 600_000);

  it('video import uses the configured ffmpeg and names it when it does not run', async () => {
    const video = path.join(tmp.dir, 'drive.mp4');
    fs.writeFileSync(video, 'not decoded: the configured ffmpeg is checked first');
    const r = await cli(['import', video]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${path.join(tmp.dir, 'no-such', 'ffmpeg')}: configured ffmpeg does not run`);
    // cleared, the setting no longer applies (get reports it unset again)
    expect((await cli(['settings', 'unset', 'ffmpegPath'])).code).toBe(0);
    expect((await cli(['settings', 'get', 'ffmpegPath'])).out).toMatch(/^ffmpegPath is not set/);
  }, 600_000);
});
