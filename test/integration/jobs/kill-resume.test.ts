// A real kill: the engine process dies mid-job (SIGKILL), a new engine marks the job interrupted and
// resumes it from its last atomic checkpoint.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../../main/engine/db/connection.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp-workspace.js';

const child = path.join(REPO_ROOT, 'test', 'fixtures', 'engine-child.ts');
const procs: ChildProcess[] = [];
const tmp = tempDir();
afterEach(() => {
  for (const p of procs) p.kill('SIGKILL');
});

function start(args: string[]): { proc: ChildProcess; lines: string[]; waitLine: (re: RegExp) => Promise<string> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(proc);
  const lines: string[] = [];
  let buf = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) if (w.re.test(line)) w.resolve(line);
    }
  });
  const waitLine = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const hit = lines.find((l) => re.test(l));
      if (hit) return resolve(hit);
      waiters.push({ re, resolve });
      proc.once('exit', (code) => reject(new Error(`engine child exited (${code}) before printing ${re}`)));
    });
  return { proc, lines, waitLine };
}

function jobRow(id: string) {
  const db = openDatabase(path.join(tmp.dir, 'studio.db'), { readonly: true });
  try {
    return db.prepare('SELECT state, checkpoint_step, attempts, result FROM jobs WHERE id = ?').get(id) as {
      state: string;
      checkpoint_step: number | null;
      attempts: number;
      result: string | null;
    };
  } finally {
    db.close();
  }
}

it('resumes a job from its checkpoint after the engine process is killed', async () => {
  const first = start([tmp.dir, 'submit', '40']);
  const id = (await first.waitLine(/^job /)).slice(4);
  // Let it make some progress, then kill the whole process without warning.
  const t0 = Date.now();
  while ((jobRow(id).checkpoint_step ?? 0) < 5) {
    if (Date.now() - t0 > 60_000) throw new Error('job made no progress');
    await new Promise((r) => setTimeout(r, 50));
  }
  first.proc.kill('SIGKILL');
  await new Promise((r) => first.proc.once('exit', r));
  const killedAt = jobRow(id);
  expect(killedAt.state).toBe('running'); // the dead process could not say otherwise
  expect(killedAt.checkpoint_step).toBeGreaterThanOrEqual(5);

  const second = start([tmp.dir]);
  await second.waitLine(new RegExp(`^succeeded ${id}`));
  const done = jobRow(id);
  expect(done.state).toBe('succeeded');
  expect(done.attempts).toBe(1);
  const result = JSON.parse(done.result!) as { attempts: number[][] };
  expect(result.attempts).toHaveLength(2);
  const [before, after] = result.attempts as [number[], number[]];
  // The second attempt started where the last checkpoint left off: nothing lost, nothing repeated
  // beyond the step in flight at the kill.
  expect(after[0]).toBeGreaterThanOrEqual(killedAt.checkpoint_step!);
  expect(after[0]).toBeLessThanOrEqual(before[before.length - 1]! + 1);
  expect(after[after.length - 1]).toBe(39);
  expect(new Set([...before, ...after]).size).toBe(40);
  second.proc.kill('SIGKILL');
  tmp.cleanup();
});
