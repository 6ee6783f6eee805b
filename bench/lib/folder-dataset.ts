// A temp workspace with a small image-folder dataset registered directly in the database, so the
// feature cache can be benchmarked and tested without the importers. Shared by bench:backbone and the
// backbone integration tests (a bench must not import from test/).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Database } from 'better-sqlite3';
import { openDatabase } from '../../main/engine/db/connection.js';
import { insertDataset, type NewFrame } from '../../main/engine/db/queries/datasets.js';
import type { PreflightReport } from '../../shared/contract/datasets.js';
import { openWorkspace, type Workspace } from '../../main/engine/workspace.js';

export interface Fixture {
  readonly root: string;
  readonly ws: Workspace;
  readonly db: Database;
  readonly datasetId: string;
  readonly imageDir: string;
  readonly frames: string[];
  cleanup(): void;
}

/** A driving-like synthetic frame: sky gradient on top, textured road below, a few coloured boxes. */
export async function writeFrame(file: string, width: number, height: number, seed: number): Promise<void> {
  const px = Buffer.alloc(width * height * 3);
  let s = seed * 7919 + 1;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const boxes = Array.from({ length: 3 }, () => ({ x: rnd() * width, y: height * (0.35 + rnd() * 0.3), w: 6 + rnd() * width * 0.2, h: 6 + rnd() * height * 0.2, c: [rnd() * 255, rnd() * 255, rnd() * 255] }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      let c: number[];
      if (y < height * 0.45) c = [120 + (y / height) * 100, 160 + (y / height) * 60, 230];
      else {
        const v = 70 + rnd() * 40;
        c = [v, v, v + 5];
      }
      for (const b of boxes) if (x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h) c = b.c;
      px[i] = c[0]!;
      px[i + 1] = c[1]!;
      px[i + 2] = c[2]!;
    }
  }
  await sharp(px, { raw: { width, height, channels: 3 } }).png().toFile(file);
}

export async function makeFixture(options: { frames?: number; width?: number; height?: number; duplicates?: number } = {}): Promise<Fixture> {
  const n = options.frames ?? 6;
  const width = options.width ?? 96;
  const height = options.height ?? 64;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-features-'));
  const imageDir = path.join(root, 'images');
  fs.mkdirSync(imageDir);
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = path.join(imageDir, `frame_${String(i).padStart(4, '0')}.png`);
    // The last `duplicates` frames repeat frame 0's content (a paused car): computed once.
    await writeFrame(f, width, height, i >= n - (options.duplicates ?? 0) ? 0 : i);
    files.push(f);
  }
  const ws = openWorkspace(path.join(root, 'ws'));
  const db = openDatabase(ws.databasePath);
  const datasetId = crypto.randomUUID();
  const seqId = crypto.randomUUID();
  const frames: NewFrame[] = files.map((f, i) => ({
    id: crypto.randomUUID(),
    sequenceId: seqId,
    ordinal: i,
    index: i,
    split: 'train',
    name: path.basename(f, '.png'),
    imageRel: path.relative(imageDir, f),
    imageSize: fs.statSync(f).size,
    imageMtime: fs.statSync(f).mtimeMs,
    labelRel: null,
    labelSize: null,
    labelMtime: null,
    width,
    height,
    timeSeconds: null,
  }));
  insertDataset(
    db,
    {
      id: datasetId,
      name: 'fixture',
      format: 'folder',
      root: imageDir,
      sourcePath: imageDir,
      protocolId: null,
      managedRoot: false,
      report: { schemaVersion: 1, root: imageDir, format: 'folder' } as unknown as PreflightReport,
      options: {},
    },
    [{ id: seqId, name: 'seq', split: 'train', ordinal: 0, frameCount: n, labelledCount: 0 }],
    frames,
  );
  return {
    root,
    ws,
    db,
    datasetId,
    imageDir,
    frames: frames.map((f) => f.id),
    cleanup() {
      db.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
