// Pool task 'eval.range': one range of an evaluation's frames through the local job's own pass
// (eval/eval-frames.ts), from the prediction rows and frames the task carries. It writes nothing: its
// part (integer sums, per-frame histograms) comes back through the queue with a checksum over it.
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { evaluatePart, type EvalPart } from '../../eval/eval-frames.js';
import { decodeDense, encodeDense } from '../../eval/histogram.js';
import { protocolFromSpec } from '../../eval/protocol-spec.js';
import { predictionSourceFromRows } from '../../eval/predictions.js';
import type { FrameRecord } from '../../datasets/frame-source.js';
import type { JobContext } from '../../jobs/job-kind.js';

const frame = z
  .object({ id: z.string(), sequenceId: z.string(), imagePath: z.string(), labelPath: z.string().nullable(), name: z.string(), ordinal: z.number().int() })
  .passthrough();

export const evalRangeInput = z
  .object({
    experimentId: z.string().min(1),
    datasetId: z.string().min(1),
    predictionKey: z.string().min(1),
    clusters: z.number().int().positive(),
    protocol: z.object({ id: z.string().min(1), definition: z.unknown().optional(), source: z.string().optional() }).strict(),
    geometry: z.enum(['reference', 'full']),
    labelFree: z.boolean(),
    withLabels: z.boolean(),
    frames: z.array(frame).min(1),
    previous: frame.nullable(),
    labelled: z.array(frame),
    /** Prediction rows of the frames and the context frames (paths relative to the workspace). */
    rows: z.array(z.object({ frame_id: z.string(), cluster_file: z.string(), confidence_file: z.string(), width: z.number().int(), height: z.number().int() }).strict()),
  })
  .strict();
export type EvalRangeInput = z.infer<typeof evalRangeInput>;

/** An EvalPart as JSON: typed arrays as base64. */
export interface WirePart {
  framesRead: number;
  histogram: { dense: string; pixels: number; frames: { frameId: string; ordinal: number; pixels: number; cells: string }[] } | null;
  labelFree: EvalPart['labelFree'];
  presence: EvalPart['presence'];
  consistency: EvalPart['consistency'];
  motionFrames: number;
}

export interface EvalRangeResult {
  readonly part: WirePart;
  /** sha256 of JSON.stringify(part), checked by the studio before it merges the part. */
  readonly sha256: string;
  readonly computeMs: number;
}

const b64 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');

export function toWire(p: EvalPart): WirePart {
  const h = p.histogram;
  return {
    ...p,
    histogram: h ? { dense: b64(encodeDense(h.dense)), pixels: h.pixels, frames: h.frames.map((f) => ({ ...f, cells: b64(f.cells) })) } : null,
  };
}

export function fromWire(w: WirePart, denseSize: number): EvalPart {
  const h = w.histogram;
  const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
  return {
    ...w,
    histogram: h ? { dense: decodeDense(bytes(h.dense), denseSize), pixels: h.pixels, frames: h.frames.map((f) => ({ ...f, cells: bytes(f.cells) })) } : null,
  };
}

export const partSha = (part: WirePart): string => crypto.createHash('sha256').update(JSON.stringify(part)).digest('hex');

export async function run(ctx: JobContext, raw: unknown): Promise<EvalRangeResult> {
  const t0 = performance.now();
  const i = evalRangeInput.parse(raw);
  const source = predictionSourceFromRows(ctx.workspaceRoot, { experimentId: i.experimentId, datasetId: i.datasetId, clusters: i.clusters, key: i.predictionKey }, i.rows);
  const spec = { protocol: protocolFromSpec(i.protocol), geometry: i.geometry, labelFree: i.labelFree, withLabels: i.withLabels };
  const asFrames = (l: unknown[]) => l as FrameRecord[];
  const part = toWire(
    await evaluatePart(ctx, spec, source, asFrames(i.frames), { previous: i.previous as FrameRecord | null, labelled: asFrames(i.labelled) }),
  );
  return { part, sha256: partSha(part), computeMs: performance.now() - t0 };
}
