// Shared by the diagnostic scripts (probe-quality.ts, feature-quality.ts): open a demo workspace
// read-only, pick its builtin feature set, load the labelled frames, and score a trained model the way
// the demo does — the product's Predictor at each frame's resolution with the grid placed on the
// centre-crop region the backbone saw, the 'reference' evaluation geometry, Cityscapes-27, Hungarian.
// Labels are read here only to score (and, in feature-quality.ts, to build diagnostic features); no
// training function receives them.
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { hungarianMapping } from '../../shared/metrics/index.js';
import { buildEvalReport } from '../../shared/metrics/report.js';
import type { LabelProtocol } from '../../shared/protocols/index.js';
import { openDatabase } from '../../main/engine/db/connection.js';
import { listFrames, getProtocol, readLabelMap, type FrameRecord } from '../../main/engine/datasets/frame-source.js';
import { HistogramBuilder, type RawLabelMap } from '../../main/engine/eval/histogram.js';
import { openFeatureSet, type FeatureSet } from '../../main/engine/features/feature-reader.js';
import { centreCropRegion, Predictor } from '../../main/engine/cause/predict.js';
import type { TrainedModel } from '../../main/engine/cause/model-io.js';
import type { TrainConfig } from '../../shared/contract/experiments.js';

export interface DemoWorkspace {
  readonly db: Database.Database;
  /** The builtin feature set (by default the first created: the demo's 320×320 reference crop). */
  readonly set: FeatureSet;
  readonly protocol: LabelProtocol;
  /** Frames with a label map and a crop-0 item in `set`, in dataset order. */
  readonly labelled: readonly FrameRecord[];
  /** Raw label maps of `labelled` (protocol.lut maps them to classes). */
  readonly labels: readonly RawLabelMap[];
  /** frame id → index of its crop-0 item in `set`. */
  readonly itemOf: ReadonlyMap<string, number>;
  close(): void;
}

export async function openDemoWorkspace(ws: string, featureSetId?: string): Promise<DemoWorkspace> {
  // Read-only: another run may be training in this workspace.
  const db = openDatabase(path.join(ws, 'studio.db'), { readonly: true });
  const fsRow = (
    featureSetId
      ? db.prepare('SELECT id, dataset_id FROM feature_sets WHERE id = ?').get(featureSetId)
      : db.prepare("SELECT id, dataset_id FROM feature_sets WHERE backbone = 'builtin' ORDER BY created_at LIMIT 1").get()
  ) as { id: string; dataset_id: string } | undefined;
  if (!fsRow) throw new Error(`${ws}: no ${featureSetId ?? 'builtin'} feature set; run \`cause-studio demo\` there first`);
  const set = openFeatureSet(ws, fsRow.id);
  const protocol = getProtocol(db, 'cityscapes-27');
  const itemOf = new Map<string, number>();
  set.items.forEach((it, i) => {
    if (it.crop === 0 && !itemOf.has(it.frameId)) itemOf.set(it.frameId, i);
  });
  const labelled = listFrames(db, fsRow.dataset_id).filter((f) => f.labelPath && itemOf.has(f.id));
  const labels = await Promise.all(labelled.map((f) => readLabelMap(f.labelPath!)));
  return {
    db,
    set,
    protocol,
    labelled,
    labels,
    itemOf,
    close: () => {
      set.close();
      db.close();
    },
  };
}

export interface QualityScore {
  /** The protocol's mIoU: mean over classes with a defined IoU (absent and never predicted → left out). */
  readonly miou: number;
  /** mIoU over the classes present in the ground truth only. */
  readonly miouPresent: number;
  readonly pixelAccuracy: number;
  /** Distinct clusters in the predictions (every 7th pixel sampled). */
  readonly clustersPredicted: number;
  /** Classes the protocol's mIoU averaged over / classes present in the ground truth. */
  readonly classesScored: number;
  readonly classesPresent: number;
  /** Per-class IoU (NaN when undefined), ground-truth pixels and false positives. */
  readonly iou: Float64Array;
  readonly gt: Float64Array;
  readonly fp: Float64Array;
}

export interface GridSource {
  readonly h: number;
  readonly w: number;
  readonly dim: number;
  /** The backbone's input size (the centre crop of each frame the grid covers). */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** Feature grid of labelled frame j (ws.labelled[j]). */
  grid(j: number): Float32Array;
}

/** The feature set's crop-0 grids as a GridSource, optionally transformed. */
export function setGrids(ws: DemoWorkspace, fset: FeatureSet = ws.set, transform?: (g: Float32Array) => Float32Array): GridSource {
  const items = new Map<string, number>();
  fset.items.forEach((it, i) => {
    if (it.crop === 0 && !items.has(it.frameId)) items.set(it.frameId, i);
  });
  return {
    h: fset.grid.h,
    w: fset.grid.w,
    dim: fset.dim,
    inputWidth: fset.preprocessing.width,
    inputHeight: fset.preprocessing.height,
    grid: (j) => {
      const g = fset.read(items.get(ws.labelled[j]!.id)!);
      return transform ? transform(g) : g;
    },
  };
}

