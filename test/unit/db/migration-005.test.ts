// Migration 005 (evaluation) against an in-memory database: tables, the uniqueness of a histogram key,
// per-experiment mapping versions, and cascades when an experiment or dataset goes.
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../../main/engine/db/connection.js';
import { MIGRATIONS } from '../../../main/engine/db/migrations/index.js';
import { migration005 } from '../../../main/engine/db/migrations/005-evaluation.js';
import {
  findHistogram,
  insertFrameHistograms,
  insertHistogram,
  insertMapping,
  listFrameHistograms,
  listMappingRows,
  type NewHistogram,
} from '../../../main/engine/db/queries/evaluation.js';

function fresh() {
  const db = new BetterSqlite3(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, MIGRATIONS.slice(0, 5));
  const now = new Date().toISOString();
  db.prepare(
    `INSERT INTO datasets (id, name, format, root, source_path, report, created_at) VALUES ('ds', 'ds', 'folder', '/x', '/x', '{}', ?)`,
  ).run(now);
  db.prepare(
    `INSERT INTO experiments (id, name, dataset_id, feature_set_id, backbone, method, clusters, preset, seed, config, status, created_at)
     VALUES ('e1', 'e1', 'ds', 'fs', 'b', 'kmeans', 3, 'fast', 0, '{}', 'created', ?)`,
  ).run(now);
  return db;
}

const hist = (over: Partial<NewHistogram> = {}): NewHistogram => ({
  id: 'h1',
  experimentId: 'e1',
  datasetId: 'ds',
  split: null,
  protocolId: 'cityscapes-27',
  protocol: '{}',
  geometry: 'reference',
  predictionKey: 'k1',
  clusters: 3,
  classes: 2,
  frameCount: 1,
  pixelCount: 10,
  histogram: new Uint8Array(48),
  jobId: null,
  createdAt: new Date().toISOString(),
  ...over,
});

describe('migration 005 evaluation', () => {
  it('is the fifth migration and creates its tables', () => {
    expect(MIGRATIONS[4]).toBe(migration005);
    const db = fresh();
    expect(schemaVersion(db)).toBe(5);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type='table'`).all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['eval_histograms', 'eval_frame_histograms', 'mappings', 'eval_scores', 'label_free_signals']));
    expect(() => insertHistogram(db, hist({ geometry: 'sideways' as 'full' }))).toThrow(/CHECK/);
  });

  it('keeps one histogram per key: a forced re-run replaces it (and its frames)', () => {
    const db = fresh();
    insertHistogram(db, hist());
    insertFrameHistograms(db, 'h1', [{ frameId: 'f1', ordinal: 0, pixels: 10, cells: new Uint8Array(8) }]);
    insertHistogram(db, hist({ id: 'h2' }));
    const key = { experimentId: 'e1', datasetId: 'ds', split: null, protocolId: 'cityscapes-27', geometry: 'reference', predictionKey: 'k1' };
    expect(findHistogram(db, key)?.id).toBe('h2');
    expect(listFrameHistograms(db, 'h1')).toEqual([]);
    // Other predictions (a new key) coexist.
    insertHistogram(db, hist({ id: 'h3', predictionKey: 'k2' }));
    expect(findHistogram(db, { ...key, predictionKey: 'k2' })?.id).toBe('h3');
  });

  it('numbers mappings per experiment and cascades when the experiment or dataset is removed', () => {
    const db = fresh();
    insertHistogram(db, hist());
    const m = { experiment_id: 'e1', name: 'm', method: 'manual' as const, protocol_id: 'p', clusters: 3, document: '{}', parent_id: null, histogram_id: 'h1', created_at: 'now' };
    expect(insertMapping(db, { ...m, id: 'm1' })).toBe(1);
    expect(insertMapping(db, { ...m, id: 'm2', parent_id: 'm1' })).toBe(2);
    expect(listMappingRows(db, 'e1').map((r) => r.version)).toEqual([2, 1]);
    expect(() => insertMapping(db, { ...m, id: 'm3', experiment_id: 'missing' })).toThrow(/FOREIGN KEY/);
    db.prepare(`DELETE FROM experiments WHERE id = 'e1'`).run();
    expect(listMappingRows(db, 'e1')).toEqual([]);
    expect((db.prepare('SELECT COUNT(*) n FROM eval_histograms').get() as { n: number }).n).toBe(0);
  });
});
