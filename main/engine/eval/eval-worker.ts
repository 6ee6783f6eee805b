// Worker half of 'eval.histogram': reads every frame's prediction (and ground truth when present) once,
// builds the cluster×class histograms and the label-free signals, and hands them to the host, which
// stores them in one transaction. Reading is the cost; both passes share it. With a queue configured
// the frames go to the worker pool in ranges (main/engine/pool/eval-remote.ts) and the parts are merged
// here; without one, the whole job is one part (eval-frames.ts), so both give the same bits.
//
// No checkpoints: the job is one pass over the frames (under 20 s for 500 frames here) and restarting
// it from scratch gives the same result, so a resumed job simply starts again.
import { StudioError } from '../../../shared/contract/errors.js';
import { openDatabase } from '../db/connection.js';
import { listFrames } from '../datasets/frame-source.js';
import type { JobContext } from '../jobs/job-kind.js';
import { evalOnPoolIfConfigured } from '../pool/eval-remote.js';
import { evaluatePart, mergeParts, NO_CONTEXT, type EvalPassSpec } from './eval-frames.js';
import type { EvalJobParams, EvalJobResult } from './eval-job.js';
import { protocolFromSpec } from './protocol-spec.js';
import { openPredictionSource } from './predictions.js';

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
  const spec: EvalPassSpec = { protocol, geometry: params.geometry, labelFree: params.labelFree, withLabels: labelled.length > 0 };
  const work = params.labelFree ? withPred : labelled;
  if (!spec.withLabels) ctx.log(`dataset ${params.datasetId} has no ground truth for these frames: only label-free signals were computed`, 'warn');
  const started = Date.now();
  const parts = (await evalOnPoolIfConfigured(ctx, db, params, spec, source, work)) ?? [await evaluatePart(ctx, spec, source, work, NO_CONTEXT)];
  return mergeParts(spec, source.clusters, parts, (Date.now() - started) / 1000);
}
