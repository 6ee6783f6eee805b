// `predict --refine crf`: the option round-trips through the contract, the job params and the stored
// prediction set, and the refined prediction follows colour edges the grid is too coarse to resolve.
import BetterSqlite3 from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { contract } from '../../../shared/contract/index.js';
import { migrate } from '../../../main/engine/db/connection.js';
import { migration001 } from '../../../main/engine/db/migrations/001-init.js';
import { migration002 } from '../../../main/engine/db/migrations/002-datasets.js';
import { migration003 } from '../../../main/engine/db/migrations/003-models-features.js';
import { migration004 } from '../../../main/engine/db/migrations/004-experiments.js';
import { insertExperiment, listPredictionSets, replacePredictions } from '../../../main/engine/db/queries/experiments.js';
import { insertJob } from '../../../main/engine/db/queries/jobs.js';
import { presetConfig } from '../../../shared/contract/experiments.js';
import { predictJobKind } from '../../../main/engine/cause/predict-job.js';
import { Predictor } from '../../../main/engine/cause/predict.js';
import { CRF_MAX_PIXELS, crfView, predictWithCrf, resizeRgb, upsampleArgmax } from '../../../main/engine/cause/predict-refine.js';
import { stopCrfHelper } from '../../../main/engine/refine/crf-threads.js';
import { initTfBackend } from '../../../main/engine/tf/backend.js';

beforeAll(async () => {
  await initTfBackend('cpu');
});

const baseParams = { experimentId: 'e1', datasetId: 'ds', featureSetId: 'fs', modelFile: 'm.bin', flipAveraging: true, backend: 'cpu' as const };

describe('refine option round-trip', () => {
  it('the contract and the job params accept none | crf and refuse anything else', () => {
    expect(contract['experiments.predict'].args.parse({ id: 'e1', refine: 'crf' })).toEqual({ id: 'e1', refine: 'crf' });
    expect(() => contract['experiments.predict'].args.parse({ id: 'e1', refine: 'bilateral' })).toThrow();
    expect(predictJobKind.params.parse({ ...baseParams, refine: 'crf' }).refine).toBe('crf');
    expect(predictJobKind.params.parse(baseParams).refine).toBeUndefined(); // jobs queued before the option
    expect(() => predictJobKind.params.parse({ ...baseParams, refine: 'x' })).toThrow();
  });

  it('a prediction set reports the refine mode of the job that made it', () => {
    const d = new BetterSqlite3(':memory:');
    d.pragma('foreign_keys = ON');
    migrate(d, [migration001, migration002, migration003, migration004]);
    d.prepare(`INSERT INTO datasets (id, name, format, root, source_path, report, created_at) VALUES ('ds', 'ds', 'folder', '/x', '/x', '{}', 'now')`).run();
    d.prepare(`INSERT INTO datasets (id, name, format, root, source_path, report, created_at) VALUES ('ds2', 'ds2', 'folder', '/y', '/y', '{}', 'now')`).run();
    insertExperiment(d, {
      id: 'e1',
      name: 'run',
      datasetId: 'ds',
      featureSetId: 'fs',
      backbone: 'builtin',
      config: presetConfig('fast', 'cause-mlp', 27),
    });
    insertJob(d, { id: 'j1', kind: 'experiments.predict', title: 'p', heavy: true, params: { ...baseParams, refine: 'crf' } });
    insertJob(d, { id: 'j2', kind: 'experiments.predict', title: 'p', heavy: true, params: { ...baseParams, datasetId: 'ds2' } });
    const frame = [{ frame_id: 'f1', cluster_file: 'a.png', confidence_file: 'a.conf.png', width: 8, height: 4 }];
    replacePredictions(d, { experimentId: 'e1', datasetId: 'ds', featureSetId: 'fs', jobId: 'j1', predictionKey: 'j1' }, frame);
    replacePredictions(d, { experimentId: 'e1', datasetId: 'ds2', featureSetId: 'fs', jobId: 'j2', predictionKey: 'j2' }, frame);
    const sets = listPredictionSets(d, 'e1');
    expect(sets.map((s) => [s.jobId, s.refine])).toEqual([
      ['j1', 'crf'],
      ['j2', 'none'],
    ]);
  });
});

