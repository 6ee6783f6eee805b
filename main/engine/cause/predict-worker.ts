// Worker half of 'experiments.predict': one cluster map and one confidence map per frame, at the frame's
// own resolution, written as PNGs into the workspace. Resumes after the last checkpointed frame.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import { openDatabase } from '../db/connection.js';
import type { Database } from 'better-sqlite3';
import { listFrames, readImageRGB, type FrameRecord } from '../datasets/frame-source.js';
import { openFeatureSet, type FeatureSet } from '../features/feature-reader.js';
import type { JobContext } from '../jobs/job-kind.js';
import { initTfBackend } from '../tf/backend.js';
import { writeFileAtomic } from '../workspace.js';
import { loadModel } from './model-io.js';
import { predictionDir, safeName } from './paths.js';
import type { PredictedFrame, PredictJobParams, PredictJobResult } from './predict-job.js';
import { encodeClusterMap, encodeConfidenceMap } from './prediction-png.js';
import { Predictor } from './predict.js';
import { predictWithCrf } from './predict-refine.js';
import { predictOnPoolIfConfigured } from '../pool/predict-remote.js';
import { TemporalPredictor } from '../temporal/temporal-predictor.js';
import { LINK_LOOKAHEAD, LinkPipeline, prestartLinkHelper } from '../temporal/link-pipeline.js';
import { resumePosition, sequenceOrder } from '../temporal/sequence-order.js';
import { predictBothWays, prestartBothWays, temporalFrameOf } from './predict-two-pass.js';

/** The frame's pixels for the CRF's colour kernel; its size must be the one the frame row records. */
async function frameImage(file: string, width: number, height: number) {
  const img = await readImageRGB(file);
  if (img.width !== width || img.height !== height) {
    throw new StudioError('invalid_input', `${file}: image is ${img.width}×${img.height}, the dataset records ${width}×${height}`);
  }
  return img;
}

export async function run(ctx: JobContext, params: PredictJobParams): Promise<PredictJobResult> {
  const pooled = await predictOnPoolIfConfigured(ctx, params);
  return pooled ?? predictRange(ctx, params);
}

/** The frames of the dataset that the feature set covers, in dataset order (what a prediction set holds). */
export function framesToPredict(db: Database, set: FeatureSet, datasetId: string): { frames: FrameRecord[]; itemOf: Map<string, number> } {
  const itemOf = firstItems(set);
  return { frames: listFrames(db, datasetId).filter((f) => itemOf.has(f.id)), itemOf };
}

/** Each frame's whole-frame item in the feature set. */
function firstItems(set: FeatureSet): Map<string, number> {
  const itemOf = new Map<string, number>();
  set.items.forEach((it, i) => {
    if (it.crop === 0 && !itemOf.has(it.frameId)) itemOf.set(it.frameId, i);
  });
  return itemOf;
}

/**
 * Predicts every frame, or frames [from, to) of that list (a pool task's range). A pool task brings its
 * frames along, so a worker on another machine never opens the studio's database.
 */
