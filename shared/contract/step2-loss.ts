// Step 2 loss options (Studio, label-free): the proposal's negatives and losses as alternatives to the
// release's concept-wise InfoNCE. Absent fields = the release's loss, so configs stored before these
// existed keep their meaning. The ONNX graph (main/engine/cause/ort/step2-graph-common.ts) and the tfjs
// oracle (main/engine/cause/contrastive.ts) both take the resolved `Step2Loss`.
import { z } from 'zod';

export const STEP2_LOSSES = ['infonce', 'triplet'] as const;
export type Step2LossKind = (typeof STEP2_LOSSES)[number];

/**
 * Hard-negative mining: per anchor row, keep only the most similar concept-negatives (by the student-
 * teacher cosine), separately among the batch and among the bank: a fixed `count` or the hardest
 * `fraction` of the row's negatives (at least one when the row has any).
 */
export const hardNegativesSchema = z.union([
  z.object({ count: z.number().int().min(1).max(1_000_000) }).strict(),
  z.object({ fraction: z.number().gt(0).max(1) }).strict(),
]);
export type HardNegatives = z.infer<typeof hardNegativesSchema>;

/**
 * Debiased negatives (Chuang et al. 2020) with optional hardness weighting (Robinson et al. 2021): the
 * negative part of the InfoNCE denominator becomes max(N·(E_w[e^S] − τ⁺ E_pos[e^S])/(1 − τ⁺), N e^{−1/T}),
 * E_w weighting each negative by e^{β S}. τ⁺ = 0, β = 0 is the release's denominator.
 */
export const debiasedSchema = z.object({ tauPlus: z.number().min(0).max(0.9), beta: z.number().min(0).max(3) }).strict();

/**
 * Temporal positives (issue 18, label-free): each sampled patch's best feature match in the frame
 * `offset` frames later in its sequence (main/engine/temporal/feature-match.ts) is a positive when the
 * match's cosine reaches `minSimilarity`; the matches of the batch's other patches whose concepts
 * disagree are its negatives. An extra term of the concept-wise InfoNCE (MLP heads, tfjs engine).
 */
export const temporalPositivesSchema = z.object({ offset: z.number().int().min(1).max(5), minSimilarity: z.number().min(0).max(1) }).strict();
export type TemporalPositives = z.infer<typeof temporalPositivesSchema>;

/** The Step 2 fields these options add to the train config (spread into its `step2` object). */
export const step2LossFields = {
  /** 'infonce' (the release) or 'triplet': hinge max(0, margin − cos(anchor, positive) + mean cos(anchor, negatives)). */
  loss: z.enum(STEP2_LOSSES).optional(),
  /** Triplet margin on cosine similarities. */
  margin: z.number().min(0).max(2).optional(),
  hardNegatives: hardNegativesSchema.optional(),
  debiased: debiasedSchema.optional(),
  temporal: temporalPositivesSchema.optional(),
};

/** A step2 config's loss fields, all resolved (what the graph and the oracle build from). */
export interface Step2Loss {
  readonly kind: Step2LossKind;
  readonly margin: number;
  readonly hardNegatives: HardNegatives | null;
  readonly tauPlus: number;
  readonly beta: number;
  /** Temporal positives; null = none (absent in losses resolved before the option). */
  readonly temporal?: TemporalPositives | null;
}

export const RELEASE_STEP2_LOSS: Step2Loss = { kind: 'infonce', margin: 0.3, hardNegatives: null, tauPlus: 0, beta: 0, temporal: null };

export function resolveStep2Loss(step2: {
  readonly loss?: Step2LossKind | undefined;
  readonly margin?: number | undefined;
  readonly hardNegatives?: HardNegatives | undefined;
  readonly debiased?: { readonly tauPlus: number; readonly beta: number } | undefined;
  readonly temporal?: TemporalPositives | undefined;
}): Step2Loss {
  const kind = step2.loss ?? 'infonce';
  if (kind === 'triplet' && step2.debiased) throw new Error('step2.debiased applies to the InfoNCE loss, not to triplet');
  return {
    kind,
    margin: step2.margin ?? RELEASE_STEP2_LOSS.margin,
    hardNegatives: step2.hardNegatives ?? null,
    tauPlus: step2.debiased?.tauPlus ?? 0,
    beta: step2.debiased?.beta ?? 0,
    temporal: step2.temporal ?? null,
  };
}

/** True when the options change nothing (the graph then is the release's, node for node). */
export function isReleaseLoss(l: Step2Loss): boolean {
  return l.kind === 'infonce' && l.hardNegatives === null && l.tauPlus === 0 && l.beta === 0 && !l.temporal;
}

/** Short label for tables and logs, e.g. `infonce`, `triplet(m=0.3,hard=8)`, `infonce(debiased τ+=0.1,β=1)`. */
export function step2LossLabel(l: Step2Loss): string {
  const parts: string[] = [];
  if (l.kind === 'triplet') parts.push(`m=${l.margin}`);
  if (l.hardNegatives) parts.push('count' in l.hardNegatives ? `hard=${l.hardNegatives.count}` : `hard=${l.hardNegatives.fraction * 100}%`);
  if (l.tauPlus > 0 || l.beta > 0) parts.push(`debiased τ+=${l.tauPlus},β=${l.beta}`);
  if (l.temporal) parts.push(`temporal +${l.temporal.offset}@${l.temporal.minSimilarity}`);
  return parts.length ? `${l.kind}(${parts.join(',')})` : l.kind;
}