describe('refined prediction', () => {
  it('follows a colour edge between grid cells where the plain bilinear prediction blurs it', async () => {
    // A 2×2 grid of k-means features: left column class 0, right column class 1; the image's real edge
    // lies at x = 20 of 64, far left of the grid's midpoint, so the plain prediction puts it at ~32.
    const [W, H, K] = [64, 32, 2];
    const dim = 2;
    const grid = Float32Array.from([1, 0, 0, 1, 1, 0, 0, 1]);
    const predictor = new Predictor({ method: 'kmeans', grid: { h: 2, w: 2 }, dim, clusters: K, centroids: Float32Array.from([1, 0, 0, 1]) }, false);
    const rgb = new Uint8Array(W * H * 3);
    for (let i = 0; i < W * H; i++) rgb.set((i % W) < 20 ? [220, 30, 30] : [30, 30, 220], i * 3);
    const region = { x: 0, y: 0, width: W, height: H };
    const plain = predictor.predict(grid, 2, 2, dim, W, H, region);
    const settings = { iterations: 10, gaussian: { sxy: 1, compat: 3 }, bilateral: { sxy: 67, srgb: 3, compat: 4 }, unaryScale: 3 };
    const refined = await predictWithCrf(predictor, grid, 2, 2, dim, { data: rgb, width: W, height: H }, region, W, { settings, threads: 1 });
    // Two threads (the helper worker) give the same labels.
    const twoThreads = await predictWithCrf(predictor, grid, 2, 2, dim, { data: rgb, width: W, height: H }, region, W, { settings, threads: 2 });
    await stopCrfHelper();
    predictor.dispose();
    const wrong = (p: { clusters: Uint16Array }) => p.clusters.reduce((a, c, i) => a + (c !== ((i % W) < 20 ? 0 : 1) ? 1 : 0), 0);
    expect(refined.width).toBe(W);
    expect(Array.from(twoThreads.clusters)).toEqual(Array.from(refined.clusters));
    expect(wrong(plain)).toBeGreaterThan(W * H * 0.15);
    expect(wrong(refined)).toBeLessThan(wrong(plain) / 4);
  });

  it('runs the CRF within its pixel budget, with the spatial σs scaled to the smaller view', () => {
    // A 1024×512 frame predicted from 640×320 whole-frame features: the input scale is 0.625, the budget
    // (224×224) brings the view to 317×158 and the σs scale by the same factor.
    const v = crfView(1024, 512, { x: 0, y: 0, width: 1024, height: 512 }, 640);
    expect(v.width * v.height).toBeLessThanOrEqual(CRF_MAX_PIXELS * 1.01);
    expect(v.width / v.height).toBeCloseTo(2, 1);
    expect(v.pixelScale).toBeCloseTo(v.width / 640, 2);
    // Within the budget, the view is the input scale (the release's 320×320 crop runs at its own size).
    expect(crfView(512, 512, { x: 0, y: 0, width: 512, height: 512 }, 200)).toEqual({ width: 200, height: 200, pixelScale: 1 });
  });

  it('resamples colours by box average and marginals bilinearly', () => {
    const rgb = Uint8Array.from([0, 0, 0, 100, 100, 100, 50, 50, 50, 250, 250, 250]);
    expect(Array.from(resizeRgb({ data: rgb, width: 2, height: 2 }, 1, 1))).toEqual([100, 100, 100]);
    const Q = Float32Array.from([0.9, 0.1, 0.2, 0.8]); // 2×1 pixels, K = 2
    const up = upsampleArgmax(Q, 2, 1, 2, 4, 1);
    expect(Array.from(up.clusters)).toEqual([0, 0, 1, 1]);
    expect(Math.abs(up.confidence[0]! - 0.9 * 255)).toBeLessThanOrEqual(1);
  });
});
