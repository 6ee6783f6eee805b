// Diagnostic only (not product): trains on the e2e workspace features and scores at the reference crop.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import BetterSqlite3 from 'better-sqlite3';
import { openFeatureSet } from './main/engine/features/feature-reader.js';
import { initTfBackend } from './main/engine/tf/backend.js';
import { trainCause } from './main/engine/cause/trainer.js';
import { trainKmeans } from './main/engine/cause/kmeans-baseline.js';
import { Predictor, centreCropRegion } from './main/engine/cause/predict.js';
import { decodePngLabel } from './main/engine/images/png-label.js';
import { hungarianMapping, scoreHistogram } from './shared/metrics/confusion.js';
import { presetConfig } from './shared/contract/experiments.js';
await initTfBackend('wasm');
const ws = '/tmp/cs-e2e';
const db = new BetterSqlite3(ws + '/studio.db', { readonly: true });
const backbone = process.argv[3] ?? 'builtin';
const fsRow = db.prepare('select id from feature_sets where backbone = ?').get(backbone) as { id: string };
const set = openFeatureSet(ws, fsRow.id);
const root = (db.prepare('select root from datasets').get() as { root: string }).root;
const src = { count: set.items.length, h: set.grid.h, w: set.grid.w, dim: set.dim, read: (i: number) => set.read(i) };
const over = JSON.parse(process.argv[2] ?? '{}');
const method = over.method ?? 'cause-mlp';
const cfg = { ...presetConfig('fast', method, 27, 0, 'wasm'), ...over };
const t0 = Date.now();
const stageT: Record<string, number> = {};
const model = method === 'kmeans' ? trainKmeans(src, cfg) : await trainCause(src, cfg, { metrics: (s, v) => { const st = Object.keys(v).find(k => k.endsWith('.loss'))!; stageT[st] = (stageT[st] ?? 0) + v.stepMs!; } });
console.log('train s', (Date.now() - t0) / 1000, JSON.stringify(Object.fromEntries(Object.entries(stageT).map(([k, v]) => [k, Math.round(v)]))));
const pred = new Predictor(model, cfg.flipAveraging);
const K = 27, C = 27;
const hist = new Float64Array(K * C);
const used = new Set<number>();
for (let i = 0; i < set.items.length; i++) {
  const fr = db.prepare('select * from dataset_frames where id = ?').get(set.items[i]!.frameId) as { width: number; height: number; label_rel: string };
  const lab = decodePngLabel(fs.readFileSync(path.join(root, fr.label_rel)));
  const region = centreCropRegion(fr.width, fr.height, 320, 320);
  const p = pred.predict(set.read(i), set.grid.h, set.grid.w, set.dim, fr.width, fr.height, region);
  for (let y = Math.ceil(region.y); y < region.y + region.height; y++) for (let x = Math.ceil(region.x); x < region.x + region.width; x++) {
    const l = lab.data[y * lab.width + x]!;
    if (l < 7 || l > 33) continue;
    const c = p.clusters[y * fr.width + x]!;
    used.add(c);
    hist[c * C + (l - 7)]! += 1;
  }
}
const s = scoreHistogram(hist, K, C, hungarianMapping(hist, K, C));
console.log(method, backbone, 'mIoU', (s.miou * 100).toFixed(1), 'acc', (s.pixelAccuracy * 100).toFixed(1), 'clusters used', used.size);