export async function predictRange(
  ctx: JobContext,
  params: PredictJobParams,
  range?: { from: number; to: number; frames?: readonly FrameRecord[] },
): Promise<PredictJobResult> {
  // the helper threads start (and the flow's warms up) while TensorFlow starts and the model loads
  if (params.temporal && params.temporal !== 'none') {
    if (params.temporalDirection === 'both') prestartBothWays(params.temporal);
    else prestartLinkHelper(params.temporal);
  }
  const choice = await initTfBackend(params.backend, (m) => ctx.log(m));
  const set = openFeatureSet(ctx.workspaceRoot, params.featureSetId);
  const db = range?.frames ? null : openDatabase(ctx.databasePath, { readonly: true });
  const model = loadModel(path.join(ctx.workspaceRoot, params.modelFile));
  const predictor = new Predictor(model, params.flipAveraging);
  let links: LinkPipeline | null = null;
  try {
    if (set.preprocessing.crops !== 'none') {
      throw new StudioError(
        'invalid_input',
        `feature set ${set.id} is five-cropped; predictions need whole-frame features (extract with crops 'none')`,
      );
    }
    const { frames, itemOf } = db ? framesToPredict(db, set, params.datasetId) : { frames: range!.frames!, itemOf: firstItems(set) };
    if (frames.length === 0) throw new StudioError('not_found', `feature set ${set.id} has no frames of dataset ${params.datasetId}`);
    const outRel = predictionDir(params.experimentId, params.datasetId);
    fs.mkdirSync(path.join(ctx.workspaceRoot, outRel), { recursive: true });
    // A pool task's range starts its own carried state (as a sequence start would).
    const direction = params.temporalDirection ?? 'forward';
    const mode = params.temporal && params.temporal !== 'none' ? params.temporal : null;
    const from = range?.from ?? 0;
    const to = range?.to ?? frames.length;
    // The frames in the order they are predicted: frames[from, to) as listed, or with a temporal mode each
    // sequence in `direction` ('both' writes each sequence first to last). Progress and checkpoints count
    // positions in this order.
    const order = sequenceOrder(frames, mode ? direction : 'forward', from, to);
    const checkpoint = (ctx.loadCheckpoint() as { step: number } | undefined)?.step ?? 0;
    // The carried state is not checkpointed: a temporal run resumes at the start of the interrupted sequence.
    // Both ways, each stretch (≤ 32 frames) is a carried state of its own (two-pass.ts): a stretch whose frames
    // are all written is skipped and the interrupted one runs again from its start, with the same labels.
    const resumeFrom = mode && direction !== 'both' ? resumePosition(frames, order, checkpoint) : checkpoint;
    const files = (f: FrameRecord) => ({ clusterFile: path.join(outRel, `${safeName(f.id)}.png`), confidenceFile: path.join(outRel, `${safeName(f.id)}.conf.png`) });
    const skip = (pos: number) => pos < resumeFrom && fs.existsSync(path.join(ctx.workspaceRoot, files(frames[order[pos]!]!).confidenceFile));
    const entry = (f: FrameRecord) => ({ frameId: f.id, ...files(f), width: f.width, height: f.height });
    if (mode && direction === 'both') {
      const done: PredictedFrame[] = new Array(to - from);
      const image = (f: FrameRecord) => frameImage(f.imagePath, f.width, f.height).then((im) => im.data);
      const run = { set, itemOf, frames, order, predictor, mode, skip, image, throwIfCancelled: () => ctx.throwIfCancelled() };
      const { resets, cuts } = await predictBothWays(run, async (i, pos, p) => {
        const f = frames[i]!;
        const e = entry(f);
        done[i - from] = e;
        if (!p) return;
        writeFileAtomic(path.join(ctx.workspaceRoot, e.clusterFile), await encodeClusterMap(p.clusters, p.width, p.height, predictor.clusters));
        writeFileAtomic(path.join(ctx.workspaceRoot, e.confidenceFile), await encodeConfidenceMap(p.confidence, p.width, p.height));
        ctx.progress({ step: pos + 1, totalSteps: order.length, stage: 'predict', message: f.name });
        if ((pos + 1) % 25 === 0) ctx.saveCheckpoint(pos + 1, null);
      });
      ctx.log(`temporal ${mode} (both ways): ${resets} state resets (sequence stretches and ${cuts} scene cuts)`);
      return { frames: done, backend: choice.name };
    }
    // one pass: the next frames' links (their flow or patch matches) are computed on a helper thread while
    // this one is predicted (temporal/link-pipeline.ts); frames are submitted LINK_LOOKAHEAD ahead, in
    // order, their image decode under way and their features read once
    const temporal = mode ? new TemporalPredictor(predictor, mode, { direction }) : null;
    const toPredict: number[] = [];
    for (let pos = 0; pos < order.length; pos++) if (!skip(pos)) toPredict.push(order[pos]!);
    if (temporal) links = await LinkPipeline.open(temporal.mode, temporal.linkOptions);
    const inputs = new Map<number, ReturnType<typeof temporalFrameOf>>();
    // by frame index (less `from`): the result lists frames in their own order whatever the prediction order
    const done: PredictedFrame[] = new Array(to - from);
    let submitted = 0;
    let predicted = 0;
    for (let pos = 0; pos < order.length; pos++) {
      ctx.throwIfCancelled();
      const i = order[pos]!;
      const f = frames[i]!;
      const { clusterFile, confidenceFile } = files(f);
      if (toPredict[predicted] !== i) {
        done[i - from] = entry(f);
        continue;
      }
      for (; links && submitted < Math.min(toPredict.length, predicted + 1 + LINK_LOOKAHEAD); submitted++) {
        const k = toPredict[submitted]!;
        const g = frames[k]!;
        const input = temporalFrameOf(set, itemOf, g);
        inputs.set(k, input);
        links.submit({ ...input, ...(links.mode === 'flow' ? { rgb: frameImage(g.imagePath, g.width, g.height).then((im) => im.data) } : {}) });
      }
      predicted++;
      // the frame's features read once: when it was submitted for its link, or now
      const input = inputs.get(i) ?? temporalFrameOf(set, itemOf, f);
      inputs.delete(i);
      const { grid, region } = input;
      const p = temporal
        ? temporal.predict({ ...input, ...(links ? { link: await links.next() } : {}) })
        : params.refine === 'crf'
          ? await predictWithCrf(predictor, grid, set.grid.h, set.grid.w, set.dim, await frameImage(f.imagePath, f.width, f.height), region, set.preprocessing.width)
          : predictor.predict(grid, set.grid.h, set.grid.w, set.dim, f.width, f.height, region);
      writeFileAtomic(path.join(ctx.workspaceRoot, clusterFile), await encodeClusterMap(p.clusters, p.width, p.height, predictor.clusters));
      writeFileAtomic(path.join(ctx.workspaceRoot, confidenceFile), await encodeConfidenceMap(p.confidence, p.width, p.height));
      done[i - from] = entry(f);
      ctx.progress({ step: pos + 1, totalSteps: order.length, stage: 'predict', message: f.name });
      if ((pos + 1) % 25 === 0) ctx.saveCheckpoint(pos + 1, null);
    }
    if (temporal) ctx.log(`temporal ${temporal.mode} (${direction}): ${temporal.resets} state resets (sequence starts and ${temporal.cuts} scene cuts)`);
    return { frames: done, backend: choice.name };
  } finally {
    links?.close();
    predictor.dispose();
    db?.close();
    set.close();
  }
}
