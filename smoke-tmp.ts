import { openFeatureSet } from './main/engine/features/feature-reader.js';
const ws = '/tmp/cs-e2e';
const D = await import('better-sqlite3');
const db = new D.default(ws + '/studio.db', { readonly: true });
for (const r of db.prepare('select id, backbone from feature_sets').all() as { id: string; backbone: string }[]) {
  const fs = openFeatureSet(ws, r.id);
  const d = fs.dim;
  const g = fs.read(5);
  const N = fs.grid.h * fs.grid.w;
  const mean = new Float64Array(d), sq = new Float64Array(d);
  for (let i = 0; i < N; i++) for (let c = 0; c < d; c++) { mean[c] += g[i * d + c]! / N; sq[c] += g[i * d + c]! ** 2 / N; }
  let cs = 0, cnt = 0;
  for (let t = 0; t < 2000; t++) {
    const i = Math.floor(Math.random() * N), j = Math.floor(Math.random() * N);
    let a = 0, na = 0, nb = 0;
    for (let c = 0; c < d; c++) { a += g[i*d+c]! * g[j*d+c]!; na += g[i*d+c]! ** 2; nb += g[j*d+c]! ** 2; }
    cs += a / Math.sqrt(na * nb); cnt++;
  }
  console.log(r.backbone, 'dim', d, 'mean cos', (cs / cnt).toFixed(3), 'means', Array.from(mean.slice(0, 8)).map((v) => v.toFixed(2)).join(' '), 'std', Array.from(sq.slice(0, 8)).map((v, c) => Math.sqrt(v - mean[c]! ** 2).toFixed(2)).join(' '));
}
