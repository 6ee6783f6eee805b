// Datasets: registered where they lie, read through ids. Import is a job (video decode is long).
import { z } from 'zod';
import { method } from './define.js';

export const DATASET_FORMATS = ['cityscapes', 'bdd100k', 'folder', 'video', 'synthdrive'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];
export const IMPORT_FORMATS = ['auto', 'cityscapes', 'bdd100k', 'folder', 'video'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** One problem the preflight found, naming the file (relative to the dataset root) and what is wrong. */
export interface PreflightIssue {
  readonly kind:
    | 'unreadable_image'
    | 'truncated_image'
    | 'unreadable_label'
    | 'truncated_label'
    | 'size_mismatch'
    | 'unknown_label_values'
    | 'missing_label'
    | 'orphan_label'
    | 'unsupported_file';
  readonly file: string;
  readonly message: string;
  /** Whether the frame was dropped (true) or kept without/with its label (false). */
  readonly dropped: boolean;
}

export interface PreflightReport {
  readonly schemaVersion: 1;
  readonly root: string;
  readonly format: DatasetFormat;
  readonly protocolId: string | null;
  /** Candidate files seen (images), before anything was dropped. */
  readonly scannedImages: number;
  readonly scannedLabels: number;
  readonly keptFrames: number;
  readonly droppedFrames: number;
  readonly framesWithoutLabels: number;
  readonly perSplit: Readonly<Record<string, { frames: number; labelled: number; sequences: number }>>;
  readonly perSequence: readonly { name: string; split: string; frames: number; labelled: number }[];
  /** Label values seen in every checked label map, value → pixel count (checked ones only). */
  readonly labelValues: Readonly<Record<string, number>>;
  readonly labelsChecked: number;
  readonly issues: readonly PreflightIssue[];
  /** Issues beyond the stored ones (the list is capped so a broken 100k-frame drive stays readable). */
  readonly issuesTruncated: number;
  readonly counts: Readonly<Partial<Record<PreflightIssue['kind'], number>>>;
  readonly notes: readonly string[];
  readonly elapsedSeconds: number;
}

export interface DatasetSummary {
  readonly id: string;
  readonly name: string;
  readonly format: DatasetFormat;
  readonly root: string;
  readonly sourcePath: string;
  readonly protocolId: string | null;
  readonly frameCount: number;
  readonly labelledCount: number;
  readonly sequenceCount: number;
  readonly splits: readonly string[];
  readonly createdAt: string;
}

export interface DatasetDetail extends DatasetSummary {
  readonly options: Readonly<Record<string, unknown>>;
  readonly report: PreflightReport;
}

export interface SequenceSummary {
  readonly id: string;
  readonly datasetId: string;
  readonly name: string;
  readonly split: string;
  readonly ordinal: number;
  readonly frameCount: number;
  readonly labelledCount: number;
  /** First frame's id, for a poster thumbnail. */
  readonly firstFrameId: string | null;
}

export interface FrameSummary {
  readonly id: string;
  readonly datasetId: string;
  readonly sequenceId: string;
  readonly index: number;
  readonly ordinal: number;
  readonly split: string;
  readonly name: string;
  /** Relative to the dataset root; the UI loads pixels through asset URLs, never raw paths. */
  readonly imageRel: string;
  readonly labelRel: string | null;
  readonly width: number;
  readonly height: number;
  readonly timeSeconds: number | null;
}

export interface FramePage {
  readonly items: readonly FrameSummary[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

export const datasetId = z.string().min(1).max(80);

export const importParamsSchema = z
  .object({
    path: z.string().min(1),
    format: z.enum(IMPORT_FORMATS).default('auto'),
    name: z.string().min(1).max(200).optional(),
    /** Folder, video: the split frames are filed under (default 'train'). Cityscapes, BDD100K: only this split. */
    split: z.string().min(1).max(40).regex(/^[A-Za-z0-9_-]+$/).optional(),
    /** Video: frames per second to sample; default: the source rate. */
    fps: z.number().positive().max(240).optional(),
    /** Video: output size as width (height follows the aspect) — frames are scaled by ffmpeg. */
    width: z.number().int().min(16).max(8192).optional(),
    height: z.number().int().min(16).max(8192).optional(),
    maxFrames: z.number().int().min(1).optional(),
    /** A built-in protocol id or a path to a custom protocol JSON file. */
    protocol: z.string().min(1).optional(),
    /** Folder format: where the labels are, when not found beside the images. */
    labels: z.string().min(1).optional(),
    /** Decode label maps to check their values: an evenly spread sample (default), all, or none. */
    labelCheck: z.enum(['all', 'sample', 'none']).optional(),
    /** Video frame cache encoding. */
    cacheFormat: z.enum(['jpg', 'png']).optional(),
    /** Set by the engine so a resumed job writes the same dataset. */
    datasetId: datasetId.optional(),
  })
  .strict();
export type ImportParams = z.input<typeof importParamsSchema>;

export const datasetMethods = {
  'datasets.list': method<DatasetSummary[]>()(z.object({}).strict()),
  'datasets.get': method<DatasetDetail>()(z.object({ id: datasetId }).strict()),
  /** Forgets the dataset and the studio's own caches of it; never touches the original files. */
  'datasets.remove': method<{ id: string; removed: boolean }>()(z.object({ id: datasetId }).strict()),
  'datasets.import': method<{ jobId: string; datasetId: string }>()(importParamsSchema),
  'datasets.sequences': method<SequenceSummary[]>()(
    z.object({ id: datasetId, split: z.string().optional() }).strict(),
  ),
  'datasets.frames': method<FramePage>()(
    z
      .object({
        id: datasetId,
        split: z.string().optional(),
        sequenceId: z.string().optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
  ),
  'datasets.protocols': method<ProtocolSummary[]>()(z.object({}).strict()),
};

export interface ProtocolSummary {
  readonly id: string;
  readonly name: string;
  readonly builtin: boolean;
  readonly classNames: readonly string[];
  readonly colors: readonly (readonly [number, number, number])[];
  readonly categories: readonly string[];
  readonly encoding: string;
}
