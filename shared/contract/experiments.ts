// Experiments: a CAUSE (or k-means baseline) training run on one feature set, its versioned config,
// its metrics time series and its predictions.
import { z } from 'zod';
import { method } from './define.js';
import { step2LossFields } from './step2-loss.js';

export const EXPERIMENT_METHODS = ['cause-mlp', 'cause-tr', 'kmeans'] as const;
export type ExperimentMethod = (typeof EXPERIMENT_METHODS)[number];
export const TRAIN_PRESETS = ['reference', 'fast'] as const;
export type TrainPreset = (typeof TRAIN_PRESETS)[number];
export const TF_BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type TfBackendChoice = (typeof TF_BACKEND_CHOICES)[number];

export const TRAIN_CONFIG_SCHEMA_VERSION = 1;
/** Prediction post-processing: none, or the release's dense CRF (10 mean-field iterations). */
export const REFINE_MODES = ['none', 'crf'] as const;
export const HEAD_VARIANTS = ['tr', 'hybrid'] as const;
export type RefineMode = (typeof REFINE_MODES)[number];
/**
 * Temporal prediction: 'none' = every frame on its own; 'features' / 'flow' = the previous frame's
 * probabilities carried along patch-feature matches / Lucas–Kanade optical flow and blended in.
 */
export const TEMPORAL_MODES = ['none', 'features', 'flow'] as const;
export type TemporalMode = (typeof TEMPORAL_MODES)[number];
/**
 * Which way a temporal mode runs through each sequence: 'forward' carries frame t−1 into t (causal, as a
 * live feed would); 'backward' carries t+1 into t. For a camera that drives forward, backward carries each
 * surface's label from nearer, larger views of it — better scores and fewer flips on the tuning world
 * (main/engine/temporal/tuning.ts), so it is the default for recorded drives. 'both': a backward pass,
 * then a forward pass over its filtered scores (main/engine/temporal/two-pass.ts).
 */
export const TEMPORAL_DIRECTIONS = ['backward', 'forward', 'both'] as const;
export type TemporalDirection = (typeof TEMPORAL_DIRECTIONS)[number];
/** The direction a temporal mode runs when none is asked for (session 11: 'both'; it was 'backward'). */
export const DEFAULT_TEMPORAL_DIRECTION: TemporalDirection = 'both';
/**
 * What `predict` in the CLI and the predict form start from: `flow` both ways, since session 12 when it met
 * all of issue 18's gates — on six held-out worlds it halves the ground-truth inconsistency and
 * flickerStatic and raises mIoU, and with its second pass on a helper thread of its own it runs at
 * ≥ ×0.8 of per-frame speed on two cores (main/engine/temporal/README.md). Choosing a mode starts from
 * `direction`. The API (`experiments.predict`) stays per-frame when no mode is given, because studies
 * score per-frame maps and the dense CRF cannot follow a temporal mode.
 */
export const PREDICT_TEMPORAL_DEFAULT: { readonly mode: TemporalMode; readonly direction: TemporalDirection } = { mode: 'flow', direction: DEFAULT_TEMPORAL_DIRECTION };
export const STEP3_INITS = ['uniform', 'kmeans++', 'kmeans'] as const;
export const STEP3_GRAPHS = ['image', 'batch'] as const;
/**
 * How Step 3 places the K clusters on the frozen teacher's outputs (all label-free): 'release' = the
 * modularity probe trained by gradient (the reference); 'kmeans' / 'kmeans++' = spherical k-means (or its
 * seeding alone); 'balanced' = k-means with a Sinkhorn equal-marginal assignment (SwAV); 'overcluster' =
 * k-means to overcluster·K clusters, merged greedily to K (by similarity or modularity gain).
 */
export const STEP1_INITS = ['uniform', 'kmeans'] as const;
export const STEP3_VARIANTS = ['release', 'kmeans', 'kmeans++', 'balanced', 'overcluster'] as const;
export type Step3Variant = (typeof STEP3_VARIANTS)[number];
export const STEP3_MERGES = ['similarity', 'modularity'] as const;

const lr = z.number().positive().max(1);
const epochs = z.number().int().min(0).max(1000);

