// One trained model on a SynthDrive split, per-frame and temporal: present-class mIoU (Cityscapes-27,
// Hungarian, reference geometry), ground-truth temporal inconsistency along the exported motion, label-
// free static-region flicker, CPU time of the prediction path. In-process, with the engine's own
// prediction, histogram and metric code. Shared by scripts/temporal-*.ts.
//
// A variant is a mode with options; 'oracle' carries along the TRUE motion (an upper bound for what better
// correspondences could give; evaluation only).
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
import type { Correspondence } from '../../main/engine/temporal/carry.js';
import { sample } from '../../main/engine/temporal/optical-flow.js';
import { sequenceOrder } from '../../main/engine/temporal/sequence-order.js';
import { TemporalPredictor, type TemporalOptions } from '../../main/engine/temporal/temporal-predictor.js';
import { TwoPassPredictor, twoPassStretches } from '../../main/engine/temporal/two-pass.js';
import { temporalFrameOf } from '../../main/engine/cause/predict-two-pass.js';

export interface TemporalRow {
  miouPresent: number;
  inconsistency: number;
  flickerStatic: number;
  cpuSeconds: number;
  /** Correspondence endpoint error against the true motion (state pixels scaled to output pixels), median. */
  epeMedian: number;
  /** Diagnostics: per-class IoU (Cityscapes-27 order) and static-pixel flicker at full resolution by true class. */
  iou?: Float64Array;
  staticByClass?: { readonly pixels: Float64Array; readonly changed: Float64Array; readonly invalidMotion: Float64Array };
  /** The ground-truth inconsistency's pixels and changes by true labelId and by true motion (SPEED_BUCKETS px). */
  inconsistencyBy?: { readonly classPixels: Float64Array; readonly classChanged: Float64Array; readonly speedPixels: Float64Array; readonly speedChanged: Float64Array };
}

/** Upper edges (px per frame) of the true-motion buckets of TemporalRow.inconsistencyBy; the last is open. */
export const SPEED_BUCKETS = [1, 4, 16, 64] as const;

/** The row's scalar figures (what the reports average over experiments). */
export type TemporalFigure = 'miouPresent' | 'inconsistency' | 'flickerStatic' | 'cpuSeconds' | 'epeMedian';

export interface Variant {
  readonly name: string;
  readonly mode: TemporalMode | 'oracle';
  /** `direction: 'backward'` feeds each sequence last frame first (sequence-order.ts), as the predict job does; 'both' runs two-pass.ts. */
  readonly options?: TemporalOptions;
}

/** Parses "name=mode[:key=value,...]" or a bare mode; keys: direction (forward | backward | both), carry, margin, stateFactor, minSimilarity, flow.<key>, flow.<group>.<key> (ground, epipolar); a/b/c is a list of numbers. */
export function parseVariant(s: string): Variant {
  const [head, rest] = s.split(':');
  const [name, modeRaw] = head!.includes('=') ? head!.split('=') : [head!, head!];
  const options: Record<string, unknown> = {};
  const flow: Record<string, unknown> = {};
  for (const kv of rest ? rest.split(',') : []) {
    const [k, v] = kv.split('=');
    const val = v === 'true' ? true : v === 'false' ? false : v!.includes('/') ? v!.split('/').map(Number) : Number(v);
    if (k === 'direction') options.direction = v;
    else if (k!.startsWith('flow.')) {
      const [group, key] = k!.slice(5).split('.');
      if (key === undefined) flow[group!] = val;
      else flow[group!] = { ...(flow[group!] as object | undefined), [key]: val };
    }
    else options[k!] = val;
  }
  if (Object.keys(flow).length) options.flow = flow;
  return { name: name!, mode: modeRaw as Variant['mode'], options: options as TemporalOptions };
}

/** The true motion of a frame at the predictor's state size (NaN → confidence 0). */
function oracleCorrespondence(m: { u: Float32Array; v: Float32Array }, W: number, H: number, sw: number, sh: number): Correspondence {
  const n = sw * sh;
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  const confidence = new Float32Array(n);
  const ax = W / sw;
  const ay = H / sh;
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const q = Math.min(H - 1, Math.floor((y + 0.5) * ay)) * W + Math.min(W - 1, Math.floor((x + 0.5) * ax));
      const mu = m.u[q]!;
      const mv = m.v[q]!;
      if (Number.isNaN(mu) || Number.isNaN(mv)) continue;
      u[y * sw + x] = mu / ax;
      v[y * sw + x] = mv / ay;
      confidence[y * sw + x] = 1;
    }
  }
  return { width: sw, height: sh, u, v, confidence };
}

