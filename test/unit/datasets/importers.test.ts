import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat, importJobParamsSchema, runImport, type ImportOutcome } from '../../../main/engine/datasets/importer.js';
import { naturalCompare } from '../../../main/engine/datasets/scan.js';
import { spreadOrder } from '../../../main/engine/datasets/preflight.js';
import { tempDir } from '../../helpers/temp-workspace.js';
import { makeBddTree, makeBrokenFolder, makeCityscapesTree, writeLabel, writeRgb } from './fixtures.js';

const tmp = tempDir('cs-import-');
afterAll(() => tmp.cleanup());
const cs = path.join(tmp.dir, 'cityscapes');
const bdd = path.join(tmp.dir, 'bdd100k');
const broken = path.join(tmp.dir, 'broken');

beforeAll(async () => {
  await makeCityscapesTree(cs);
  await makeBddTree(bdd);
  await makeBrokenFolder(broken);
});

function importOf(params: Record<string, unknown>): Promise<ImportOutcome> {
  return runImport(importJobParamsSchema.parse(params), { workspaceRoot: path.join(tmp.dir, 'ws'), db: null, fallbackDatasetId: 'ds-test' });
}

const framesOf = (o: ImportOutcome) =>
  o.frames.map((f) => ({ seq: o.sequences.find((s) => s.id === f.sequenceId)!.name, split: f.split, index: f.index, name: f.name, label: f.labelRel }));

describe('format detection', () => {
  it('recognises the layouts', async () => {
    expect(detectFormat(cs)).toBe('cityscapes');
    expect(detectFormat(path.join(cs, 'leftImg8bit'))).toBe('cityscapes');
    expect(detectFormat(bdd)).toBe('bdd100k');
    expect(detectFormat(broken)).toBe('folder');
    expect(() => detectFormat(path.join(tmp.dir, 'missing'))).toThrow(/missing: does not exist/);
  });

  it('sorts names naturally', () => {
    expect(['f10', 'f2', 'f1'].sort(naturalCompare)).toEqual(['f1', 'f2', 'f10']);
  });
});

describe('Cityscapes importer', () => {
  it('registers frames in place, grouped into sequences ordered by frame number', async () => {
    const o = await importOf({ path: cs });
    expect(o.dataset).toMatchObject({ id: 'ds-test', format: 'cityscapes', root: cs, protocolId: 'cityscapes-27', name: 'cityscapes' });
    const frames = framesOf(o);
    // train: aachen_000000 (snippet 16..19, the 19th labelled), aachen_000001, bochum_000000 (coarse)
    expect(frames.filter((f) => f.split === 'train')).toEqual([
      { seq: 'aachen_000000', split: 'train', index: 0, name: 'aachen_000000_000016', label: null },
      { seq: 'aachen_000000', split: 'train', index: 1, name: 'aachen_000000_000017', label: null },
      { seq: 'aachen_000000', split: 'train', index: 2, name: 'aachen_000000_000018', label: null },
      { seq: 'aachen_000000', split: 'train', index: 3, name: 'aachen_000000_000019', label: 'gtFine/train/aachen/aachen_000000_000019_gtFine_labelIds.png' },
      { seq: 'aachen_000001', split: 'train', index: 0, name: 'aachen_000001_000019', label: 'gtFine/train/aachen/aachen_000001_000019_gtFine_labelIds.png' },
      { seq: 'bochum_000000', split: 'train', index: 0, name: 'bochum_000000_000313', label: 'gtCoarse/train/bochum/bochum_000000_000313_gtCoarse_labelIds.png' },
    ]);
    // the labelled snippet frame is the leftImg8bit copy, not the _sequence one
    expect(o.frames.find((f) => f.name === 'aachen_000000_000019')!.imageRel).toBe('leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png');
    expect(frames.filter((f) => f.split === 'demoVideo').map((f) => [f.name, f.index])).toEqual([
      ['stuttgart_00_000000_000001', 0],
      ['stuttgart_00_000000_000002', 1],
      ['stuttgart_00_000000_000003', 2],
    ]);
    // splits in train, val, test order, then others
    expect([...new Set(o.frames.map((f) => f.split))]).toEqual(['train', 'val', 'test', 'demoVideo']);
    const r = o.dataset.report;
    expect(r.perSplit).toEqual({
      train: { frames: 6, labelled: 3, sequences: 3 },
      val: { frames: 1, labelled: 1, sequences: 1 },
      test: { frames: 1, labelled: 0, sequences: 1 },
      demoVideo: { frames: 3, labelled: 0, sequences: 1 },
    });
    expect(r.keptFrames).toBe(11);
    expect(r.droppedFrames).toBe(0);
    expect(r.framesWithoutLabels).toBe(7);
    expect(r.labelsChecked).toBe(4);
    expect(r.labelValues).toMatchObject({ '0': expect.any(Number), '7': expect.any(Number), '23': expect.any(Number) });
    expect(r.counts.unknown_label_values ?? 0).toBe(0);
    // originals are referenced, with size and mtime, never copied
    const f0 = o.frames[0]!;
    const st = fs.statSync(path.join(cs, f0.imageRel));
    expect(f0.imageSize).toBe(st.size);
    expect(f0.imageMtime).toBeCloseTo(st.mtimeMs, 0);
    expect([f0.width, f0.height]).toEqual([64, 32]);
    expect(fs.existsSync(path.join(tmp.dir, 'ws'))).toBe(false);
  });
});

