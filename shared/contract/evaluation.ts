// Evaluation and concept-to-class mapping: histograms computed once by a job, mappings versioned per
// experiment, scores derived from stored histograms (the renderer can also re-score locally with
// shared/metrics from 'eval.histogram'), label-free signals, and cross-run concept matching.
import { z } from 'zod';
import { method } from './define.js';
import type { MappingDocument, MappingMethod } from '../metrics/mapping-file.js';

export type EvalGeometryName = 'reference' | 'full';

export interface EvalHistogramSummary {
  readonly id: string;
  readonly experimentId: string;
  readonly datasetId: string;
  readonly split: string | null;
  readonly protocolId: string;
  readonly classNames: readonly string[];
  readonly categories: readonly string[];
  readonly geometry: EvalGeometryName;
  readonly predictionKey: string;
  /** K (rows) and C (columns) of the histogram. */
  readonly clusters: number;
  readonly classes: number;
  readonly frameCount: number;
  readonly pixelCount: number;
  readonly createdAt: string;
}

export interface EvalFrameHistogram {
  readonly frameId: string;
  readonly name: string;
  readonly sequenceId: string;
  readonly pixels: number;
  /** Sparse cells of the frame's K×C histogram: flat indices and counts. */
  readonly cells: readonly number[];
  readonly counts: readonly number[];
}

export interface EvalHistogramData extends EvalHistogramSummary {
  /** Row-major K×C pixel counts. */
  readonly histogram: readonly number[];
  readonly frames?: readonly EvalFrameHistogram[];
  /** As EvalReport.trainingFramesScored: scored frames the experiment trained on (absent when unknown). */
  readonly trainingFramesScored?: number;
}

export interface ClassScoreRow {
  readonly index: number;
  readonly name: string;
  readonly category: string;
  /** null where undefined (absent from the ground truth and never predicted; left out of mIoU). */
  readonly iou: number | null;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly gtPixels: number;
  /** Clusters mapped to this class. */
  readonly clusters: readonly number[];
}

export interface EvalReport {
  readonly histogramId: string;
  readonly experimentId: string;
  readonly datasetId: string;
  readonly protocolId: string;
  readonly geometry: EvalGeometryName;
  /** A stored mapping's id, or null when the mapping was computed on the fly. */
  readonly mappingId: string | null;
  readonly mappingMethod: MappingMethod;
  readonly mappingName: string;
  /** cluster → class index, -1 = unmatched/ignored (its pixels count as errors). */
  readonly mapping: readonly number[];
  readonly miou: number | null;
  readonly pixelAccuracy: number | null;
  readonly classesScored: number;
  /** Mean IoU over the classes with ground-truth pixels (the figure to rank methods by). */
  readonly miouPresent: number | null;
  /** Classes with ground-truth pixels: the `miouPresent` denominator. */
  readonly classesPresent: number;
  /**
   * How many of the scored frames the experiment was trained on (0 = a held-out score). Absent on
   * reports made before the engine tracked it. The CLI and the UI warn when it is above 0.
   */
  readonly trainingFramesScored?: number;
  readonly perClass: readonly ClassScoreRow[];
  readonly perCategory: readonly { name: string; iou: number | null }[];
  readonly categoryMiou: number | null;
  readonly totalPixels: number;
  readonly unmatchedPixels: number;
  readonly frameCount: number;
  /** Per-frame mIoU, worst first (at most `worstFrames` entries). */
  readonly worstFrames: readonly { frameId: string; name: string; miou: number | null }[];
}

export interface MappingSummary {
  readonly id: string;
  readonly experimentId: string;
  readonly version: number;
  readonly name: string;
  readonly method: MappingMethod;
  readonly protocolId: string;
  readonly clusters: number;
  readonly parentId: string | null;
  readonly histogramId: string | null;
  readonly createdAt: string;
}

