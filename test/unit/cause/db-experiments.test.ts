// Migration 004 and the experiments queries against an in-memory database.
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/engine/db/connection.js';
import { migration001 } from '../../../main/engine/db/migrations/001-init.js';
import { migration002 } from '../../../main/engine/db/migrations/002-datasets.js';
import { migration003 } from '../../../main/engine/db/migrations/003-models-features.js';
import { migration004 } from '../../../main/engine/db/migrations/004-experiments.js';
import {
  getExperimentDetail,
  getPredictionFrame,
  insertExperiment,
  insertMetrics,
  listExperimentSummaries,
  markTrained,
  metricSeries,
  replacePredictions,
  setTrainJob,
} from '../../../main/engine/db/queries/experiments.js';
import { presetConfig } from '../../../shared/contract/experiments.js';

function db() {
  const d = new BetterSqlite3(':memory:');
  d.pragma('foreign_keys = ON');
  migrate(d, [migration001, migration002, migration003, migration004]);
  d.prepare(
    `INSERT INTO datasets (id, name, format, root, source_path, report, created_at) VALUES ('ds', 'ds', 'folder', '/x', '/x', '{}', 'now')`,
  ).run();
  return d;
}

describe('migration 004 experiments', () => {
  it('creates the experiment tables with their constraints', () => {
    const d = db();
    const tables = (d.prepare(`SELECT name FROM sqlite_master WHERE type='table'`).all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['experiments', 'experiment_metrics', 'experiment_predictions', 'experiment_prediction_frames']));
    expect(() =>
      d
        .prepare(
          `INSERT INTO experiments (id, name, dataset_id, feature_set_id, backbone, method, clusters, preset, seed, config, status, created_at)
           VALUES ('e', 'e', 'ds', 'f', 'b', 'bogus', 27, 'fast', 0, '{}', 'created', 'now')`,
        )
        .run(),
    ).toThrow(/CHECK/);
  });

  it('stores config, status from the job, metrics as series, predictions per frame; cascades on delete', () => {
    const d = db();
    const config = presetConfig('fast', 'cause-mlp', 27, 4);
    insertExperiment(d, { id: 'e1', name: 'run', datasetId: 'ds', featureSetId: 'fs', backbone: 'builtin', config });
    expect(listExperimentSummaries(d)[0]!.status).toBe('created');
    d.prepare(`INSERT INTO jobs (id, kind, title, state, params, created_at) VALUES ('j1', 'experiments.train', 't', 'running', '{}', 'now')`).run();
    setTrainJob(d, 'e1', 'j1');
    expect(listExperimentSummaries(d)[0]!.status).toBe('training');
    d.prepare(`UPDATE jobs SET state = 'failed' WHERE id = 'j1'`).run();
    expect(listExperimentSummaries(d)[0]!.status).toBe('failed');
    insertMetrics(d, 'e1', [
      { name: 'step1.loss', step: 2, value: -0.2 },
      { name: 'step1.loss', step: 1, value: -0.1 },
      { name: 'step2.loss', step: 3, value: NaN },
    ]);
    insertMetrics(d, 'e1', [{ name: 'step1.loss', step: 2, value: -0.25 }]); // a resumed run re-emits a step
    const series = metricSeries(d, 'e1');
    expect(series.find((s) => s.name === 'step1.loss')).toEqual({ name: 'step1.loss', steps: [1, 2], values: [-0.1, -0.25] });
    expect(Number.isNaN(series.find((s) => s.name === 'step2.loss')!.values[0])).toBe(true);
    markTrained(d, 'e1', 'experiments/e1/model.bin', { steps: 3 });
    replacePredictions(d, { experimentId: 'e1', datasetId: 'ds', featureSetId: 'fs', jobId: 'j1', predictionKey: 'k1' }, [
      { frame_id: 'f1', cluster_file: 'a.png', confidence_file: 'a.conf.png', width: 8, height: 4 },
    ]);
    const detail = getExperimentDetail(d, 'e1')!;
    expect(detail.status).toBe('trained');
    expect(detail.config).toEqual(config);
    expect(detail.predictions[0]!.frames).toBe(1);
    expect(getPredictionFrame(d, 'e1', 'f1')!.width).toBe(8);
    d.prepare(`DELETE FROM experiments WHERE id = 'e1'`).run();
    expect((d.prepare(`SELECT COUNT(*) n FROM experiment_metrics`).get() as { n: number }).n).toBe(0);
    expect((d.prepare(`SELECT COUNT(*) n FROM experiment_prediction_frames`).get() as { n: number }).n).toBe(0);
  });
});
