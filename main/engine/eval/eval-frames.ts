// The pass of 'eval.histogram' over a run of frames, as a part that adds up: the local job is one part
// over every frame, the worker pool computes one part per frame range (main/engine/pool/tasks/eval-range.ts)
// and the studio merges them. Every sum in a part is an integer count (pixels, static pixels, unscaled
// 8/16-bit confidences), so the merged result has the bits of one pass, in any merge order.
//
// A range that starts in the middle of a sequence needs the frame before it for the frame-pair signals
// (flicker, temporal consistency): its context frames are read and primed, never counted.
import sharp from 'sharp';
import { StudioError } from '../../../shared/contract/errors.js';
import type { LabelProtocol } from '../../../shared/protocols/label-protocol.js';
import { LabelFreeAccumulator, type LabelFreeState } from '../../../shared/metrics/label-free.js';
import { TemporalConsistencyAccumulator, type TemporalConsistencySummary } from '../../../shared/metrics/temporal-consistency.js';
import { readLabelMap, type FrameRecord } from '../datasets/frame-source.js';
import type { JobContext } from '../jobs/job-kind.js';
import type { EvalJobResult, FramePresence } from './eval-job.js';
import { applySampler, fullSampler, referenceSampler, type Sampler } from './geometry.js';
import { encodeDense, encodeSparse, HistogramBuilder } from './histogram.js';
import { readFrameMotion } from './motion-source.js';
import type { PredictionSource } from './predictions.js';

export const STATIC_THRESHOLD = 6;

export interface EvalPassSpec {
  readonly protocol: LabelProtocol;
  readonly geometry: 'reference' | 'full';
  readonly labelFree: boolean;
  /** Some frame of the whole job has ground truth (decided over all frames, so every part agrees). */
  readonly withLabels: boolean;
}

/** Frames before a part's first one that the pair signals need (empty for the first part). */
export interface EvalContext {
  /** The frame just before the part when it is of the same sequence (label-free flicker pairs with it). */
  readonly previous: FrameRecord | null;
  /** Labelled frames before the part in its first frame's sequence, nearest first: the last one with motion is the consistency pair. */
  readonly labelled: readonly FrameRecord[];
}

export const NO_CONTEXT: EvalContext = { previous: null, labelled: [] };

export interface EvalPart {
  framesRead: number;
  histogram: { dense: Float64Array; pixels: number; frames: { frameId: string; ordinal: number; pixels: number; cells: Uint8Array }[] } | null;
  labelFree: LabelFreeState | null;
  presence: FramePresence[];
  consistency: Pick<TemporalConsistencySummary, 'framePairs' | 'pixels' | 'changed'>;
  motionFrames: number;
}

interface Loaded {
  pred: Awaited<ReturnType<PredictionSource['readClusters']>>;
  label: Awaited<ReturnType<typeof readLabelMap>> | null;
  conf: Awaited<ReturnType<PredictionSource['readConfidence']>>;
  luma: { data: Uint8Array; width: number; height: number } | null;
  motion: Awaited<ReturnType<typeof readFrameMotion>>;
}