/** Persisted with every experiment; a newer schemaVersion is refused rather than misread. */
export const trainConfigSchema = z
  .object({
    schemaVersion: z.literal(TRAIN_CONFIG_SCHEMA_VERSION),
    preset: z.enum(TRAIN_PRESETS),
    method: z.enum(EXPERIMENT_METHODS),
    /** K, the number of clusters of the final segmentation. */
    clusters: z.number().int().min(2).max(65535),
    seed: z.number().int().min(0).max(0xffffffff),
    backend: z.enum(TF_BACKEND_CHOICES),
    /** k, clusterbook size (2048 in the reference). */
    concepts: z.number().int().min(2).max(16384),
    /** r, head output dimension (90). */
    headDim: z.number().int().min(2).max(4096),
    /** Projection dimension (2048). */
    projDim: z.number().int().min(2).max(8192),
    /** TR head FFN width (2048). */
    ffnDim: z.number().int().min(2).max(8192),
    tau: z.number().positive(),
    posThreshold: z.number().min(-1).max(1),
    negThreshold: z.number().min(-1).max(1),
    temperature: z.number().positive(),
    bankPerConcept: z.number().int().min(0).max(10000),
    batchSize: z.number().int().min(1).max(1024),
    dropout: z.number().min(0).max(0.9),
    emaMomentum: z.number().min(0).max(1),
    gradClip: z.number().positive().nullable(),
    step1: z
      .object({
        lr,
        epochs,
        /**
         * Studio, label-free: how the clusterbook starts. 'uniform' (±1/k, the release; absent = it) or
         * 'kmeans' (k-means++ and a few Lloyd iterations, cosine, on grid-sampled tokens), which keeps
         * concepts that modularity alone collapses on small worlds (main/engine/cause/clusterbook-init.ts).
         */
        init: z.enum(STEP1_INITS).optional(),
      })
      .strict(),
    step2: z.object({ lr, epochs, ...step2LossFields }).strict(),
    step3: z
      .object({
        lr,
        epochs,
        decayEvery: z.number().int().min(1),
        decayFactor: z.number().positive().max(1),
        // Studio deviations, all label-free; absent = the release's behaviour, so configs stored before
        // these fields existed still mean what they meant.
        /**
         * How the centroids start: 'uniform' (±1/K, the release), 'kmeans++' (k-means++ seeding, cosine, on
         * the frozen teacher's outputs of grid-sampled tokens) or 'kmeans' (the same, then Lloyd iterations).
         */
        init: z.enum(STEP3_INITS).optional(),
        /** Re-seed, before each step, a centroid that is nearest to none of the step's tokens. */
        reviveDead: z.boolean().optional(),
        /** Modularity graph: 'image' (per image, the release) or 'batch' (one graph over the step's tokens). */
        graph: z.enum(STEP3_GRAPHS).optional(),
        /** The Step 3 algorithm (absent = 'release'); the fitted variants run once, not per epoch. */
        variant: z.enum(STEP3_VARIANTS).optional(),
        /** Fitted variants: subtract the teacher outputs' mean first (stored in the teacher's last bias). */
        centre: z.boolean().optional(),
        /** 'balanced': marginal strength λ in (0, 1] (1 = equal cluster masses). */
        balance: z.number().positive().max(1).optional(),
        /** 'overcluster': K' = overcluster · K clusters before merging. */
        overcluster: z.number().min(1).max(64).optional(),
        /** 'overcluster': how groups merge. */
        merge: z.enum(STEP3_MERGES).optional(),
        /** 'overcluster' with merge 'modularity': the resolution γ (1 = the Step 3 objective). */
        resolution: z.number().positive().max(100).optional(),
      })
      .strict(),
    /**
     * CAUSE-TR only (Studio): 'hybrid' adds a convolutional branch over the feature grid (3×3 depthwise,
     * 1×1 conv) to the decoder's output; absent = the release's TR head.
     */
    head: z.enum(HEAD_VARIANTS).optional(),
    /** Train on at most this many feature items (evenly spaced); null = all. */
    maxImages: z.number().int().min(1).nullable(),
    /** Global steps between checkpoints. */
    checkpointEvery: z.number().int().min(1),
    flipAveraging: z.boolean(),
    kmeans: z.object({ maxIterations: z.number().int().min(1), maxTokens: z.number().int().min(1) }).strict(),
  })
  .strict()
  .refine((c) => c.posThreshold > c.negThreshold, { message: 'posThreshold must exceed negThreshold' })
  .refine((c) => c.head === undefined || c.method === 'cause-tr', { message: 'head applies to cause-tr only' });
