// Studies: a grid of variants × backbones × seeds, each cell a train → predict → eval on a held-out
// world, summarised as mean ± sd per variant and backbone (`cause-studio study`, the Studies view).
import { z } from 'zod';
import { method } from './define.js';
import type { RefineMode } from './experiments.js';

export const STUDY_SCHEMA_VERSION = 1;

/** One measured cell. */
export interface StudyCell {
  readonly variant: string;
  readonly backbone: string;
  readonly seed: number;
  readonly experimentId: string;
  readonly miouPresent: number | null;
  readonly miou: number | null;
  readonly pixelAccuracy: number | null;
  /** Clusters with predicted pixels on the evaluation world. */
  readonly clustersUsed: number;
  /** Clusters no fitting token was nearest to (from the run's summary), when the run reports it. */
  readonly deadClusters: number | null;
  /** Seconds of train + predict + eval jobs. */
  readonly seconds: number;
  /** True when the seed is one the Step 3 variants were tuned with (figures must not be reported from it). */
  readonly tuning: boolean;
  /** Ground-truth temporal inconsistency along the true motion (SynthDrive); absent in older studies. */
  readonly temporalInconsistency?: number | null;
  /**
   * Post-processing of the prediction this row was scored on (`study --refine`); absent = 'none', which
   * is how plain rows are written, so studies from before the option read (and print) as they did.
   */
  readonly refine?: RefineMode;
}

export interface MeanSd {
  readonly mean: number | null;
  readonly sd: number | null;
}

/** One row of the table: a variant on a backbone, over its seeds. */
export interface StudyRow {
  readonly variant: string;
  readonly backbone: string;
  readonly seeds: readonly number[];
  readonly miouPresent: MeanSd;
  readonly miou: MeanSd;
  readonly pixelAccuracy: MeanSd;
  readonly clustersUsed: MeanSd;
  readonly seconds: MeanSd;
  readonly temporalInconsistency?: MeanSd;
  /** As StudyCell.refine: absent = 'none'. */
  readonly refine?: RefineMode;
}

export interface StudyVariantSpec {
  readonly name: string;
  readonly method: 'cause-mlp' | 'cause-tr' | 'kmeans';
  /** Train-config overrides over the preset (for CAUSE: at least the Step 3 settings). */
  readonly overrides: Readonly<Record<string, unknown>>;
}

export interface StudyResult {
  readonly schemaVersion: typeof STUDY_SCHEMA_VERSION;
  readonly name: string;
  readonly trainDatasetId: string;
  readonly trainDatasetName: string;
  readonly evalDatasetId: string;
  readonly evalDatasetName: string;
  readonly preset: string;
  readonly clusters: number;
  readonly protocol: string;
  readonly variants: readonly StudyVariantSpec[];
  readonly backbones: readonly string[];
  readonly seeds: readonly number[];
  /** The refine modes every cell was scored with, when not just 'none' (absent = ['none']). */
  readonly refine?: readonly RefineMode[];
  readonly cells: readonly StudyCell[];
  readonly rows: readonly StudyRow[];
  /** Cells still to run (a study interrupted or still running). */
  readonly pending: number;
  readonly updatedAt: string;
}

export interface StudySummary {
  readonly name: string;
  readonly trainDatasetName: string;
  readonly evalDatasetName: string;
  readonly variants: number;
  readonly backbones: readonly string[];
  readonly seeds: readonly number[];
  readonly cells: number;
  readonly pending: number;
  readonly updatedAt: string;
}

export const studyName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, . _ - (up to 100)');

export const studyMethods = {
  'studies.list': method<StudySummary[]>()(z.object({}).strict()),
  'studies.get': method<StudyResult>()(z.object({ name: studyName }).strict()),
};
