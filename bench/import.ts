// npm run bench:import — indexing 10 000 Cityscapes-layout frames (target < 30 s on this machine).
//
// The fixture is built in a temp dir: 10 000 leftImg8bit PNGs at the real Cityscapes size (2048x1024)
// and 10 000 gtFine labelId PNGs, spread over cities and splits. Pixel content is simple so the files are
// small (disk and creation time), but headers, sizes and tails are those of real files. One image and
// one label are written with sharp; the rest are copies with their own names, so every file is opened.
// Measured: the whole import (scan, header + tail read of every image and label, label-value check on
// an evenly spread sample of 500 maps decoded at full size, sequences, report) plus the one-transaction
// write of all rows into a fresh workspace database. Also the same without the label decode, and with
// every label decoded, so the cost of each part shows.
// Options (env): BENCH_FRAMES (default 10000).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openDatabase } from '../main/engine/db/connection.js';
import { insertDataset } from '../main/engine/db/queries/datasets.js';
import { importJobParamsSchema, runImport } from '../main/engine/datasets/importer.js';

const N = Number(process.env.BENCH_FRAMES ?? 10_000);
const W = 2048;
const H = 1024;
const log = (s: string) => process.stdout.write(s + '\n');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-import-'));
const root = path.join(tmp, 'cityscapes');

async function makeFixture(): Promise<void> {
  const rgb = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) rgb.fill(y & 255, y * W * 3, (y + 1) * W * 3);
  const img = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
  const ids = Buffer.alloc(W * H);
  const bands = [23, 11, 21, 7, 8, 26];
  for (let y = 0; y < H; y++) ids.fill(bands[Math.floor((y * bands.length) / H)]!, y * W, (y + 1) * W);
  const lab = await sharp(ids, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  const cities = ['aachen', 'bochum', 'bremen', 'cologne', 'darmstadt', 'dusseldorf', 'erfurt', 'hamburg', 'hanover', 'jena'];
  for (let i = 0; i < N; i++) {
    const split = i % 10 < 8 ? 'train' : i % 10 === 8 ? 'val' : 'test';
    const city = cities[i % cities.length]!;
    const name = `${city}_${String(Math.floor(i / 10)).padStart(6, '0')}_000019`;
    const imDir = path.join(root, 'leftImg8bit', split, city);
    const gtDir = path.join(root, 'gtFine', split, city);
    if (i < cities.length * 3) {
      fs.mkdirSync(imDir, { recursive: true });
      fs.mkdirSync(gtDir, { recursive: true });
    }
    fs.writeFileSync(path.join(imDir, `${name}_leftImg8bit.png`), img);
    fs.writeFileSync(path.join(gtDir, `${name}_gtFine_labelIds.png`), lab);
  }
  log(`fixture: ${N} images (${(img.length / 1024).toFixed(1)} KiB each) + ${N} labels (${(lab.length / 1024).toFixed(1)} KiB each), ${W}x${H}`);
}

async function timeImport(labelCheck: 'sample' | 'none' | 'all'): Promise<{ seconds: number; importSeconds: number; frames: number; labelsChecked: number }> {
  const ws = fs.mkdtempSync(path.join(tmp, 'ws-'));
  const t0 = performance.now();
  const out = await runImport(importJobParamsSchema.parse({ path: root, labelCheck }), { workspaceRoot: ws, db: null, fallbackDatasetId: 'ds-bench' });
  const t1 = performance.now();
  const db = openDatabase(path.join(ws, 'studio.db'));
  insertDataset(db, out.dataset, out.sequences, out.frames);
  db.close();
  const t2 = performance.now();
  return { seconds: (t2 - t0) / 1000, importSeconds: (t1 - t0) / 1000, frames: out.frames.length, labelsChecked: out.dataset.report.labelsChecked };
}

try {
  const tf = performance.now();
  await makeFixture();
  log(`fixture written in ${((performance.now() - tf) / 1000).toFixed(1)} s`);
  // Cold-ish first pass is what a user sees after copying a drive; later passes hit the page cache.
  const sample = await timeImport('sample');
  log(`import (headers + ${sample.labelsChecked} labels decoded + DB write): ${sample.seconds.toFixed(2)} s for ${sample.frames} frames ` +
    `(${(sample.frames / sample.seconds).toFixed(0)} frames/s; preflight ${sample.importSeconds.toFixed(2)} s, DB ${(sample.seconds - sample.importSeconds).toFixed(2)} s)`);
  const headers = await timeImport('none');
  log(`import, headers only (no label decode): ${headers.seconds.toFixed(2)} s (${(headers.frames / headers.seconds).toFixed(0)} frames/s)`);
  const all = process.env.BENCH_ALL_LABELS === '1' ? await timeImport('all') : null;
  if (all) log(`import, every label decoded: ${all.seconds.toFixed(2)} s (${(all.frames / all.seconds).toFixed(0)} frames/s)`);
  log(`target: ${N} frames < 30 s → ${sample.seconds < 30 ? 'met' : 'MISSED'}`);
  log('command: npm run bench:import' + (process.env.BENCH_FRAMES ? ` (BENCH_FRAMES=${N})` : ''));
  log(
    'BENCH ' +
      JSON.stringify({
        bench: 'import',
        frames: N,
        size: `${W}x${H}`,
        seconds: +sample.seconds.toFixed(3),
        framesPerSecond: +(sample.frames / sample.seconds).toFixed(1),
        labelsDecoded: sample.labelsChecked,
        headersOnlySeconds: +headers.seconds.toFixed(3),
        ...(all ? { allLabelsSeconds: +all.seconds.toFixed(3) } : {}),
        targetSeconds: 30,
        met: sample.seconds < 30,
      }),
  );
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
