// The real KITTI semantics frame in ../shared/data (image folder + Cityscapes-labelId folder): input
// nobody here made. Skips when ../shared/data is absent (a user's checkout).
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importJobParamsSchema, runImport } from '../../../main/engine/datasets/importer.js';
import { readImageRGB, readLabelMap } from '../../../main/engine/datasets/frame-source.js';
import { getBuiltinProtocol, mapLabels, IGNORE } from '../../../shared/protocols/index.js';
import { sharedDataDir, tempDir } from '../../helpers/temp-workspace.js';

const shared = sharedDataDir();
const kitti = shared ? path.join(shared, 'real-driving', 'kitti', 'training') : null;
if (!kitti) console.warn('KITTI real-frame test skipped: ../shared/data is absent');
const tmp = tempDir('cs-kitti-');
afterAll(() => tmp.cleanup());

describe.skipIf(!kitti)('real KITTI frame', () => {
  it('imports image_2 with its semantic labels as Cityscapes labelIds, with no unknown values', async () => {
    const o = await runImport(importJobParamsSchema.parse({ path: path.join(kitti!, 'image_2'), labels: path.join(kitti!, 'semantic') }), {
      workspaceRoot: tmp.dir,
      db: null,
      fallbackDatasetId: 'ds-kitti',
    });
    expect(o.dataset.root).toBe(kitti);
    expect(o.frames).toHaveLength(1);
    const f = o.frames[0]!;
    expect(f).toMatchObject({ name: '000000_10', imageRel: 'image_2/000000_10.png', labelRel: 'semantic/000000_10.png', width: 1242, height: 375 });
    const r = o.dataset.report;
    expect(r.issues).toEqual([]);
    expect(r.labelsChecked).toBe(1);
    // a road scene: road (7), sky (23) and vegetation (21) are present
    for (const v of ['7', '21', '23']) expect(r.labelValues[v]).toBeGreaterThan(1000);
    const total = Object.values(r.labelValues).reduce((a, b) => a + b, 0);
    expect(total).toBe(1242 * 375);

    const img = await readImageRGB(path.join(kitti!, f.imageRel));
    const lab = await readLabelMap(path.join(kitti!, f.labelRel!));
    expect([img.width, img.height, lab.width, lab.height]).toEqual([1242, 375, 1242, 375]);
    const classes = mapLabels(getBuiltinProtocol('cityscapes-27')!, lab.data);
    const valid = classes.reduce((n, c) => n + (c !== IGNORE ? 1 : 0), 0);
    expect(valid / classes.length).toBeGreaterThan(0.5);
  });

  it('finds the label folder on its own when given the training folder', async () => {
    const o = await runImport(importJobParamsSchema.parse({ path: kitti! }), { workspaceRoot: tmp.dir, db: null, fallbackDatasetId: 'ds-k2' });
    expect(o.frames.map((f) => [f.imageRel, f.labelRel])).toEqual([['image_2/000000_10.png', 'semantic/000000_10.png']]);
    expect(o.dataset.report.notes.join('\n')).toMatch(/labels found in semantic\//);
  });
});