export type TrainConfig = z.infer<typeof trainConfigSchema>;

export type TrainConfigOverrides = Partial<Omit<TrainConfig, 'schemaVersion'>>;

/**
 * 'reference' = the public release's settings (learning rates as the release effectively ran them,
 * 4e-3 with one replica); 'fast' = small budgets that finish in minutes on a CPU (demos and tests).
 */
export function presetConfig(
  preset: TrainPreset,
  method: ExperimentMethod,
  clusters: number,
  seed = 0,
  backend: TfBackendChoice = 'auto',
): TrainConfig {
  const tr = method === 'cause-tr';
  const base = {
    schemaVersion: TRAIN_CONFIG_SCHEMA_VERSION,
    preset,
    method,
    clusters,
    seed,
    backend,
    tau: 0.1,
    posThreshold: 0.3,
    negThreshold: 0.1,
    temperature: 0.07,
    dropout: 0.1,
    emaMomentum: 0.99,
    gradClip: 1,
    flipAveraging: true,
  } as const;
  if (preset === 'reference') {
    return {
      ...base,
      concepts: 2048,
      headDim: 90,
      projDim: 2048,
      ffnDim: 2048,
      bankPerConcept: 100,
      batchSize: 16,
      step1: { lr: 4e-3, epochs: 1 },
      step2: { lr: 4e-3, epochs: 2 },
      step3: { lr: 4e-3, epochs: tr ? 5 : 1, decayEvery: 2, decayFactor: 0.5, init: 'uniform', reviveDead: false, graph: 'image' },
      maxImages: null,
      checkpointEvery: 50,
      kmeans: { maxIterations: 100, maxTokens: 200_000 },
    };
  }
  // Chosen on the tuning worlds only (main/engine/cause/step3/tuning.ts: 7201 → 7202, seeds 71-73;
  // scripts/step2-lever.ts), session 8. The release's recipe at this budget collapses twice: Step 1's
  // modularity clusterbook ends on 4-8 effective concepts of 256, so Step 2's concept-aware positives are
  // a 4-8-way split and the teacher forgets what the features knew; then the release probe keeps 3-6 of
  // 27 clusters. Instead the clusterbook is k-means on the features (no modularity epochs), positives
  // and negatives are strict (cosine of concepts > 0.9 / < 0.7), and Step 3 over-clusters ×6 and merges
  // to K by average linkage: on the tuning worlds +2.7 (builtin) / +1.7 (builtin-vit) present-class mIoU
  // over k-means on the features, with all 27 clusters in use, where the release recipe was below it.
  return {
    ...base,
    posThreshold: 0.9,
    negThreshold: 0.7,
    concepts: 256,
    headDim: 90,
    projDim: 256,
    ffnDim: 512,
    bankPerConcept: 20,
    batchSize: 8,
    step1: { lr: 4e-3, epochs: 0, init: 'kmeans' },
    step2: { lr: 4e-3, epochs: 20 },
    // lr … graph are the release probe's, used when a run asks for `variant: 'release'`.
    step3: {
      lr: 1e-3,
      epochs: 8,
      decayEvery: 2,
      decayFactor: 0.5,
      init: 'uniform',
      reviveDead: false,
      graph: 'image',
      variant: 'overcluster',
      overcluster: 6,
      merge: 'similarity',
    },
    maxImages: null,
    checkpointEvery: 10,
    kmeans: { maxIterations: 100, maxTokens: 60_000 },
  };
}