export function scoreModel(ws: DemoWorkspace, model: TrainedModel, grids: GridSource = setGrids(ws), detail = false): QualityScore {
  const { protocol } = ws;
  const predictor = new Predictor(model, true);
  const builder = new HistogramBuilder(predictor.clusters, protocol, 'reference');
  const seen = new Set<number>();
  try {
    ws.labelled.forEach((f, j) => {
      const region = centreCropRegion(f.width, f.height, grids.inputWidth, grids.inputHeight);
      const p = predictor.predict(grids.grid(j), grids.h, grids.w, grids.dim, f.width, f.height, region);
      for (let i = 0; i < p.clusters.length; i += 7) seen.add(p.clusters[i]!);
      builder.addFrame({ frameId: f.id, labelPath: f.labelPath! }, { data: p.clusters, width: p.width, height: p.height }, ws.labels[j]!);
    });
  } finally {
    predictor.dispose();
  }
  // Scored by the engine's own report (the numbers `eval` prints and the Evaluation view shows).
  const C = protocol.classNames.length;
  const K = predictor.clusters;
  const report = buildEvalReport({
    histogramId: 'diagnostic',
    experimentId: 'diagnostic',
    datasetId: 'diagnostic',
    protocolId: protocol.id,
    geometry: 'reference',
    classNames: protocol.classNames,
    categories: protocol.categories,
    K,
    histogram: builder.histogram,
    mapping: hungarianMapping(builder.histogram, K, C),
    mappingId: null,
    mappingMethod: 'hungarian',
    mappingName: 'Hungarian one-to-one',
    frameCount: ws.labelled.length,
    worstFrames: 0,
  });
  const iou = Float64Array.from(report.perClass, (c) => c.iou ?? NaN);
  const gt = Float64Array.from(report.perClass, (c) => c.gtPixels);
  const fp = Float64Array.from(report.perClass, (c) => c.fp);
  if (detail) {
    const total = gt.reduce((a, b) => a + b, 0);
    report.perClass.forEach((c) => {
      if (c.gtPixels > 0 || c.fp > 0) console.log(`  ${c.name.padEnd(16)} gt ${((c.gtPixels / total) * 100).toFixed(1).padStart(5)} %  IoU ${((c.iou ?? NaN) * 100).toFixed(1)}`);
    });
  }
  return {
    miou: report.miou ?? NaN,
    miouPresent: report.miouPresent ?? 0,
    pixelAccuracy: report.pixelAccuracy ?? NaN,
    clustersPredicted: seen.size,
    classesScored: report.classesScored,
    classesPresent: report.classesPresent,
    iou,
    gt,
    fp,
  };
}

/** Step 3 (cluster probe) variants of the config, shared by the diagnostics (release = the fast preset's probe). */
export const STEP3_VARIANTS: Record<string, Partial<TrainConfig['step3']>> = {
  release: { init: 'uniform', reviveDead: false, graph: 'image' },
  'kmeans++': { init: 'kmeans++' },
  kmeans: { init: 'kmeans' },
  revive: { reviveDead: true },
  'kmeans++ revive': { init: 'kmeans++', reviveDead: true },
  batch: { graph: 'batch' },
  'kmeans++ batch': { init: 'kmeans++', graph: 'batch' },
  'kmeans batch': { init: 'kmeans', graph: 'batch' },
  'kmeans++ revive batch': { init: 'kmeans++', reviveDead: true, graph: 'batch' },
  'kmeans no-train': { init: 'kmeans', epochs: 1, lr: 1e-9 },
};

/**
 * The first feature set of one dataset (by name or id) for a backbone, and the dataset's SynthDrive world
 * seed (null for other data). `where` names the workspace in the error.
 */
export function findFeatureSet(ws: DemoWorkspace, dataset: string, backbone: string, where: string): { id: string; world: number | null } {
  const row = ws.db
    .prepare(
      'SELECT f.id AS id, d.root AS root FROM feature_sets f JOIN datasets d ON d.id = f.dataset_id WHERE (d.name = ? OR d.id = ?) AND f.backbone = ? ORDER BY f.created_at LIMIT 1',
    )
    .get(dataset, dataset, backbone) as { id: string; root: string } | undefined;
  if (!row) throw new Error(`${where}: no ${backbone} feature set of dataset '${dataset}'`);
  try {
    return { id: row.id, world: (JSON.parse(fs.readFileSync(path.join(row.root, 'synthdrive.json'), 'utf8')) as { params: { seed: number } }).params.seed };
  } catch {
    return { id: row.id, world: null };
  }
}
