// Issue 18's speed gate as the engineer meets it: whole `cause-studio predict` jobs from the CLI, per frame
// (`--temporal none`) against the default (`flow` both ways), interleaved pair by pair so load drift hits
// both alike. Each job runs in a fresh process (cold: TensorFlow's start, the model's load, the helper
// threads' start and the flow's warm-up, the first stretch's wait on its links and the last one's second
// pass are all in it). The figure is the job's own duration (started → finished in the jobs table).
//
// Run: npm run bench:temporal-jobs -- --workspace DIR --experiment ID --dataset ID [--pairs N]
//   DIR: a workspace with a trained experiment and features of the dataset (e.g. a finished `demo`: its
//   experiment and the val dataset). The jobs add prediction sets to it (the latest replaces the earlier).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { openDatabase } from '../main/engine/db/connection.js';
import { uptime } from './lib/machine.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ws = arg('workspace');
const experiment = arg('experiment');
const dataset = arg('dataset');
if (!ws || !experiment || !dataset) throw new Error('usage: --workspace DIR --experiment ID --dataset ID [--pairs N]');
const pairs = Number(arg('pairs') ?? 4);

/** Runs one predict job; its duration and frames from the jobs table (the newest finished predict job). */
function job(extra: string[]): { seconds: number; frames: number } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'cause-studio.js'), 'predict', '--experiment', experiment!, '--dataset', dataset!, ...extra], {
    env: { ...process.env, CAUSE_STUDIO_HOME: ws },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`predict ${extra.join(' ')} failed (exit ${r.status}): ${r.stderr.toString().slice(-500)}`);
  const db = openDatabase(path.join(ws!, 'studio.db'), { readonly: true });
  try {
    const row = db
      .prepare(`SELECT total_steps AS frames, (julianday(finished_at) - julianday(started_at)) * 86400 AS seconds FROM jobs WHERE kind = 'experiments.predict' AND state = 'succeeded' ORDER BY created_at DESC LIMIT 1`)
      .get() as { frames: number; seconds: number };
    return row;
  } finally {
    db.close();
  }
}

console.log(`machine: ${uptime()}`);
const none: number[] = [];
const flow: number[] = [];
let frames = 0;
for (let p = 0; p < pairs; p++) {
  const a = job(['--temporal', 'none']);
  const b = job([]);
  frames = a.frames;
  none.push(a.seconds);
  flow.push(b.seconds);
  console.log(`pair ${p + 1}: none ${a.seconds.toFixed(2)} s, default (flow both ways) ${b.seconds.toFixed(2)} s, ×${(a.seconds / b.seconds).toFixed(3)}`);
}
const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
const ratios = none.map((n, i) => n / flow[i]!);
console.log(`${frames} frames a job; means: none ${mean(none).toFixed(2)} s, flow both ways ${mean(flow).toFixed(2)} s, ×${(mean(none) / mean(flow)).toFixed(3)} (pairs ×${Math.min(...ratios).toFixed(3)}–×${Math.max(...ratios).toFixed(3)}; the gate: ≥ 0.8)`);
console.log(`load after: ${uptime()}`);
console.log(`command: npm run bench:temporal-jobs -- --workspace ${ws} --experiment ${experiment} --dataset ${dataset} --pairs ${pairs}`);
console.log('BENCH ' + JSON.stringify({ frames, secondsNone: none, secondsFlowBoth: flow, speed: Number((mean(none) / mean(flow)).toFixed(3)), target: 0.8 }));
