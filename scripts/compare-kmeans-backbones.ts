// k-means on the built-in backbones, with the method's evaluation protocol, on a default SynthDrive run:
//   npx tsx scripts/compare-kmeans-backbones.ts [--backbones rgb,builtin] [--metric cosine|euclidean|both] [--keep]
// Everything goes through the product path: synth.generate → datasets.import → features.extract (the
// reference preset: short side 320, centre crop 320×320) → the feature reader. Then k-means (K = 27,
// k-means++) over all patch tokens, cluster maps upsampled to 320×320 (nearest patch), labels cropped
// the same way, Cityscapes-27 classes, one histogram over the whole set, Hungarian one-to-one mapping.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createEngine } from '../main/engine/engine.js';
import { kmeans, type KMeansMetric } from '../main/engine/clustering/kmeans.js';
import { getFrame, getProtocol, mapLabels, readLabelMap } from '../main/engine/datasets/frame-source.js';
import { openFeatureSet } from '../main/engine/features/feature-reader.js';
import { accumulate, hungarianMapping } from '../shared/metrics/index.js';
import { buildEvalReport } from '../shared/metrics/report.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
};
const backbones = opt('backbones', 'rgb,builtin').split(',');
const metricArg = opt('metric', 'both');
const metrics: KMeansMetric[] = metricArg === 'both' ? ['euclidean', 'cosine'] : [metricArg as KMeansMetric];
const seeds = Number(opt('seeds', '1'));
const K = 27;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kmeans-backbones-'));
const engine = await createEngine({ workspace: path.join(root, 'ws') });
const log = (s: string) => process.stdout.write(s + '\n');
try {
  const t0 = Date.now();
  const synth = await engine.call('synth.generate', { out: path.join(root, 'synth') });
  const sj = await engine.call('jobs.wait', { id: synth.jobId });
  if (sj.state !== 'succeeded') throw new Error(`synth: ${sj.state} ${sj.error ?? ''}`);
  const imp = await engine.call('datasets.import', { path: path.join(root, 'synth') });
  const ij = await engine.call('jobs.wait', { id: imp.jobId });
  if (ij.state !== 'succeeded') throw new Error(`import: ${ij.state} ${ij.error ?? ''}`);
  log(`SynthDrive default run generated and imported in ${((Date.now() - t0) / 1000).toFixed(0)} s (dataset ${imp.datasetId})`);
  const protocol = getProtocol(engine.db, 'cityscapes-27');
  const C = protocol.classNames.length;

  const results: Record<string, Record<string, { miouPresent: number; miou: number; pixelAccuracy: number }[]>> = {};
  for (const backbone of backbones) {
    const t1 = Date.now();
    const job = await engine.call('features.extract', { datasetId: imp.datasetId, backbone });
    const fj = await engine.call('jobs.wait', { id: job.id });
    if (fj.state !== 'succeeded') throw new Error(`features ${backbone}: ${fj.state} ${fj.error ?? ''}`);
    const { featureSetId } = (await engine.call('jobs.get', { id: job.id })).result as { featureSetId: string };
    const set = openFeatureSet(engine.workspace.root, featureSetId);
    const { h, w } = set.grid;
    const { width, height } = set.preprocessing;
    const per = h * w * set.dim;
    const all = new Float32Array(set.items.length * per);
    for (let i = 0; i < set.items.length; i++) set.read(i, all.subarray(i * per, (i + 1) * per));
    log(`${backbone}: ${set.items.length} frames, grid ${h}×${w}×${set.dim}, extracted in ${((Date.now() - t1) / 1000).toFixed(1)} s`);

    // Labels under the same geometry as the features: cover-resize (nearest) and centre crop.
    const labels: Uint8Array[] = [];
    for (const item of set.items) {
      const frame = getFrame(engine.db, item.frameId);
      if (!frame.labelPath) throw new Error(`frame ${frame.name} has no labels`);
      const raw = await readLabelMap(frame.labelPath);
      const crop = await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 1 } })
        .resize(width, height, { fit: 'cover', position: 'centre', kernel: 'nearest' })
        .extractChannel(0)
        .raw()
        .toBuffer();
      if (crop.length !== width * height) throw new Error(`${frame.labelPath}: label crop has ${crop.length} values, expected ${width * height}`);
      labels.push(mapLabels(protocol, new Uint8Array(crop.buffer, crop.byteOffset, crop.length)));
    }

    results[backbone] = {};
    for (const metric of metrics) {
      const runs: { miouPresent: number; miou: number; pixelAccuracy: number }[] = [];
      for (let seed = 0; seed < seeds; seed++) {
        const km = kmeans(all, set.items.length * h * w, set.dim, { k: K, metric, seed });
        const hist = new Float64Array(K * C);
        const clusterMap = new Uint16Array(width * height);
        const ph = height / h;
        const pw = width / w;
        set.items.forEach((_, i) => {
          for (let y = 0; y < height; y++) {
            const gy = Math.floor(y / ph);
            for (let x = 0; x < width; x++) clusterMap[y * width + x] = km.assignments[i * h * w + gy * w + Math.floor(x / pw)]!;
          }
          accumulate(hist, clusterMap, labels[i]!, K, C);
        });
        // Scored as `eval` scores: the engine's report over the same histogram.
        const s = buildEvalReport({
          histogramId: 'kmeans-backbones',
          experimentId: `${backbone}-${metric}-${seed}`,
          datasetId: imp.datasetId,
          protocolId: protocol.id,
          geometry: 'reference',
          classNames: protocol.classNames,
          categories: protocol.categories,
          K,
          histogram: hist,
          mapping: hungarianMapping(hist, K, C),
          mappingId: null,
          mappingMethod: 'hungarian',
          mappingName: 'Hungarian one-to-one',
          frameCount: set.items.length,
          worstFrames: 0,
        });
        const pct = (v: number | null) => (v === null ? '–' : (v * 100).toFixed(1));
        runs.push({ miouPresent: s.miouPresent ?? NaN, miou: s.miou ?? NaN, pixelAccuracy: s.pixelAccuracy ?? NaN });
        log(
          `  ${backbone} k-means ${metric} seed ${seed}: present-class mIoU ${pct(s.miouPresent)} % (${s.classesPresent} classes), ` +
            `mIoU ${pct(s.miou)} % (${s.classesScored} classes), pixel accuracy ${pct(s.pixelAccuracy)} % (${km.iterations} iterations)`,
        );
      }
      results[backbone][metric] = runs;
    }
    set.close();
  }
  log('RESULT ' + JSON.stringify(results));
} finally {
  await engine.close();
  if (!argv.includes('--keep')) fs.rmSync(root, { recursive: true, force: true });
  else log(`kept ${root}`);
}
