// The flow's accuracy against SynthDrive's true motion, without any model: consecutive frames of the
// tuning world (main/engine/temporal/tuning.ts: the demo's TRAIN split), flow at the temporal filter's
// state size, endpoint error in output pixels (median, p90) over pixels with valid true motion — over all
// of them and over the confident ones — and CPU time per frame. For choosing the flow options.
//
// Run: npx tsx scripts/temporal-flow-check.ts --workspace DIR [--frames N] [--factor 2]
//        [--variants "default;l5=:levels=5;it5=:iterations=5"]   (options are FlowOptions keys)
//        [--held-out]   the val split instead (other worlds): to REPORT the flow's accuracy there, never to choose
import path from 'node:path';
import { openDatabase } from '../main/engine/db/connection.js';
import { getExperimentRow, listExperimentSummaries, listPredictionSets } from '../main/engine/db/queries/experiments.js';
import { listFrames, readImageRGB } from '../main/engine/datasets/frame-source.js';
import { readFrameMotion } from '../main/engine/eval/motion-source.js';
import { FlowTracker, sample, type FlowOptions } from '../main/engine/temporal/optical-flow.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ws = arg('workspace');
if (!ws) throw new Error('--workspace DIR is required');
const factor = Number(arg('factor') ?? 2);
const db = openDatabase(path.join(ws, 'studio.db'), { readonly: true });
const exp = listExperimentSummaries(db).find((e) => e.method === 'cause-mlp' && e.status === 'trained')!;
const trainId = getExperimentRow(db, exp.id)!.dataset_id;
const datasetId = process.argv.includes('--held-out') ? listPredictionSets(db, exp.id).find((p) => p.datasetId !== trainId)!.datasetId : trainId;
const frames = listFrames(db, datasetId).slice(0, Number(arg('frames') ?? 30));
const data = await Promise.all(frames.map(async (f) => ({ rgb: (await readImageRGB(f.imagePath)).data, motion: await readFrameMotion(f.imagePath) })));
const variants = (arg('variants') ?? 'default').split(';').map((s) => {
  const [name, rest] = s.split(':');
  const o: Record<string, number | boolean> = {};
  for (const kv of rest ? rest.split(',') : []) {
    const [k, v] = kv.split('=');
    o[k!] = v === 'true' ? true : v === 'false' ? false : Number(v);
  }
  return { name: name!.replace(/=$/, ''), options: o as FlowOptions };
});
const q = (a: number[], p: number) => (a.length ? a[Math.min(a.length - 1, Math.floor(a.length * p))]!.toFixed(2) : '-');
for (const v of variants) {
  const tracker = new FlowTracker(v.options);
  const all: number[] = [];
  const confident: number[] = [];
  let cpu = 0;
  let covered = 0;
  let valid = 0;
  // by true motion length: [0,4) [4,8) [8,16) [16,32) [32,∞) px
  const bins: number[][] = [[], [], [], [], []];
  for (const [i, f] of frames.entries()) {
    const sw = Math.round(f.width / factor);
    const sh = Math.round(f.height / factor);
    const c0 = process.cpuUsage();
    tracker.push(f.sequenceId, data[i]!.rgb, f.width, f.height, sw, sh);
    const flow = tracker.field();
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1e6;
    const m = data[i]!.motion;
    if (!flow || !m) continue;
    const ax = f.width / sw;
    const ay = f.height / sh;
    for (let j = 0; j < m.u.length; j += 5) {
      if (Number.isNaN(m.u[j]!)) continue;
      const x = ((j % f.width) + 0.5) / ax - 0.5;
      const y = (Math.floor(j / f.width) + 0.5) / ay - 0.5;
      const e = Math.hypot(sample(flow.u, sw, sh, x, y) * ax - m.u[j]!, sample(flow.v, sw, sh, x, y) * ay - m.v[j]!);
      all.push(e);
      const mag = Math.hypot(m.u[j]!, m.v[j]!);
      bins[mag < 4 ? 0 : mag < 8 ? 1 : mag < 16 ? 2 : mag < 32 ? 3 : 4]!.push(e);
      valid++;
      if (sample(flow.confidence, sw, sh, x, y) > 0.5) {
        confident.push(e);
        covered++;
      }
    }
  }
  all.sort((a, b) => a - b);
  confident.sort((a, b) => a - b);
  for (const b of bins) b.sort((x, y) => x - y);
  console.log(
    `${v.name.padEnd(14)} by |true motion| <4,<8,<16,<32,≥32 px: ${bins.map((b) => `${((b.length / Math.max(1, valid)) * 100).toFixed(0)}% ${q(b, 0.5)}`).join(' · ')}\n${' '.repeat(15)} EPE median ${q(all, 0.5)} p90 ${q(all, 0.9)} | confidence>0.5 on ${((covered / Math.max(1, valid)) * 100).toFixed(1)} %: median ${q(confident, 0.5)} p90 ${q(confident, 0.9)} | ${((cpu / frames.length) * 1000).toFixed(1)} ms CPU/frame`,
  );
}
db.close();