export async function evaluateTemporal(
  model: TrainedModel,
  frames: readonly FrameRecord[],
  features: FeatureSet,
  variants: readonly (TemporalMode | Variant)[],
): Promise<Map<string, TemporalRow>> {
  const protocol = protocolFromSpec({ id: 'cityscapes-27' });
  const itemOf = new Map(features.items.map((it, i) => [it.frameId, i] as const));
  const predictor = new Predictor(model, true);
  const out = new Map<string, TemporalRow>();
  // ground truth, motion and luma once (the same frames for every mode)
  const truth = await Promise.all(
    frames.map(async (f) => {
      const luma = await sharp(f.imagePath).removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      return { label: await readLabelMap(f.labelPath!), motion: await readFrameMotion(f.imagePath), luma: new Uint8Array(luma.data) };
    }),
  );
  {
    // the ground truth's own static-region flicker: a static-luma pixel whose true class changes (a class
    // boundary sliding across a flat region) — a floor that a correct segmentation cannot go below
    const lf = new LabelFreeAccumulator(256, { staticThreshold: 6 });
    for (const [i, f] of frames.entries()) {
      const t = truth[i]!;
      lf.addFrame({ sequence: f.sequenceId, clusters: applySampler(referenceSampler(f.width, f.height), Uint16Array.from(t.label.data)), luma: applySampler(referenceSampler(f.width, f.height), t.luma) });
    }
    // and the true motion's median length: the endpoint error of a zero flow
    const mag: number[] = [];
    for (const t of truth) if (t.motion) for (let j = 0; j < t.motion.u.length; j += 7) if (!Number.isNaN(t.motion.u[j]!)) mag.push(Math.hypot(t.motion.u[j]!, t.motion.v[j]!));
    mag.sort((a, b) => a - b);
    out.set('(truth)', { miouPresent: 1, inconsistency: 0, flickerStatic: lf.summary().flickerStatic, cpuSeconds: 0, epeMedian: mag.length ? mag[mag.length >> 1]! : Number.NaN });
  }
  try {
    for (const vr of variants) {
      const variant: Variant = typeof vr === 'string' ? { name: vr, mode: vr } : vr;
      const mode = variant.mode;
      const temporal = mode === 'none' ? null : new TemporalPredictor(predictor, mode === 'oracle' ? 'flow' : mode, variant.options);
      const hist = new HistogramBuilder(predictor.clusters, protocol, 'reference');
      const lf = new LabelFreeAccumulator(predictor.clusters, { staticThreshold: 6 });
      const by = { classPixels: new Float64Array(256), classChanged: new Float64Array(256), speedPixels: new Float64Array(SPEED_BUCKETS.length + 1), speedChanged: new Float64Array(SPEED_BUCKETS.length + 1) };
      const tc = new TemporalConsistencyAccumulator(
        (l) => l === 0,
        (l, changed, u, v) => {
          const speed = Math.hypot(u, v);
          let b = 0;
          while (b < SPEED_BUCKETS.length && speed >= SPEED_BUCKETS[b]!) b++;
          by.classPixels[l]!++;
          by.speedPixels[b]!++;
          if (changed) {
            by.classChanged[l]!++;
            by.speedChanged[b]!++;
          }
        },
      );
      const epe: number[] = [];
      const sbc = { pixels: new Float64Array(256), changed: new Float64Array(256), invalidMotion: new Float64Array(256) };
      let cpu = 0;
      const backward = variant.options?.direction === 'backward';
      const both = variant.options?.direction === 'both';
      const order = sequenceOrder(frames, backward ? 'backward' : 'forward');
      const preds: Prediction[] = new Array(frames.length);
      if (both && mode !== 'none' && mode !== 'oracle') {
        // the predict job's two passes (two-pass.ts), stretch by stretch, links computed in-process
        const two = new TwoPassPredictor(predictor, mode, variant.options);
        for (const stretch of twoPassStretches(frames, order)) {
          const inputs = await Promise.all(
            stretch.map(async (i) => {
              const f = frames[i]!;
              const rgb = mode === 'flow' ? (await readImageRGB(f.imagePath)).data : undefined;
              return { ...temporalFrameOf(features, itemOf, f), ...(rgb ? { rgb } : {}) };
            }),
          );
          const c0 = process.cpuUsage();
          await two.stretch(`${frames[stretch[0]!]!.sequenceId}#${stretch[0]}`, inputs, (k, p) => {
            preds[stretch[k]!] = p;
          });
          const c = process.cpuUsage(c0);
          cpu += (c.user + c.system) / 1e6;
        }
      }
      for (const i of both ? [] : order) {
        const f = frames[i]!;
        const grid = features.read(itemOf.get(f.id)!);
        const region = centreCropRegion(f.width, f.height, features.preprocessing.width, features.preprocessing.height);
        const g = features.grid;
        const t = truth[i]!;
        // the image decode is part of the flow mode's cost (the predict job decodes it for that mode only)
        const c0 = process.cpuUsage();
        const rgb = mode === 'flow' ? (await readImageRGB(f.imagePath)).data : undefined;
        let correspondence: Correspondence | null | undefined;
        if (temporal && mode === 'oracle') {
          if (backward) throw new Error('oracle: the exported motion points backwards only; no reverse oracle');
          const s = temporal.stateSize(f.width, f.height);
          correspondence = t.motion ? oracleCorrespondence(t.motion, f.width, f.height, s.width, s.height) : null;
        }
        const p: Prediction = temporal
          ? temporal.predict({ sequence: f.sequenceId, grid, h: g.h, w: g.w, dim: features.dim, outW: f.width, outH: f.height, region, ...(rgb ? { rgb } : {}), ...(correspondence !== undefined ? { correspondence } : {}) })
          : predictor.predict(grid, g.h, g.w, features.dim, f.width, f.height, region);
        const c = process.cpuUsage(c0);
        cpu += (c.user + c.system) / 1e6;
        preds[i] = p;
        const corr = temporal?.lastCorrespondence;
        // the flow's endpoint error against the true motion (backwards, so forward runs only)
        if (corr && t.motion && mode !== 'oracle' && !backward) {
          const ax = f.width / corr.width;
          const ay = f.height / corr.height;
          for (let j = 0; j < t.motion.u.length; j += 7) {
            const mu = t.motion.u[j]!;
            if (Number.isNaN(mu)) continue;
            const x = j % f.width;
            const y = Math.floor(j / f.width);
            const sx = (x + 0.5) / ax - 0.5;
            const sy = (y + 0.5) / ay - 0.5;
            epe.push(Math.hypot(sample(corr.u, corr.width, corr.height, sx, sy) * ax - mu, sample(corr.v, corr.width, corr.height, sx, sy) * ay - t.motion.v[j]!));
          }
        }
      }
      // the figures, in frame order whichever order the frames were predicted in
      let prevP: Prediction | null = null;
      for (const [i, f] of frames.entries()) {
        const t = truth[i]!;
        const p = preds[i]!;
        if (prevP && i > 0 && frames[i - 1]!.sequenceId === f.sequenceId) {
          const pl = truth[i - 1]!.luma;
          for (let j = 0; j < p.clusters.length; j++) {
            const d = t.luma[j]! - pl[j]!;
            if (d > 6 || d < -6) continue;
            const l = t.label.data[j]!;
            sbc.pixels[l]!++;
            if (p.clusters[j] !== prevP.clusters[j]) sbc.changed[l]!++;
            if (!t.motion || Number.isNaN(t.motion.u[j]!)) sbc.invalidMotion[l]!++;
          }
        }
        prevP = p;
        hist.addFrame({ frameId: f.id, labelPath: f.labelPath! }, { data: p.clusters, width: p.width, height: p.height }, t.label);
        lf.addFrame({ sequence: f.sequenceId, clusters: applySampler(referenceSampler(p.width, p.height), p.clusters), luma: applySampler(referenceSampler(f.width, f.height), t.luma) });
        tc.addFrame({ sequence: f.sequenceId, width: p.width, height: p.height, clusters: p.clusters, labels: t.label.data, motion: t.motion });
      }
      const h = hist.result();
      const score = scoreHistogram(h.histogram, h.K, h.C, hungarianMapping(h.histogram, h.K, h.C));
      epe.sort((a, b) => a - b);
      out.set(variant.name, {
        miouPresent: score.miouPresent,
        inconsistency: tc.summary().inconsistency,
        flickerStatic: lf.summary().flickerStatic,
        cpuSeconds: cpu,
        epeMedian: epe.length ? epe[epe.length >> 1]! : Number.NaN,
        iou: score.iou,
        staticByClass: sbc,
        inconsistencyBy: by,
      });
    }
  } finally {
    predictor.dispose();
  }
  return out;
}

export function pct(x: number): string {
  return Number.isFinite(x) ? (x * 100).toFixed(2) : 'n/a';
}