export interface MappingDetail extends MappingSummary {
  readonly document: MappingDocument;
  /** cluster → class index, -1 = ignore. */
  readonly mapping: readonly number[];
}

export interface LabelFreeReport {
  readonly id: string;
  readonly experimentId: string;
  readonly datasetId: string;
  readonly split: string | null;
  readonly geometry: EvalGeometryName;
  readonly frames: number;
  readonly pixels: number;
  readonly clusters: number;
  readonly usedClusters: number;
  readonly pixelShare: readonly (number | null)[];
  readonly meanConfidence: readonly (number | null)[];
  /** Flicker variant: 'static-regions' (pixels whose luma changed ≤ threshold between consecutive frames). */
  readonly flickerMethod: 'static-regions';
  readonly staticThreshold: number;
  readonly framePairs: number;
  readonly staticPixels: number;
  readonly flickerStatic: number | null;
  readonly flickerAll: number | null;
  readonly flickerStaticPerCluster: readonly (number | null)[];
  /**
   * Ground-truth temporal inconsistency (shared/metrics/temporal-consistency.ts): share of pixels followed
   * along the true motion whose true class stays and predicted cluster changes. Only where the dataset
   * exports motion (SynthDrive); absent in reports made before it, null without motion.
   */
  readonly temporalConsistency?: { readonly inconsistency: number | null; readonly framePairs: number; readonly pixels: number } | null;
  /** The prediction set the signals were computed from (its predict job id, as EvalHistogramSummary.predictionKey). */
  readonly predictionKey?: string;
  readonly createdAt: string;
}

export interface RunComparisonReport {
  readonly experimentA: string;
  readonly experimentB: string;
  readonly datasetId: string;
  readonly geometry: EvalGeometryName;
  readonly frames: number;
  readonly pixels: number;
  readonly clustersA: number;
  readonly clustersB: number;
  readonly agreement: number | null;
  readonly meanMatchedIou: number | null;
  readonly stable: number;
  readonly matches: readonly { a: number; b: number; iou: number; pixels: number }[];
  readonly split: readonly { a: number; into: readonly number[]; shares: readonly number[] }[];
  readonly merged: readonly { b: number; from: readonly number[]; shares: readonly number[] }[];
  readonly vanished: readonly { a: number; bestB: number; bestIou: number }[];
  readonly appeared: readonly { b: number; bestA: number; bestIou: number }[];
  readonly unusedA: readonly number[];
  readonly unusedB: readonly number[];
  /** Sparse A×B co-occurrence (flat index a*clustersB+b → pixels); absent on reports made before it was kept. */
  readonly cooccurrence?: { readonly cells: readonly number[]; readonly counts: readonly number[] };
}

const id = z.string().min(1).max(80);
const geometry = z.enum(['reference', 'full']);

export const evalRunArgsSchema = z
  .object({
    experimentId: id,
    /** Default: the experiment's own dataset. */
    datasetId: id.optional(),
    split: z.string().min(1).max(40).optional(),
    /** A built-in protocol id (cityscapes-27, cityscapes-19, cityscapes-7, bdd100k-19 …) or a custom protocol JSON path. */
    protocol: z.string().min(1).default('cityscapes-27'),
    geometry: geometry.default('reference'),
    /** Also compute label-free signals (pixel shares, confidence, flicker). */
    labelFree: z.boolean().default(true),
    /** Recompute even when a histogram for the same predictions exists. */
    force: z.boolean().default(false),
    /**
     * The predict job whose set is to be scored: an experiment keeps one set per dataset and a new
     * prediction (e.g. with --refine crf) replaces it, so a caller that predicted a set names it here and
     * gets an error, not a score of another set, when it was replaced. Default: the current set.
     */
    predictionJobId: id.optional(),
  })
  .strict();
export type EvalRunArgs = z.input<typeof evalRunArgsSchema>;