/** One part: `work` in order (the frames the job reads: every predicted frame, or only the labelled ones without label-free signals). */
export async function evaluatePart(ctx: Pick<JobContext, 'throwIfCancelled' | 'progress'>, spec: EvalPassSpec, source: PredictionSource, work: readonly FrameRecord[], context: EvalContext): Promise<EvalPart> {
  const builder = spec.withLabels ? new HistogramBuilder(source.clusters, spec.protocol, spec.geometry) : null;
  const labelFree = spec.labelFree ? new LabelFreeAccumulator(source.clusters, { staticThreshold: STATIC_THRESHOLD }) : null;
  // labelId 0 = unlabeled: no true class to hold still
  const consistency = new TemporalConsistencyAccumulator((l) => l === 0);
  let motionFrames = 0;
  const ordinals: number[] = [];
  const presence: FramePresence[] = [];

  const load = async (f: FrameRecord): Promise<Loaded> => {
    const [pred, label, conf, luma, motion] = await Promise.all([
      source.readClusters(f),
      builder && f.labelPath ? readLabelMap(f.labelPath) : Promise.resolve(null),
      labelFree ? source.readConfidence(f) : Promise.resolve(null),
      labelFree ? readLuma(f.imagePath) : Promise.resolve(null),
      labelFree && builder && f.labelPath ? readFrameMotion(f.imagePath) : Promise.resolve(null),
    ]);
    return { pred, label, conf, luma, motion };
  };
  const consistencyFrame = (f: FrameRecord, l: Loaded) => {
    const { pred, label, motion } = l;
    if (!label || !motion || motion.width !== pred.width || motion.height !== pred.height || label.width !== pred.width || label.height !== pred.height) return null;
    return { sequence: f.sequenceId, width: pred.width, height: pred.height, clusters: pred.data, labels: label.data, motion };
  };

  // Context: what the whole pass would hold as "previous frame" when it reached work[0].
  if (labelFree && context.previous) labelFree.prime(labelFreeFrame(spec, source, context.previous, await load(context.previous)));
  for (const f of context.labelled) {
    ctx.throwIfCancelled();
    const c = consistencyFrame(f, await load(f));
    if (c) {
      consistency.prime(c);
      break;
    }
  }

  // A small window of frames decodes ahead (sharp runs on libuv's pool) while this thread accumulates.
  const AHEAD = 3;
  const pending: Promise<Loaded>[] = [];
  const enqueue = (f: FrameRecord) => {
    const p = load(f);
    p.catch(() => {}); // rethrown when awaited in order; a failure further ahead must not go unhandled
    pending.push(p);
  };
  for (let j = 0; j < Math.min(AHEAD, work.length); j++) enqueue(work[j]!);
  for (let i = 0; i < work.length; i++) {
    ctx.throwIfCancelled();
    const f = work[i]!;
    const loaded = await pending.shift()!;
    if (i + AHEAD < work.length) enqueue(work[i + AHEAD]!);
    const { pred, label } = loaded;
    if (pred.data.length !== pred.width * pred.height) {
      throw new StudioError('invalid_input', `${source.clusterPath(f)}: prediction size does not match its data`);
    }
    if (builder && label && f.labelPath) {
      builder.addFrame({ frameId: f.id, labelPath: f.labelPath }, pred, label);
      ordinals.push(f.ordinal);
    }
    const c = consistencyFrame(f, loaded);
    if (c) {
      motionFrames++;
      consistency.addFrame(c);
    }
    if (labelFree) {
      const lf = labelFreeFrame(spec, source, f, loaded);
      presence.push(framePresence(f, lf.clusters));
      labelFree.addFrame(lf);
    }
    if (i % 5 === 4 || i === work.length - 1) {
      ctx.progress({ step: i + 1, totalSteps: work.length, stage: 'evaluate', message: `${i + 1}/${work.length} frames` });
    }
  }

  const r = builder?.result();
  const c = consistency.summary();
  return {
    framesRead: work.length,
    histogram: r
      ? {
          dense: r.histogram,
          pixels: r.pixels,
          frames: r.frames.map((fr, i) => ({ frameId: fr.frameId, ordinal: ordinals[i]!, pixels: fr.pixels, cells: encodeSparse(fr.hist) })),
        }
      : null,
    labelFree: labelFree?.state() ?? null,
    presence,
    consistency: { framePairs: c.framePairs, pixels: c.pixels, changed: c.changed },
    motionFrames,
  };
}

/** Label-free signals on the same grid as the scores: reference crop or the prediction's own size. */
function labelFreeFrame(spec: EvalPassSpec, source: PredictionSource, f: FrameRecord, l: Loaded) {
  const { pred, conf, luma } = l;
  const ps: Sampler = spec.geometry === 'reference' ? referenceSampler(pred.width, pred.height) : fullSampler(pred.width, pred.height, pred.width, pred.height);
  const clusters = applySampler(ps, pred.data);
  let confidence: Uint8Array | Uint16Array | undefined;
  if (conf) {
    if (conf.width !== pred.width || conf.height !== pred.height) {
      throw new StudioError('invalid_input', `${source.confidencePath(f)}: confidence map is ${conf.width}×${conf.height}, prediction ${pred.width}×${pred.height}`);
    }
    confidence = applySampler(ps, conf.data);
  }
  let lumaOnGrid: Uint8Array | undefined;
  if (luma) {
    const ls = spec.geometry === 'reference' ? referenceSampler(luma.width, luma.height) : fullSampler(luma.width, luma.height, pred.width, pred.height);
    lumaOnGrid = applySampler(ls, luma.data);
    if (lumaOnGrid.length !== clusters.length) lumaOnGrid = undefined; // different aspect: no flicker for this frame
  }
  return { sequence: f.sequenceId, clusters, ...(confidence ? { confidence } : {}), ...(lumaOnGrid ? { luma: lumaOnGrid } : {}) };
}

