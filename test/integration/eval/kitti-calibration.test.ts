// Real input nobody here made: the KITTI semantics frame in ../shared/data. Per-pixel RGB k-means
// (k-means++, K = the Cityscapes-27 classes present), Hungarian-matched, is calibrated there at
// 8.9 % mIoU / 31.6 % pixel accuracy; our histogram + Hungarian + metrics path must land on it.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hungarianMapping, scoreHistogram } from '../../../shared/metrics/confusion.js';
import { getBuiltinProtocol } from '../../../shared/protocols/builtin.js';
import { kmeans } from '../../../main/engine/clustering/kmeans.js';
import { readImageRGB, readLabelMap } from '../../../main/engine/datasets/frame-source.js';
import { HistogramBuilder } from '../../../main/engine/eval/histogram.js';
import { sharedDataDir } from '../../helpers/temp-workspace.js';

const data = sharedDataDir();
const cs27 = getBuiltinProtocol('cityscapes-27')!;

describe.skipIf(!data)('KITTI real frame calibration', () => {
  it('RGB k-means + Hungarian scores about 8.9 % mIoU / 31.6 % pixel accuracy', async () => {
    const dir = path.join(data!, 'real-driving', 'kitti', 'training');
    const img = await readImageRGB(path.join(dir, 'image_2', '000000_10.png'));
    const label = await readLabelMap(path.join(dir, 'semantic', '000000_10.png'));
    expect([label.width, label.height]).toEqual([img.width, img.height]);
    const present = new Set<number>();
    for (let i = 0; i < label.data.length; i++) {
      const t = cs27.lut[label.data[i]!]!;
      if (t < 27) present.add(t);
    }
    const K = present.size;
    const n = img.width * img.height;
    const rgb = new Float32Array(n * 3);
    for (let i = 0; i < n * 3; i++) rgb[i] = img.data[i]!;
    const results: { miou: number; acc: number }[] = [];
    for (const seed of [0]) {
      const km = kmeans(rgb, n, 3, { k: K, seed, metric: 'euclidean' });
      const b = new HistogramBuilder(K, cs27, 'full');
      b.addFrame({ frameId: 'kitti', labelPath: 'semantic/000000_10.png' }, { data: Uint16Array.from(km.assignments), width: img.width, height: img.height }, label);
      const h = b.result().histogram;
      const s = scoreHistogram(h, K, 27, hungarianMapping(h, K, 27));
      results.push({ miou: s.miou, acc: s.pixelAccuracy });
    }
    console.log(`KITTI RGB k-means K=${K}: ${results.map((r) => `${(r.miou * 100).toFixed(2)} % mIoU / ${(r.acc * 100).toFixed(2)} % acc`).join('; ')}`);
    for (const r of results) {
      expect(r.miou * 100).toBeGreaterThan(8.9 - 1.5);
      expect(r.miou * 100).toBeLessThan(8.9 + 1.5);
      expect(r.acc * 100).toBeGreaterThan(31.6 - 3);
      expect(r.acc * 100).toBeLessThan(31.6 + 3);
    }
  });
});
if (!data) console.warn('skipping KITTI calibration: ../shared/data is absent');
