// The first-run main job, timed: `cause-studio demo` twice on a fresh workspace (the second reuses the
// generated data, the dataset, the feature cache and the finished experiments).
// Run: npm run bench:demo   (extra demo flags after --, e.g. npm run bench:demo -- --frames 10)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'cause-demo-bench-'));
const extra = process.argv.slice(2);

function runOnce(label: string): { seconds: number; summary: { rows: { method: string; backbone: string; miou: number | null; pixelAccuracy: number | null }[] } } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'cause-studio.js'), '--json', 'demo', ...extra], {
    env: { ...process.env, CAUSE_STUDIO_HOME: ws },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 26,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${label} demo run failed (exit ${r.status})`);
  console.log(`${label}: ${seconds.toFixed(1)} s`);
  return { seconds, summary: JSON.parse(r.stdout) as never };
}

console.log(`cores: ${os.cpus().length}, load average: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const first = runOnce('first run (fresh workspace)');
const second = runOnce('second run (cached)');
for (const r of first.summary.rows) {
  console.log(`  ${r.method.padEnd(10)} ${r.backbone.padEnd(8)} mIoU ${r.miou === null ? 'n/a' : (r.miou * 100).toFixed(1)}  pixel acc ${r.pixelAccuracy === null ? 'n/a' : (r.pixelAccuracy * 100).toFixed(1)}`);
}
console.log(`command: npm run bench:demo${extra.length ? ' -- ' + extra.join(' ') : ''}`);
console.log(
  'BENCH ' +
    JSON.stringify({
      firstSeconds: Number(first.seconds.toFixed(1)),
      secondSeconds: Number(second.seconds.toFixed(1)),
      targetSeconds: 600,
      met: first.seconds <= 600,
      rows: first.summary.rows.map((r) => ({ method: r.method, backbone: r.backbone, miou: r.miou, pixelAccuracy: r.pixelAccuracy })),
    }),
);
fs.rmSync(ws, { recursive: true, force: true });
