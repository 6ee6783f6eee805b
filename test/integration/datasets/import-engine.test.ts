// Import through the engine: the 'datasets.import' job in a worker thread, the contract methods, the
// asset resolvers (image, thumbnail, GT ids and colours), frame-source reads from a worker with a
// read-only connection, and removal that leaves the originals alone.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../main/engine/db/connection.js';
import { getDataset, listFrames, readImageRGB, readLabelMap } from '../../../main/engine/datasets/frame-source.js';
import { createEngine, type Engine } from '../../../main/engine/engine.js';
import type { ArgsOf } from '../../../shared/contract/index.js';
import { decodePngLabel } from '../../../main/engine/images/png-label.js';
import { tempDir } from '../../helpers/temp-workspace.js';
import { makeBddTree, makeBrokenFolder, makeCityscapesTree } from '../../unit/datasets/fixtures.js';

let tmp: ReturnType<typeof tempDir>;
let engine: Engine;
let cs: string;
let csId: string;

async function importAndWait(args: ArgsOf<'datasets.import'>) {
  const { jobId, datasetId } = await engine.call('datasets.import', args);
  const job = await engine.call('jobs.wait', { id: jobId });
  return { job, datasetId, jobId };
}

beforeAll(async () => {
  tmp = tempDir('cs-ds-int-');
  cs = path.join(tmp.dir, 'cityscapes');
  await makeCityscapesTree(cs);
  engine = await createEngine({ workspace: path.join(tmp.dir, 'ws'), runJobs: true });
  const { job, datasetId } = await importAndWait({ path: cs, name: 'cs-small' });
  expect(job.state, job.error ?? '').toBe('succeeded');
  csId = datasetId;
});
afterAll(async () => {
  await engine?.close();
  tmp?.cleanup();
});

const get = (url: string) => engine.assets.handle(new Request(url));

