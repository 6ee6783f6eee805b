// npm run bench:import — indexing 10 000 Cityscapes-layout frames (target < 30 s on this machine).
//
// The fixture is built in a temp dir: 10 000 leftImg8bit PNGs at the real Cityscapes size (2048x1024)
// and 10 000 gtFine labelId PNGs, spread over cities and splits, made from a few SynthDrive renders
// (BENCH_SYNTH_FRAMES, default 4, cached between runs). Labels are full copies; images keep their real
// size, header and tail (all the importer reads of an image) with the middle left as a file hole, so
// 10 000 of them do not take gigabytes. Every file has its own inode. The first pass runs with the page
// cache dropped (cold; needs root, else it says warm), then again warm.
// Measured: the whole import (scan, header + tail read of every image and label, label-value check on
// an evenly spread sample of 500 maps decoded at full size, sequences, report) plus the one-transaction
// write of all rows into a fresh workspace database. Also the same without the label decode, and with
// every label decoded, so the cost of each part shows.
// Options (env): BENCH_FRAMES (default 10000).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../main/engine/db/connection.js';
import { insertDataset } from '../main/engine/db/queries/datasets.js';
import { importJobParamsSchema, runImport } from '../main/engine/datasets/importer.js';
import { dropPageCache, uptime } from './lib/machine.js';
import { synthFrames } from './lib/synth-frames.js';

const N = Number(process.env.BENCH_FRAMES ?? 10_000);
const SYNTH_FRAMES = Number(process.env.BENCH_SYNTH_FRAMES ?? 4);
const W = 2048;
const H = 1024;
const log = (s: string) => process.stdout.write(s + '\n');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-import-'));
const root = path.join(tmp, 'cityscapes');

/** Real bytes where the importer reads an image (its header and its tail); the middle is a file hole. */
const HEAD_TAIL = 64 * 1024;

async function makeFixture(): Promise<void> {
  // A small set of SynthDrive frames at the Cityscapes size (generated once into a temp cache folder).
  const synth = await synthFrames({ sequences: 1, frames: SYNTH_FRAMES, width: W, height: H, seed: 31, split: 'train' });
  const images = synth.frames.map((f) => fs.readFileSync(f.image));
  const labels = synth.frames.map((f) => fs.readFileSync(f.labelIds));
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
    // Each file its own inode (hard links would share cached pages and make a cold read warm). Images:
    // the real PNG's header and tail at their real offsets, the middle a hole (10 000 full 2048×1024
    // frames would be gigabytes of disk; the importer reads only the header and the tail of an image).
    const img = images[i % images.length]!;
    const fd = fs.openSync(path.join(imDir, `${name}_leftImg8bit.png`), 'w');
    fs.writeSync(fd, img, 0, Math.min(HEAD_TAIL, img.length), 0);
    if (img.length > HEAD_TAIL) {
      const tail = Math.max(HEAD_TAIL, img.length - HEAD_TAIL);
      fs.writeSync(fd, img, tail, img.length - tail, tail);
    }
    fs.closeSync(fd);
    fs.writeFileSync(path.join(gtDir, `${name}_gtFine_labelIds.png`), labels[i % labels.length]!);
  }
  const mean = (xs: Buffer[]) => xs.reduce((a, x) => a + x.length, 0) / xs.length / 1024;
  log(
    `fixture: ${N} images (SynthDrive ${W}x${H} PNGs, ${mean(images).toFixed(0)} KiB each, ${images.length} distinct renders, header + tail real, middle a hole) ` +
      `+ ${N} labels (full SynthDrive labelIds PNGs, ${mean(labels).toFixed(1)} KiB each), ${synth.root}`,
  );
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
  log(`uptime: ${uptime()}`);
  // Cold (page cache dropped first: what a user sees after plugging in a drive) and warm (right after).
  const cold = dropPageCache();
  log(cold ? 'page cache dropped: the next pass reads from disk (cold)' : 'could not drop the page cache (not root?): every pass below is WARM');
  const sample = await timeImport('sample');
  const state = cold ? 'cold' : 'warm';
  log(`import, ${state} (headers + ${sample.labelsChecked} labels decoded + DB write): ${sample.seconds.toFixed(2)} s for ${sample.frames} frames ` +
    `(${(sample.frames / sample.seconds).toFixed(0)} frames/s; preflight ${sample.importSeconds.toFixed(2)} s, DB ${(sample.seconds - sample.importSeconds).toFixed(2)} s)`);
  const warm = await timeImport('sample');
  log(`import, warm (the same again): ${warm.seconds.toFixed(2)} s (${(warm.frames / warm.seconds).toFixed(0)} frames/s)`);
  const headersCold = dropPageCache();
  const headers = await timeImport('none');
  log(`import, headers only (no label decode), ${headersCold ? 'cold' : 'warm'}: ${headers.seconds.toFixed(2)} s (${(headers.frames / headers.seconds).toFixed(0)} frames/s)`);
  const all = process.env.BENCH_ALL_LABELS === '1' ? await timeImport('all') : null;
  if (all) log(`import, every label decoded: ${all.seconds.toFixed(2)} s (${(all.frames / all.seconds).toFixed(0)} frames/s)`);
  log(`target: ${N} frames < 30 s → ${sample.seconds < 30 ? 'met' : 'MISSED'}`);
  log('command: npm run bench:import' + (process.env.BENCH_FRAMES ? ` (BENCH_FRAMES=${N})` : ''));
  log(
    'BENCH ' +
      JSON.stringify({
        bench: 'import',
        command: 'npm run bench:import' + (process.env.BENCH_FRAMES ? ` (BENCH_FRAMES=${N})` : ''),
        frames: N,
        size: `${W}x${H}`,
        content: `SynthDrive (${SYNTH_FRAMES} renders)`,
        cache: state,
        uptime: uptime(),
        seconds: +sample.seconds.toFixed(3),
        warmSeconds: +warm.seconds.toFixed(3),
        framesPerSecond: +(sample.frames / sample.seconds).toFixed(1),
        labelsDecoded: sample.labelsChecked,
        headersOnlySeconds: +headers.seconds.toFixed(3),
        headersOnlyCache: headersCold ? 'cold' : 'warm',
        ...(all ? { allLabelsSeconds: +all.seconds.toFixed(3) } : {}),
        targetSeconds: 30,
        met: sample.seconds < 30,
      }),
  );
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
