// The on/off half of `npm run bench:crf` (BENCH_WS=<a `cause-studio demo` workspace>): every trained
// CAUSE-MLP and k-means experiment on the builtin backbone in that workspace (the demo trains them on
// SynthDrive train, seeds 4–6 by default) predicts the demo's val frames — another world, never trained
// on, not a tuning world — from the whole-frame val features, plainly and with `--refine crf`
// (predictWithCrf, the release's settings, untouched here), each scored as the demo scores: Cityscapes-27,
// Hungarian per run, present-class mIoU. Labels are read only to score. CAUSE-MLP runs trained with
// another Step 3 (`train --step3 kmeans`, `--step3 overcluster:...`) are reported apart, by variant.
import path from 'node:path';
import { hungarianMapping, scoreHistogram } from '../shared/metrics/index.js';
import { openDatabase } from '../main/engine/db/connection.js';
import { loadModel } from '../main/engine/cause/model-io.js';
import { centreCropRegion, Predictor, type Prediction } from '../main/engine/cause/predict.js';
import { predictWithCrf } from '../main/engine/cause/predict-refine.js';
import { readImageRGB } from '../main/engine/datasets/frame-source.js';
import { HistogramBuilder } from '../main/engine/eval/histogram.js';
import { openDemoWorkspace, setGrids } from '../scripts/lib/demo-eval.js';

export interface OnOffRow {
  method: string;
  seed: number;
  experimentId: string;
  plain: number;
  crf: number;
  crfSecondsPerFrame: number;
}

/**
 * A CAUSE-MLP run is labelled by its Step 3 variant when that is not the release's probe
 * (`cause-mlp/overcluster`, `cause-mlp/kmeans`): variants that keep many clusters leave the CRF more
 * boundaries to clean than the probe's few.
 */
function runLabel(run: { method: string; summary: string | null }): string {
  const variant = run.summary ? (JSON.parse(run.summary) as { step3Variant?: string }).step3Variant : undefined;
  return run.method === 'kmeans' || !variant || variant === 'release' ? run.method : `${run.method}/${variant}`;
}

export async function crfOnOff(ws: string, every: number, maxPixels?: number): Promise<{ rows: OnOffRow[]; frames: number; size: string }> {
  const db = openDatabase(path.join(ws, 'studio.db'), { readonly: true });
  const runs = db
    .prepare(
      `SELECT e.id, e.method, e.seed, e.model_file AS modelFile, e.dataset_id AS trainId, e.summary FROM experiments e JOIN feature_sets f ON f.id = e.feature_set_id
       WHERE e.status = 'trained' AND f.backbone = 'builtin' AND e.method IN ('cause-mlp', 'kmeans') ORDER BY e.method, e.seed`,
    )
    .all() as { id: string; method: string; seed: number; modelFile: string; trainId: string; summary: string | null }[];
  if (runs.length === 0) throw new Error(`${ws}: no trained builtin CAUSE-MLP or k-means experiments (run \`cause-studio demo\` there)`);
  // The builtin feature set of a dataset no run trained on: the demo's whole-frame val features.
  const trained = new Set(runs.map((r) => r.trainId));
  const valSet = (db.prepare(`SELECT id, dataset_id AS datasetId FROM feature_sets WHERE backbone = 'builtin' ORDER BY created_at`).all() as { id: string; datasetId: string }[]).find(
    (f) => !trained.has(f.datasetId),
  );
  db.close();
  if (!valSet) throw new Error(`${ws}: no builtin feature set of a held-out dataset`);
  const full = await openDemoWorkspace(ws, valSet.id);
  const keep = (_: unknown, j: number) => j % every === 0;
  const held = { ...full, labelled: full.labelled.filter(keep), labels: full.labels.filter(keep) };
  const grids = setGrids(held);
  const images = await Promise.all(held.labelled.map((f) => readImageRGB(f.imagePath)));
  const C = held.protocol.classNames.length;
  const rows: OnOffRow[] = [];
  for (const run of runs) {
    const predictor = new Predictor(loadModel(path.join(ws, run.modelFile)), true);
    const score = async (crf: boolean) => {
      const builder = new HistogramBuilder(predictor.clusters, held.protocol, 'reference');
      let seconds = 0;
      for (let j = 0; j < held.labelled.length; j++) {
        const f = held.labelled[j]!;
        const region = centreCropRegion(f.width, f.height, grids.inputWidth, grids.inputHeight);
        const t0 = performance.now();
        const p: Prediction = crf
          ? await predictWithCrf(predictor, grids.grid(j), grids.h, grids.w, grids.dim, images[j]!, region, grids.inputWidth, maxPixels ? { maxPixels } : {})
          : predictor.predict(grids.grid(j), grids.h, grids.w, grids.dim, f.width, f.height, region);
        seconds += (performance.now() - t0) / 1000;
        builder.addFrame({ frameId: f.id, labelPath: f.labelPath! }, { data: p.clusters, width: p.width, height: p.height }, held.labels[j]!);
      }
      const s = scoreHistogram(builder.histogram, predictor.clusters, C, hungarianMapping(builder.histogram, predictor.clusters, C));
      let sum = 0;
      let present = 0;
      for (let t = 0; t < C; t++) {
        if (s.gt[t]! > 0) {
          sum += s.iou[t]!;
          present++;
        }
      }
      return { miouPresent: sum / present, seconds: seconds / held.labelled.length };
    };
    try {
      const plain = await score(false);
      const crf = await score(true);
      console.log(`  ${runLabel(run)} seed ${run.seed}: off ${(100 * plain.miouPresent).toFixed(1)} on ${(100 * crf.miouPresent).toFixed(1)}`);
      rows.push({ method: runLabel(run), seed: run.seed, experimentId: run.id, plain: plain.miouPresent, crf: crf.miouPresent, crfSecondsPerFrame: crf.seconds });
    } finally {
      predictor.dispose();
    }
  }
  const f0 = held.labelled[0]!;
  full.close();
  return { rows, frames: held.labelled.length, size: `${f0.width}x${f0.height}` };
}
