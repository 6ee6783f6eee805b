// Worker half of 'eval.histogram': reads every frame's prediction (and ground truth when present) once,
// builds the cluster×class histograms and the label-free signals, and hands them to the host, which
// stores them in one transaction. Reading is the cost; both passes share it.
//
// No checkpoints: the job is one pass over the frames (under 20 s for 500 frames here) and restarting
// it from scratch gives the same result, so a resumed job simply starts again.
import sharp from 'sharp';
import { StudioError } from '../../../shared/contract/errors.js';
import { LabelFreeAccumulator } from '../../../shared/metrics/label-free.js';
import { openDatabase } from '../db/connection.js';
import { listFrames, readLabelMap, type FrameRecord } from '../datasets/frame-source.js';
import type { JobContext } from '../jobs/job-kind.js';
import { applySampler, fullSampler, referenceSampler, type Sampler } from './geometry.js';
import { encodeDense, encodeSparse, HistogramBuilder } from './histogram.js';
import type { EvalJobParams, EvalJobResult, FramePresence } from './eval-job.js';
import { protocolFromSpec } from './protocol-spec.js';
import { openPredictionSource } from './predictions.js';

const STATIC_THRESHOLD = 6;

export async function run(ctx: JobContext, params: EvalJobParams): Promise<EvalJobResult> {
  const db = openDatabase(ctx.databasePath, { readonly: true });
  try {
    return await evaluate(ctx, params, db);
  } finally {
    db.close();
  }
}

async function evaluate(ctx: JobContext, params: EvalJobParams, db: ReturnType<typeof openDatabase>): Promise<EvalJobResult> {
  const protocol = protocolFromSpec(params.protocol);
  const source = openPredictionSource(db, ctx.workspaceRoot, params.experimentId, params.datasetId);
  if (source.key !== params.predictionKey) {
    throw new StudioError('conflict', `predictions of experiment ${params.experimentId} changed since the evaluation was queued; run it again`);
  }
  const frames = listFrames(db, params.datasetId, params.split ? { split: params.split } : {});
  const withPred = frames.filter((f) => source.has(f));
  if (withPred.length === 0) {
    throw new StudioError('not_found', `experiment ${params.experimentId} has no predictions for dataset ${params.datasetId}; run predict first`);
  }
  const labelled = withPred.filter((f) => f.labelPath !== null);
  const builder = labelled.length > 0 ? new HistogramBuilder(source.clusters, protocol, params.geometry) : null;
  const labelFree = params.labelFree ? new LabelFreeAccumulator(source.clusters, { staticThreshold: STATIC_THRESHOLD }) : null;
  const work = labelFree ? withPred : labelled;
  const ordinals: number[] = [];
  const presence: FramePresence[] = [];
  const started = Date.now();

  const load = (f: FrameRecord) =>
    Promise.all([
      source.readClusters(f),
      builder && f.labelPath ? readLabelMap(f.labelPath) : Promise.resolve(null),
      labelFree ? source.readConfidence(f) : Promise.resolve(null),
      labelFree ? readLuma(f.imagePath) : Promise.resolve(null),
    ]);
  // A small window of frames decodes ahead (sharp runs on libuv's pool) while this thread accumulates.
  const AHEAD = 3;
  const pending: ReturnType<typeof load>[] = [];
  const enqueue = (f: FrameRecord) => {
    const p = load(f);
    p.catch(() => {}); // rethrown when awaited in order; a failure further ahead must not go unhandled
    pending.push(p);
  };
  for (let j = 0; j < Math.min(AHEAD, work.length); j++) enqueue(work[j]!);
  for (let i = 0; i < work.length; i++) {
    ctx.throwIfCancelled();
    const f = work[i]!;
    const [pred, label, conf, luma] = await pending.shift()!;
    if (i + AHEAD < work.length) enqueue(work[i + AHEAD]!);
    if (pred.data.length !== pred.width * pred.height) {
      throw new StudioError('invalid_input', `${source.clusterPath(f)}: prediction size does not match its data`);
    }
    if (builder && label && f.labelPath) {
      builder.addFrame({ frameId: f.id, labelPath: f.labelPath }, pred, label);
      ordinals.push(f.ordinal);
    }
    if (labelFree) {
      // Label-free signals on the same grid as the scores: reference crop or the prediction's own size.
      const ps: Sampler = params.geometry === 'reference' ? referenceSampler(pred.width, pred.height) : fullSampler(pred.width, pred.height, pred.width, pred.height);
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
        const ls = params.geometry === 'reference' ? referenceSampler(luma.width, luma.height) : fullSampler(luma.width, luma.height, pred.width, pred.height);
        lumaOnGrid = applySampler(ls, luma.data);
        if (lumaOnGrid.length !== clusters.length) lumaOnGrid = undefined; // different aspect: no flicker for this frame
      }
      presence.push(framePresence(f, clusters));
      labelFree.addFrame({
        sequence: f.sequenceId,
        clusters,
        ...(confidence ? { confidence } : {}),
        ...(lumaOnGrid ? { luma: lumaOnGrid } : {}),
      });
    }
    if (i % 5 === 4 || i === work.length - 1) {
      ctx.progress({ step: i + 1, totalSteps: work.length, stage: 'evaluate', message: `${i + 1}/${work.length} frames` });
    }
  }

  const result: EvalJobResult = {
    seconds: (Date.now() - started) / 1000,
    framesRead: work.length,
    histogram: null,
    labelFree: null,
  };
  if (builder) {
    const r = builder.result();
    result.histogram = {
      dense: encodeDense(r.histogram),
      pixels: r.pixels,
      frames: r.frames.map((fr, i) => ({ frameId: fr.frameId, ordinal: ordinals[i]!, pixels: fr.pixels, cells: encodeSparse(fr.hist) })),
    };
  } else {
    ctx.log(`dataset ${params.datasetId} has no ground truth for these frames: only label-free signals were computed`, 'warn');
  }
  if (labelFree) {
    const s = labelFree.summary();
    const list = (a: Float64Array) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));
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