describe('datasets through the engine', () => {
  it('lists and shows the dataset with its preflight report', async () => {
    const list = await engine.call('datasets.list', {});
    expect(list.map((d) => d.id)).toContain(csId);
    const d = await engine.call('datasets.get', { id: csId });
    expect(d).toMatchObject({ name: 'cs-small', format: 'cityscapes', root: cs, frameCount: 11, labelledCount: 4, protocolId: 'cityscapes-27' });
    expect(d.splits).toEqual(['demoVideo', 'test', 'train', 'val']);
    expect(d.report.perSplit.train).toEqual({ frames: 6, labelled: 3, sequences: 3 });
    const job = (await engine.call('jobs.list', {})).find((j) => j.kind === 'datasets.import');
    expect(job?.state).toBe('succeeded');
  });

  it('pages frames and lists sequences', async () => {
    const seqs = await engine.call('datasets.sequences', { id: csId, split: 'train' });
    expect(seqs.map((s) => [s.name, s.frameCount, s.labelledCount])).toEqual([
      ['aachen_000000', 4, 1],
      ['aachen_000001', 1, 1],
      ['bochum_000000', 1, 1],
    ]);
    const page1 = await engine.call('datasets.frames', { id: csId, offset: 0, limit: 4 });
    const page2 = await engine.call('datasets.frames', { id: csId, offset: 4, limit: 4 });
    expect(page1.total).toBe(11);
    expect(page1.items.map((f) => f.ordinal)).toEqual([0, 1, 2, 3]);
    expect(page2.items.map((f) => f.ordinal)).toEqual([4, 5, 6, 7]);
    const inSeq = await engine.call('datasets.frames', { id: csId, sequenceId: seqs[0]!.id });
    expect(inSeq.items.map((f) => f.index)).toEqual([0, 1, 2, 3]);
    expect(seqs[0]!.firstFrameId).toBe(inSeq.items[0]!.id);
    await expect(engine.call('datasets.frames', { id: 'ds-nope' })).rejects.toThrow(/dataset 'ds-nope' does not exist/);
  });

  it('serves the image, a cached thumbnail and the ground truth as ids and colours', async () => {
    const frames = listFrames(engine.db, csId);
    const labelled = frames.find((f) => f.name === 'aachen_000000_000019')!;
    const img = await get(`studio://asset/frame/${labelled.id}`);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await img.arrayBuffer()).equals(fs.readFileSync(labelled.imagePath))).toBe(true);

    const thumb = await get(`http://localhost/asset/thumb/${labelled.id}?w=64`);
    expect(thumb.status).toBe(200);
    const tmeta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect([tmeta.format, tmeta.width]).toEqual(['jpeg', 64]);
    const cached = fs.readdirSync(path.join(engine.workspace.root, 'cache', 'thumbnails', csId));
    expect(cached.length).toBe(1);
    expect((await get(`studio://asset/thumb/${labelled.id}?w=13`)).status).toBe(400);

    // GT bands top→bottom: labelIds 23 (sky), 11 (building), 7 (road), 26 (car) → 27-class ids 16, 4, 0, 19
    const gt = await get(`studio://asset/gt/${labelled.id}`);
    expect(gt.status).toBe(200);
    const gtBytes = Buffer.from(await gt.arrayBuffer());
    expect(gtBytes[25]).toBe(0); // PNG colour type 0: one gray channel
    const { data, ...info } = decodePngLabel(gtBytes);
    const col = (y: number) => data[y * info.width]!;
    expect([col(0), col(10), col(20), col(30)]).toEqual([16, 4, 0, 19]);
    // under the 19-class protocol the same pixels are trainIds 10, 2, 0, 13
    const gt19 = await get(`studio://asset/gt/${labelled.id}?protocol=cityscapes-19`);
    const d19 = decodePngLabel(Buffer.from(await gt19.arrayBuffer())).data;
    expect([d19[0], d19[10 * 64], d19[20 * 64], d19[30 * 64]]).toEqual([10, 2, 0, 13]);
    expect((await get(`studio://asset/gt/${labelled.id}?protocol=bdd100k-19`)).status).toBe(400);

    const colour = await get(`studio://asset/gt-color/${labelled.id}`);
    const c = await sharp(Buffer.from(await colour.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
    expect(c.info.channels).toBe(3);
    expect([...c.data.subarray(0, 3)]).toEqual([70, 130, 180]); // sky
    expect([...c.data.subarray(30 * 64 * 3, 30 * 64 * 3 + 3)]).toEqual([0, 0, 142]); // car
    // and its indices are the class ids
    const colourBytes = Buffer.from(await (await get(`studio://asset/gt-color/${labelled.id}`)).arrayBuffer());
    expect(colourBytes[25]).toBe(3); // colour type: palette
    const idx = decodePngLabel(colourBytes).data;
    expect([idx[0], idx[10 * 64], idx[20 * 64], idx[30 * 64]]).toEqual([16, 4, 0, 19]);

    const unlabelled = frames.find((f) => f.labelPath === null)!;
    expect((await get(`studio://asset/gt/${unlabelled.id}`)).status).toBe(404);
    expect((await get(`studio://asset/frame/ds-nope-f0`)).status).toBe(404);
  });

  it('reads frames from a worker thread with a read-only connection', async () => {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const { register } = await import('tsx/esm/api');
        register();
        const fsrc = await import(workerData.frameSource);
        const conn = await import(workerData.connection);
        const db = conn.openDatabase(workerData.db, { readonly: true });
        const frames = fsrc.listFrames(db, workerData.id, { split: 'val' });
        const img = await fsrc.readImageRGB(frames[0].imagePath);
        const lab = await fsrc.readLabelMap(frames[0].labelPath);
        const ds = fsrc.getDataset(db, workerData.id);
        db.close();
        parentPort.postMessage({ n: frames.length, w: img.width, h: img.height, bytes: img.data.length, first: lab.data[0], protocol: ds.protocolId });
      })().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
    `;
    const w = new Worker(code, {
      eval: true,
      workerData: {
        frameSource: new URL('../../../main/engine/datasets/frame-source.ts', import.meta.url).href,
        connection: new URL('../../../main/engine/db/connection.ts', import.meta.url).href,
        db: engine.workspace.databasePath,
        id: csId,
      },
    });
    const msg = await new Promise<Record<string, unknown>>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    expect(msg.error).toBeUndefined();
    expect(msg).toEqual({ n: 1, w: 64, h: 32, bytes: 64 * 32 * 3, first: 23, protocol: 'cityscapes-27' });
  });

  it('imports BDD100K and a broken folder through the job; the report names each bad file', async () => {
    const bdd = path.join(tmp.dir, 'bdd');
    await makeBddTree(bdd);
    const b = await importAndWait({ path: bdd, format: 'bdd100k' });
    expect(b.job.state, b.job.error ?? '').toBe('succeeded');
    expect(getDataset(engine.db, b.datasetId)).toMatchObject({ format: 'bdd100k', protocolId: 'bdd100k-19', frameCount: 5, labelledCount: 3 });

    const broken = path.join(tmp.dir, 'broken');
    await makeBrokenFolder(broken);
    const r = await importAndWait({ path: broken });
    expect(r.job.state, r.job.error ?? '').toBe('succeeded');
    const d = await engine.call('datasets.get', { id: r.datasetId });
    expect(d.frameCount).toBe(7);
    expect(d.report.issues.map((i) => `${i.kind} ${i.file}`).sort()).toEqual([
      'size_mismatch labels/frame7.png',
      'truncated_image images/frame6.png',
      'unknown_label_values labels/frame8.png',
    ]);
    const detail = await engine.call('jobs.get', { id: r.jobId });
    expect(detail.result).toMatchObject({ datasetId: r.datasetId, frames: 7, labelled: 6, droppedFrames: 1, issues: 3 });
    expect(detail.events.some((e) => e.type === 'log.warn' && /frame6\.png/.test(e.message))).toBe(true);
  });

  it('fails the job with a clear message when nothing is usable', async () => {
    const bad = path.join(tmp.dir, 'bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'x.png'), 'not a png');
    const r = await importAndWait({ path: bad });
    expect(r.job.state).toBe('failed');
    expect(r.job.error).toMatch(new RegExp(`${bad}: nothing to import: none of the 1 images is usable \\(x\\.png: not a PNG or JPEG`));
    await expect(engine.call('datasets.get', { id: r.datasetId })).rejects.toThrow(/does not exist/);
  });

  it('refuses a missing path or a bad protocol before queueing a job', async () => {
    await expect(engine.call('datasets.import', { path: path.join(tmp.dir, 'nowhere') })).rejects.toThrow(/nowhere: does not exist/);
    const proto = path.join(tmp.dir, 'bad-proto.json');
    fs.writeFileSync(proto, JSON.stringify({ schemaVersion: 1, id: 'x', name: 'X', classes: [{ name: 'a', color: 'blue' }] }));
    await expect(engine.call('datasets.import', { path: cs, protocol: proto })).rejects.toThrow(/bad-proto\.json: invalid label protocol: classes\[0\]\.color/);
  });

  it('stores a custom protocol with the dataset and lists it', async () => {
    const proto = path.join(tmp.dir, 'roads.json');
    fs.writeFileSync(proto, JSON.stringify({ schemaVersion: 1, id: 'roads', name: 'Roads', classes: [{ name: 'road', color: [1, 2, 3], values: [7] }], ignore: [0, 11, 23, 26, 21, 8, 24] }));
    const r = await importAndWait({ path: cs, protocol: proto });
    expect(r.job.state, r.job.error ?? '').toBe('succeeded');
    fs.rmSync(proto); // the workspace keeps its own copy
    const protocols = await engine.call('datasets.protocols', {});
    expect(protocols.find((p) => p.id === 'roads')).toMatchObject({ builtin: false, classNames: ['road'] });
    const f = listFrames(engine.db, r.datasetId).find((x) => x.name === 'aachen_000000_000019')!;
    const gt = await get(`studio://asset/gt/${f.id}`);
    const px = decodePngLabel(Buffer.from(await gt.arrayBuffer())).data;
    expect([px[0], px[20 * 64]]).toEqual([255, 0]);
    const raw = await readLabelMap(f.labelPath!);
    expect(raw.data[20 * 64]).toBe(7);
    expect((await readImageRGB(f.imagePath)).width).toBe(64);
  });

  it('removes a dataset and its caches but never the originals', async () => {
    const before = fs.readdirSync(cs, { recursive: true }).length;
    const out = await engine.call('datasets.remove', { id: csId });
    expect(out).toEqual({ id: csId, removed: true });
    expect(fs.readdirSync(cs, { recursive: true }).length).toBe(before);
    expect(fs.existsSync(path.join(engine.workspace.root, 'cache', 'thumbnails', csId))).toBe(false);
    expect(engine.db.prepare('SELECT COUNT(*) n FROM dataset_frames WHERE dataset_id = ?').get(csId)).toEqual({ n: 0 });
    await expect(engine.call('datasets.remove', { id: csId })).rejects.toThrow(/does not exist/);
  });
});

// keep the read-only connection helper exercised from the main thread too
describe('read-only connection', () => {
  it('lists frames without write access', () => {
    const db = openDatabase(engine.workspace.databasePath, { readonly: true });
    try {
      const any = (db.prepare('SELECT id FROM datasets LIMIT 1').get() as { id: string } | undefined)?.id;
      if (any) expect(listFrames(db, any).length).toBeGreaterThan(0);
      expect(() => db.prepare(`DELETE FROM datasets`).run()).toThrow(/readonly/i);
    } finally {
      db.close();
    }
  });
});