export const evalCompareArgsSchema = z
  .object({
    experimentA: id,
    experimentB: id,
    datasetId: id.optional(),
    split: z.string().min(1).max(40).optional(),
    geometry: geometry.default('reference'),
  })
  .strict();

export const labelsExportArgsSchema = z
  .object({
    experimentId: id,
    /** Default: the experiment's own dataset. */
    datasetId: id.optional(),
    split: z.string().min(1).max(40).optional(),
    /** cityscapes: *_gtFine_{labelIds,labelTrainIds,color}.png + mapping.json; clusters: raw cluster-id PNGs. */
    format: z.enum(['cityscapes', 'clusters']).default('cityscapes'),
    /** 'hungarian' | 'majority' | a stored mapping id | a mapping JSON file; default: the newest saved mapping, else Hungarian. */
    mapping: z.string().min(1).optional(),
    /** Absolute output folder; it appears only when complete. */
    out: z.string().min(1),
    force: z.boolean().default(false),
  })
  .strict();

export const evaluationMethods = {
  /** Writes a reproducible experiment bundle (tar: manifest with hashes, config, weights, mapping, metrics). */
  'bundles.export': method<{ path: string; bytes: number; files: string[] }>()(
    z.object({ experimentId: id, out: z.string().min(1), force: z.boolean().default(false) }).strict(),
  ),
  /** Registers a bundled experiment on a dataset of this workspace (features of the same backbone needed). */
  'bundles.import': method<{ experimentId: string; mappingId: string | null; datasetId: string; featureSetId: string }>()(
    z.object({ path: z.string().min(1), datasetId: id.optional(), name: z.string().min(1).max(200).optional() }).strict(),
  ),
  /** Pseudo-labels of an experiment's predictions (a job; its result is the ExportRecord). */
  'exports.labels': method<{ jobId: string }>()(labelsExportArgsSchema),
  /** Starts the histogram job (or returns the stored histogram when it is up to date and not forced). */
  'eval.run': method<{ jobId: string | null; histogramId: string | null }>()(evalRunArgsSchema),
  'eval.histograms': method<EvalHistogramSummary[]>()(z.object({ experimentId: id.optional() }).strict()),
  'eval.histogram': method<EvalHistogramData>()(z.object({ id, frames: z.boolean().default(false) }).strict()),
  /** Scores a stored histogram under a mapping: 'hungarian', 'majority' or a stored mapping id. */
  'eval.score': method<EvalReport>()(
    z
      .object({
        histogramId: id,
        mapping: z.string().min(1).default('hungarian'),
        worstFrames: z.number().int().min(0).max(10000).default(10),
      })
      .strict(),
  ),
  'eval.labelFree': method<LabelFreeReport[]>()(z.object({ experimentId: id }).strict()),
  /** Starts a job matching the concepts of two runs on the same frames; the report is the job's result. */
  'eval.compare': method<{ jobId: string }>()(evalCompareArgsSchema),
  'mappings.list': method<MappingSummary[]>()(z.object({ experimentId: id }).strict()),
  'mappings.get': method<MappingDetail>()(z.object({ id }).strict()),
  /** Computes a Hungarian or majority mapping from a stored histogram and saves it as the next version. */
  'mappings.propose': method<MappingDetail>()(
    z
      .object({ histogramId: id, method: z.enum(['hungarian', 'majority']), name: z.string().min(1).max(200).optional() })
      .strict(),
  ),
  /** Saves a mapping document (manual edits, or an import) as the experiment's next version. */
  'mappings.save': method<MappingDetail>()(
    z.object({ experimentId: id, document: z.unknown(), parentId: id.optional(), histogramId: id.optional() }).strict(),
  ),
  'mappings.import': method<MappingDetail>()(z.object({ experimentId: id, path: z.string().min(1) }).strict()),
  'mappings.export': method<{ path: string }>()(
    z.object({ id, path: z.string().min(1), force: z.boolean().default(false) }).strict(),
  ),
};