describe('split selection', () => {
  it('imports only the requested split of a Cityscapes tree, and names the splits when it is absent', async () => {
    const o = await importOf({ path: cs, split: 'val' });
    expect(o.frames.map((f) => f.name)).toEqual(['lindau_000000_000019']);
    expect(o.dataset.report.issues).toEqual([]);
    await expect(importOf({ path: cs, split: 'nope' })).rejects.toThrow(/no split 'nope' here \(found: train, val, test, demoVideo\)/);
    // pointing at a split folder picks that split
    const v = await importOf({ path: path.join(cs, 'leftImg8bit', 'val') });
    expect(v.dataset.root).toBe(cs);
    expect(v.frames.map((f) => f.name)).toEqual(['lindau_000000_000019']);
    const b = await importOf({ path: path.join(bdd, 'images', '10k', 'val') });
    expect(b.dataset.format).toBe('bdd100k');
    expect(b.frames.map((f) => f.name)).toEqual(['7d2f7975-e0c1c5a7']);
  });
});

describe('cancellation', () => {
  it('stops with a cancelled error when the job is cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      runImport(importJobParamsSchema.parse({ path: cs }), { workspaceRoot: tmp.dir, db: null, fallbackDatasetId: 'ds-x', signal: ac.signal }),
    ).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('BDD100K importer', () => {
  it('pairs 10k images with sem_seg masks and reads them as trainIds', async () => {
    const o = await importOf({ path: bdd });
    expect(o.dataset.protocolId).toBe('bdd100k-19');
    expect(o.dataset.format).toBe('bdd100k');
    const frames = framesOf(o);
    expect(frames.map((f) => [f.split, f.seq, f.name, f.label !== null])).toEqual([
      ['train', '0a0a0b1a', '0a0a0b1a-7c39d841', true],
      ['train', '0a0a0b1a', '0a0a0b1a-7c39d842', false],
      ['train', '1b2c3d4e', '1b2c3d4e-00000001', true],
      ['val', '7d2f7975', '7d2f7975-e0c1c5a7', true],
      ['test', 'cabc30fc', 'cabc30fc-e7726578', false],
    ]);
    expect(o.dataset.report.counts.unknown_label_values ?? 0).toBe(0);
    expect(o.dataset.report.labelValues['255']).toBeGreaterThan(0);
    // the unlabelled train image is named; the test split (no labels at all) is not
    expect(o.dataset.report.issues.map((i) => `${i.kind} ${i.file}`)).toEqual(['missing_label images/10k/train/0a0a0b1a-7c39d842.jpg']);
    expect(o.frames[0]!.labelRel).toBe('labels/sem_seg/masks/train/0a0a0b1a-7c39d841.png');
  });
});

describe('image folder importer with broken files', () => {
  it('reports the truncated image, the wrong-size label and the unknown value by name, and keeps the rest', async () => {
    const o = await importOf({ path: broken });
    const r = o.dataset.report;
    expect(o.dataset.root).toBe(broken);
    expect(o.dataset.protocolId).toBe('cityscapes-27');
    expect(o.frames.map((f) => f.name)).toEqual(['frame1', 'frame2', 'frame3', 'frame4', 'frame5', 'frame7', 'frame8']);
    expect(o.frames.filter((f) => f.labelRel !== null).map((f) => f.name)).toEqual(['frame1', 'frame2', 'frame3', 'frame4', 'frame5', 'frame8']);
    const byKind = Object.fromEntries(r.issues.map((i) => [i.kind, i]));
    expect(byKind.truncated_image).toMatchObject({ file: 'images/frame6.png', dropped: true });
    expect(byKind.truncated_image!.message).toMatch(/^images\/frame6\.png: PNG is truncated/);
    expect(byKind.size_mismatch).toMatchObject({ file: 'labels/frame7.png', dropped: false });
    expect(byKind.size_mismatch!.message).toMatch(/label is 80x20 but its image images\/frame7\.png is 40x20/);
    expect(byKind.unknown_label_values).toMatchObject({ file: 'labels/frame8.png', dropped: false });
    expect(byKind.unknown_label_values!.message).toMatch(/value\(s\) 200 are not in protocol cityscapes-27/);
    expect(r.issues.map((i) => i.kind).sort()).toEqual(['size_mismatch', 'truncated_image', 'unknown_label_values']);
    expect(r.droppedFrames).toBe(1);
    expect(r.keptFrames).toBe(7);
    expect(r.framesWithoutLabels).toBe(1);
    expect(r.notes.join('\n')).toMatch(/labels read as Cityscapes labelIds/);
  });

  it('honours an explicit label folder, split and protocol', async () => {
    const o = await importOf({ path: path.join(broken, 'images'), labels: path.join(broken, 'labels'), split: 'val', protocol: 'cityscapes-19', name: 'mine' });
    expect(o.dataset.name).toBe('mine');
    expect(o.dataset.protocolId).toBe('cityscapes-19');
    expect(new Set(o.frames.map((f) => f.split))).toEqual(new Set(['val']));
    expect(o.frames.find((f) => f.name === 'frame1')!.labelRel).toBe('labels/frame1.png');
  });

  it('groups sub-folders into sequences and split folders into splits', async () => {
    const root = path.join(tmp.dir, 'tree');
    for (const [dir, n] of [['train/drive_a', 3], ['train/drive_b', 2], ['val/drive_c', 1]] as const) {
      for (let i = n; i >= 1; i--) await writeRgb(path.join(root, dir, `img_${i * 5}.jpg`), 16, 8, i, 'jpg');
    }
    const o = await importOf({ path: root });
    expect(o.dataset.protocolId).toBeNull();
    expect(framesOf(o).map((f) => `${f.split}/${f.seq}/${f.index}:${f.name}`)).toEqual([
      'train/drive_a/0:img_5',
      'train/drive_a/1:img_10',
      'train/drive_a/2:img_15',
      'train/drive_b/0:img_5',
      'train/drive_b/1:img_10',
      'val/drive_c/0:img_5',
    ]);
  });

  it('fails clearly when nothing is usable', async () => {
    const root = path.join(tmp.dir, 'all-bad');
    await writeRgb(path.join(root, 'a.png'), 16, 16);
    fs.writeFileSync(path.join(root, 'a.png'), fs.readFileSync(path.join(root, 'a.png')).subarray(0, 40));
    await expect(importOf({ path: root })).rejects.toThrow(new RegExp(`^${root}: nothing to import: none of the 1 images is usable \\(a\\.png: PNG is truncated`));
    const empty = path.join(tmp.dir, 'empty');
    fs.mkdirSync(empty);
    await expect(importOf({ path: empty })).rejects.toThrow(/empty: nothing to import: no images found/);
  });

  it('samples label values on large imports and says so', async () => {
    const root = path.join(tmp.dir, 'sampled');
    for (let i = 0; i < 6; i++) {
      await writeRgb(path.join(root, 'images', `f${i}.png`), 8, 8, i);
      await writeLabel(path.join(root, 'labels', `f${i}.png`), 8, 8, [7]);
    }
    const o = await importOf({ path: root, labelCheckLimit: 2 });
    expect(o.dataset.report.labelsChecked).toBe(2);
    expect(o.dataset.report.notes.join('\n')).toMatch(/checked on 2 of 6 label maps/);
  });

  it('names image files it cannot read and notes a split whose labels are all void', async () => {
    const root = path.join(tmp.dir, 'odd');
    await writeRgb(path.join(root, 'images', 'a.png'), 8, 8);
    await writeLabel(path.join(root, 'labels', 'a.png'), 8, 8, [0, 3]);
    fs.writeFileSync(path.join(root, 'images', 'b.bmp'), 'BM');
    const o = await importOf({ path: root });
    expect(o.dataset.report.issues).toEqual([
      { kind: 'unsupported_file', file: 'images/b.bmp', message: 'images/b.bmp: not a PNG or JPEG; convert it to import this frame', dropped: true },
    ]);
    expect(o.dataset.report.notes.join('\n')).toMatch(/split train: the 1 checked label maps hold only values cityscapes-27 ignores/);
  });

  it('visits a label sample so that every prefix is spread out', () => {
    expect(spreadOrder(8)).toEqual([0, 4, 2, 6, 1, 5, 3, 7]);
    expect(spreadOrder(5).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    expect(spreadOrder(5).slice(0, 2)).toEqual([0, 4]);
  });

  it('rejects an unknown protocol and reads a custom protocol file', async () => {
    await expect(importOf({ path: broken, protocol: 'nope' })).rejects.toThrow(/label protocol 'nope' is unknown/);
    const file = path.join(tmp.dir, 'proto.json');
    fs.writeFileSync(file, JSON.stringify({ schemaVersion: 1, id: 'two', name: 'Two', classes: [{ name: 'road', color: [1, 2, 3], values: [7] }, { name: 'sky', color: [4, 5, 6], values: [23] }] }));
    const o = await importOf({ path: broken, protocol: file });
    expect(o.dataset.protocolId).toBe('two');
    expect(o.customProtocol?.sourcePath).toBe(file);
    // value 200 is unknown under this protocol too
    expect(o.dataset.report.issues.some((i) => i.kind === 'unknown_label_values' && i.file === 'labels/frame8.png')).toBe(true);
  });
});
