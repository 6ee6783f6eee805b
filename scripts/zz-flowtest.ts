import fs from 'node:fs';
import sharp from 'sharp';
import { lucasKanadeFlow, lumaOf } from '../main/engine/temporal/optical-flow.js';
import { decodeMotion } from '../main/engine/synth/motion.js';
const dir = '/tmp/temporal-ws/demo/synthdrive-train-3x30-512x256-s5';
const stem = (f: number) => `synthdrive_000000_${String(f).padStart(6, '0')}`;
const rgb = async (f: number) => new Uint8Array((await sharp(`${dir}/leftImg8bit/train/synthdrive/${stem(f)}_leftImg8bit.png`).removeAlpha().raw().toBuffer()));
const a = await rgb(10), b = await rgb(11);
const m = decodeMotion(fs.readFileSync(`${dir}/motion/train/synthdrive/${stem(11)}_motion.bin`));
for (const [factor, levels, r, it, sm] of [[2,4,3,3,0],[2,4,3,3,2],[2,4,3,3,4],[2,5,3,3,4],[2,5,3,5,8],[1,5,3,3,6]] as const) {
  const t0 = performance.now();
  const fl = lucasKanadeFlow(lumaOf(a, 512, 256, factor), lumaOf(b, 512, 256, factor), { levels, radius: r, iterations: it, smoothing: sm });
  const ms = performance.now() - t0;
  const W = fl.width;
  const e: number[] = [];
  const byRow: number[][] = [[], [], [], []];
  for (let y = 0; y < 256; y++) for (let x = 0; x < 512; x++) {
    const i = y * 512 + x; if (Number.isNaN(m.u[i]!)) continue;
    const j = Math.min(fl.height - 1, Math.floor(y / factor)) * W + Math.min(W - 1, Math.floor(x / factor));
    const err = Math.hypot(fl.u[j]! * factor - m.u[i]!, fl.v[j]! * factor - m.v[i]!);
    e.push(err); byRow[Math.floor(y / 64)]!.push(err);
  }
  const med = (q: number[]) => { const s = [...q].sort((p, r) => p - r); return s[s.length >> 1]?.toFixed(2); };
  console.log(factor, levels, r, it, sm, 'median', med(e), 'rows', byRow.map(med).join(' '), ms.toFixed(0) + 'ms');
}
{
  // pure translation of a real frame: cur(p) = prev(p + (4, 2))
  const sh = new Uint8Array(a.length);
  for (let y = 0; y < 256; y++) for (let x = 0; x < 512; x++) { const sx = Math.min(511, x + 4), sy = Math.min(255, y + 2); for (let c = 0; c < 3; c++) sh[(y * 512 + x) * 3 + c] = a[(sy * 512 + sx) * 3 + c]!; }
  const fl = lucasKanadeFlow(lumaOf(a, 512, 256, 2), lumaOf(sh, 512, 256, 2), {});
  const us = Array.from(fl.u).sort((p, q) => p - q), vs = Array.from(fl.v).sort((p, q) => p - q);
  console.log('translation (2, 1) at half res: median u', us[us.length >> 1], 'v', vs[vs.length >> 1], 'p10/p90 u', us[Math.floor(us.length * 0.1)], us[Math.floor(us.length * 0.9)]);
}