/** Validates a stored or user-given config; `file` names where it came from in the error. */
export function parseTrainConfig(json: unknown, source: string): TrainConfig {
  const v = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof v === 'number' && v > TRAIN_CONFIG_SCHEMA_VERSION) {
    throw new Error(`${source}: training config schemaVersion ${v} is newer than this studio understands (${TRAIN_CONFIG_SCHEMA_VERSION})`);
  }
  const r = trainConfigSchema.safeParse(json);
  if (!r.success) throw new Error(`${source}: invalid training config: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

export type ExperimentStatus = 'created' | 'training' | 'trained' | 'failed' | 'cancelled';

export interface ExperimentSummary {
  readonly id: string;
  readonly name: string;
  readonly datasetId: string;
  readonly featureSetId: string;
  readonly backbone: string;
  readonly method: ExperimentMethod;
  readonly clusters: number;
  readonly preset: TrainPreset;
  readonly seed: number;
  readonly status: ExperimentStatus;
  /** The TensorFlow.js backend the run actually used (null until it started). */
  readonly backend: string | null;
  readonly trainJobId: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export interface ExperimentPredictionSet {
  readonly datasetId: string;
  readonly featureSetId: string;
  readonly jobId: string;
  readonly frames: number;
  readonly createdAt: string;
  /** Post-processing the set was predicted with ('none' for sets made before the option). */
  readonly refine: RefineMode;
  /** Temporal mode the set was predicted with ('none' for sets made before the option). */
  readonly temporal: TemporalMode;
  /** Which way the temporal mode ran ('forward' for sets made before the option; meaningless for 'none'). */
  readonly temporalDirection: TemporalDirection;
}

export interface ExperimentDetail extends ExperimentSummary {
  readonly config: TrainConfig;
  /** What the finished run reports: steps, skipped terms, final losses, seconds. */
  readonly summary: Readonly<Record<string, number | string>> | null;
  readonly predictions: readonly ExperimentPredictionSet[];
}

export interface MetricSeries {
  readonly name: string;
  readonly steps: readonly number[];
  readonly values: readonly number[];
}

export const experimentId = z.string().min(1).max(64);

export const experimentCreateArgs = z
  .object({
    datasetId: z.string().min(1),
    /** Backbone id ('builtin', 'rgb', a model name); the feature set is looked up from it... */
    backbone: z.string().min(1).optional(),
    /** ...or given directly. */
    featureSetId: z.string().min(1).optional(),
    method: z.enum(EXPERIMENT_METHODS),
    clusters: z.number().int().min(2).max(65535),
    preset: z.enum(TRAIN_PRESETS).default('fast'),
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    backend: z.enum(TF_BACKEND_CHOICES).default('auto'),
    name: z.string().min(1).max(200).optional(),
    /** Individual settings over the preset (validated against the config schema). */
    overrides: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((a) => a.backbone !== undefined || a.featureSetId !== undefined, {
    message: 'give backbone or featureSetId',
  });

export const experimentMethods = {
  /** Creates the experiment and queues its training job. */
  'experiments.create': method<{ experimentId: string; jobId: string }>()(experimentCreateArgs),
  /** Queues training again for an existing experiment (e.g. after it failed). */
  'experiments.train': method<{ experimentId: string; jobId: string }>()(z.object({ id: experimentId }).strict()),
  'experiments.list': method<ExperimentSummary[]>()(z.object({ datasetId: z.string().optional() }).strict()),
  'experiments.get': method<ExperimentDetail>()(z.object({ id: experimentId }).strict()),
  'experiments.metrics': method<MetricSeries[]>()(
    z
      .object({ id: experimentId, names: z.array(z.string()).optional(), sinceStep: z.number().int().min(0).optional() })
      .strict(),
  ),
  /**
   * Predicts cluster and confidence maps for every frame of a dataset (default: the training one), from
   * a given feature set of the same backbone (default: the training set when it is on that dataset, else
   * the newest single-view set) — e.g. whole-frame features for a model trained on reference crops.
   */
  'experiments.predict': method<{ jobId: string }>()(
    z
      .object({
        id: experimentId,
        datasetId: z.string().min(1).optional(),
        featureSetId: z.string().min(1).optional(),
        refine: z.enum(REFINE_MODES).optional(),
        temporal: z.enum(TEMPORAL_MODES).optional(),
        /** With a temporal mode: which way through each sequence (default DEFAULT_TEMPORAL_DIRECTION, 'both'). */
        temporalDirection: z.enum(TEMPORAL_DIRECTIONS).optional(),
      })
      .strict(),
  ),
};