/** The parts of one job, in frame order, into the result the host stores (the same for one part or many). */
export function mergeParts(spec: EvalPassSpec, clusters: number, parts: readonly EvalPart[], seconds: number): EvalJobResult {
  const result: EvalJobResult = { seconds, framesRead: 0, histogram: null, labelFree: null };
  for (const p of parts) result.framesRead += p.framesRead;
  if (spec.withLabels) {
    const C = spec.protocol.classNames.length;
    const dense = new Float64Array(clusters * C);
    let pixels = 0;
    const frames: NonNullable<EvalPart['histogram']>['frames'] = [];
    for (const p of parts) {
      if (!p.histogram || p.histogram.dense.length !== dense.length) throw new StudioError('invalid_input', 'an evaluation part has no histogram of the job\'s size');
      // Integer-valued doubles: exact in any order.
      for (let i = 0; i < dense.length; i++) dense[i] = dense[i]! + p.histogram.dense[i]!;
      pixels += p.histogram.pixels;
      frames.push(...p.histogram.frames);
    }
    result.histogram = { dense: encodeDense(dense), pixels, frames };
  }
  if (spec.labelFree) {
    const acc = new LabelFreeAccumulator(clusters, { staticThreshold: STATIC_THRESHOLD });
    const consistency = new TemporalConsistencyAccumulator();
    let motionFrames = 0;
    const presence: FramePresence[] = [];
    for (const p of parts) {
      if (!p.labelFree) throw new StudioError('invalid_input', 'an evaluation part has no label-free sums');
      acc.merge(p.labelFree);
      consistency.merge(p.consistency);
      motionFrames += p.motionFrames;
      presence.push(...p.presence);
    }
    const s = acc.summary();
    const list = (a: Float64Array) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));
    const c = consistency.summary();
    result.labelFree = {
      frames: s.frames,
      pixels: s.pixels,
      clusters: s.clusters,
      usedClusters: s.usedClusters,
      pixelShare: list(s.pixelShare),
      meanConfidence: list(s.meanConfidence),
      flickerMethod: 'static-regions',
      staticThreshold: STATIC_THRESHOLD,
      framePairs: s.framePairs,
      staticPixels: s.staticPixels,
      flickerStatic: Number.isFinite(s.flickerStatic) ? s.flickerStatic : null,
      flickerAll: Number.isFinite(s.flickerAll) ? s.flickerAll : null,
      flickerStaticPerCluster: list(s.flickerStaticPerCluster),
      presence,
      temporalConsistency:
        motionFrames > 0 ? { inconsistency: Number.isFinite(c.inconsistency) ? c.inconsistency : null, framePairs: c.framePairs, pixels: c.pixels } : null,
    };
  }
  return result;
}

function framePresence(f: FrameRecord, clusters: Uint8Array | Uint16Array): FramePresence {
  const counts = new Map<number, number>();
  for (let i = 0; i < clusters.length; i++) counts.set(clusters[i]!, (counts.get(clusters[i]!) ?? 0) + 1);
  const ids = [...counts.keys()].sort((a, b) => a - b);
  return { frameId: f.id, sequenceId: f.sequenceId, pixels: clusters.length, clusters: ids, counts: ids.map((k) => counts.get(k)!) };
}

/** Luma (BT.601) of an image, for static-region flicker. */
async function readLuma(file: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  try {
    const { data, info } = await sharp(file).removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height), width: info.width, height: info.height };
  } catch (e) {
    throw new StudioError('invalid_input', `${file}: image cannot be decoded (${(e as Error).message.split('\n')[0]})`, { file });
  }
}

/** What a part needs before `from` in `work` (see EvalContext). */
export function contextFor(spec: EvalPassSpec, work: readonly FrameRecord[], from: number): EvalContext {
  if (from === 0) return NO_CONTEXT;
  const seq = work[from]!.sequenceId;
  const before = work[from - 1]!;
  const labelled: FrameRecord[] = [];
  // Pairs form only within a sequence (its frames are consecutive in the job's order).
  if (spec.labelFree && spec.withLabels) {
    for (let j = from - 1; j >= 0 && work[j]!.sequenceId === seq; j--) if (work[j]!.labelPath) labelled.push(work[j]!);
  }
  return { previous: spec.labelFree && before.sequenceId === seq ? before : null, labelled };
}
