// What a SIGKILLed engine leaves behind: temp files of writes it never renamed. They are swept when a
// later engine recovers the interrupted jobs, and by a video or bundle export to the same file — but only
// a dead writer's: a live process may still rename its own.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { diskFullError, removeStaleTemps } from '../../../main/engine/workspace.js';
import { tempDir } from '../../helpers/temp-workspace.js';

const tmp = tempDir('cs-stale-temps-');
afterAll(() => tmp.cleanup());

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

it('removes the temp files of dead writers only, below a folder or beside one file', () => {
  const dead = deadPid();
  const dir = path.join(tmp.dir, 'ws', 'experiments', 'e1', 'predictions');
  fs.mkdirSync(dir, { recursive: true });
  const files = {
    deadTemp: path.join(dir, `f1.png.tmp-${dead}-abc123`),
    liveTemp: path.join(dir, `f2.png.tmp-${process.pid}-def456`),
    deadVideo: path.join(tmp.dir, `video.mp4.partial-${dead}.mp4`),
    otherVideo: path.join(tmp.dir, `other.mp4.partial-${dead}.mp4`),
    kept: path.join(dir, 'f1.png'),
  };
  for (const f of Object.values(files)) fs.writeFileSync(f, 'x');

  expect(removeStaleTemps(path.join(tmp.dir, 'ws'), { recursive: true })).toEqual([files.deadTemp]);
  expect(removeStaleTemps(tmp.dir, { prefix: 'video.mp4.partial-' })).toEqual([files.deadVideo]);
  expect(Object.entries(files).filter(([, f]) => fs.existsSync(f)).map(([k]) => k)).toEqual(['liveTemp', 'otherVideo', 'kept']);
});

it('says a full disk in words, with the path', () => {
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  expect(diskFullError(enospc, '/ws/features/a.csf')?.message).toBe('/ws/features/a.csf: the disk is full (no space left on device); free some space, then resume the job');
  expect(diskFullError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), '/ws/studio.db')?.code).toBe('io_error');
  expect(diskFullError(Object.assign(new Error('nope'), { code: 'EACCES' }), '/x')).toBeNull();
});
