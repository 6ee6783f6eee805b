// One trained model on a held-out SynthDrive split, per-frame and temporal: present-class mIoU
// (Cityscapes-27, Hungarian, reference geometry), ground-truth temporal inconsistency along the exported
// motion, label-free static-region flicker, CPU time of the prediction path. In-process, with the
// engine's own prediction, histogram and metric code. Shared by scripts/temporal-*.ts.
import sharp from 'sharp';
import type { TemporalMode } from '../../shared/contract/experiments.js';
import { hungarianMapping, scoreHistogram } from '../../shared/metrics/confusion.js';
import { LabelFreeAccumulator } from '../../shared/metrics/label-free.js';
import { TemporalConsistencyAccumulator } from '../../shared/metrics/temporal-consistency.js';
import type { TrainedModel } from '../../main/engine/cause/model-io.js';
import { centreCropRegion, Predictor, type Prediction } from '../../main/engine/cause/predict.js';
import { readImageRGB, readLabelMap, type FrameRecord } from '../../main/engine/datasets/frame-source.js';
import { applySampler, referenceSampler } from '../../main/engine/eval/geometry.js';
import { HistogramBuilder } from '../../main/engine/eval/histogram.js';
import { readFrameMotion } from '../../main/engine/eval/motion-source.js';
import { protocolFromSpec } from '../../main/engine/eval/protocol-spec.js';
import type { FeatureSet } from '../../main/engine/features/feature-reader.js';
import { TemporalPredictor } from '../../main/engine/temporal/temporal-predictor.js';

export interface TemporalRow {
  miouPresent: number;
  inconsistency: number;
  flickerStatic: number;
  cpuSeconds: number;
}

export async function evaluateTemporal(model: TrainedModel, frames: readonly FrameRecord[], features: FeatureSet, modes: readonly TemporalMode[]): Promise<Map<TemporalMode, TemporalRow>> {
  const protocol = protocolFromSpec({ id: 'cityscapes-27' });
  const itemOf = new Map(features.items.map((it, i) => [it.frameId, i] as const));
  const predictor = new Predictor(model, true);
  const out = new Map<TemporalMode, TemporalRow>();
  // ground truth, motion and luma once (the same frames for every mode)
  const truth = await Promise.all(
    frames.map(async (f) => {
      const luma = await sharp(f.imagePath).removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      return { label: await readLabelMap(f.labelPath!), motion: await readFrameMotion(f.imagePath), luma: new Uint8Array(luma.data) };
    }),
  );
  try {
    for (const mode of modes) {
      const temporal = mode === 'none' ? null : new TemporalPredictor(predictor, mode);
      const hist = new HistogramBuilder(predictor.clusters, protocol, 'reference');
      const lf = new LabelFreeAccumulator(predictor.clusters, { staticThreshold: 6 });
      const tc = new TemporalConsistencyAccumulator((l) => l === 0);
      let cpu = 0;
      for (const [i, f] of frames.entries()) {
        const grid = features.read(itemOf.get(f.id)!);
        const region = centreCropRegion(f.width, f.height, features.preprocessing.width, features.preprocessing.height);
        const g = features.grid;
        const rgb = mode === 'flow' ? (await readImageRGB(f.imagePath)).data : undefined;
        const c0 = process.cpuUsage();
        const p: Prediction = temporal
          ? temporal.predict({ sequence: f.sequenceId, grid, h: g.h, w: g.w, dim: features.dim, outW: f.width, outH: f.height, region, ...(rgb ? { rgb } : {}) })
          : predictor.predict(grid, g.h, g.w, features.dim, f.width, f.height, region);
        const c = process.cpuUsage(c0);
        cpu += (c.user + c.system) / 1e6;
        const t = truth[i]!;
        hist.addFrame({ frameId: f.id, labelPath: f.labelPath! }, { data: p.clusters, width: p.width, height: p.height }, t.label);
        lf.addFrame({ sequence: f.sequenceId, clusters: applySampler(referenceSampler(p.width, p.height), p.clusters), luma: applySampler(referenceSampler(f.width, f.height), t.luma) });
        tc.addFrame({ sequence: f.sequenceId, width: p.width, height: p.height, clusters: p.clusters, labels: t.label.data, motion: t.motion });
      }
      const h = hist.result();
      const score = scoreHistogram(h.histogram, h.K, h.C, hungarianMapping(h.histogram, h.K, h.C));
      out.set(mode, { miouPresent: score.miouPresent, inconsistency: tc.summary().inconsistency, flickerStatic: lf.summary().flickerStatic, cpuSeconds: cpu });
    }
  } finally {
    predictor.dispose();
  }
  return out;
}

export function pct(x: number): string {
  return Number.isFinite(x) ? (x * 100).toFixed(2) : 'n/a';
}
