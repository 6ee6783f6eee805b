// Backbones (built-in and ONNX models in the workspace's model store) and the feature cache.
import { z } from 'zod';
import { method } from './define.js';
import type { JobSummary } from './jobs.js';

export const EXECUTION_PROVIDERS = ['auto', 'cpu', 'cuda', 'dml', 'coreml'] as const;
export type ExecutionProviderChoice = (typeof EXECUTION_PROVIDERS)[number];

export const preprocessingSchema = z
  .object({
    /** Network input size (sides are multiples of the patch). */
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    /** 'five': 4 corners + centre, each half width × half height (the reference Cityscapes train preset). */
    crops: z.enum(['none', 'five']),
    /** How a (crop of a) frame becomes width×height: short side → target, then centre crop. */
    resize: z.literal('short-side-center-crop'),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number(), z.number(), z.number()]),
  })
  .strict();
export type Preprocessing = z.infer<typeof preprocessingSchema>;

export interface BackboneInfo {
  /** 'rgb', 'builtin', or a model name from the store. */
  readonly id: string;
  readonly kind: 'builtin' | 'onnx';
  readonly family: string;
  readonly patchSize: number;
  readonly dim: number;
  /** The reference input side for this backbone (322 for /14, 320 otherwise). */
  readonly referenceSize: number;
  readonly description: string;
}

export interface ModelSummary {
  readonly name: string;
  readonly family: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly patchSize: number;
  readonly dim: number;
  readonly fixedSize: { width: number; height: number } | null;
  readonly source: string;
  readonly createdAt: string;
  /** What extraction runs: the fused-attention variant made by the store, or the graph as exported. */
  readonly attention: 'fused' | 'as-exported';
}

export interface FeatureSetSummary {
  readonly id: string;
  readonly datasetId: string;
  readonly backbone: string;
  readonly family: string;
  readonly patchSize: number;
  readonly preprocessing: Preprocessing;
  readonly cacheKey: string;
  readonly provider: string;
  readonly grid: { h: number; w: number };
  readonly dim: number;
  readonly frameCount: number;
  readonly itemCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The extraction job that last wrote this set (its result lists frames skipped as undecodable). */
  readonly jobId: string | null;
}

const modelName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash, underscore');

export const featureExtractArgs = z
  .object({
    datasetId: z.string().min(1),
    backbone: z.string().min(1),
    /** Input size; default: the backbone's reference size (square). */
    width: z.number().int().positive().max(4096).optional(),
    height: z.number().int().positive().max(4096).optional(),
    crops: z.enum(['none', 'five']).optional(),
    provider: z.enum(EXECUTION_PROVIDERS).optional(),
    threads: z.number().int().min(1).max(256).optional(),
    batchSize: z.number().int().min(1).max(64).optional(),
  })
  .strict();
export type FeatureExtractArgs = z.infer<typeof featureExtractArgs>;

export const backboneMethods = {
  'backbones.list': method<BackboneInfo[]>()(z.object({}).strict()),
  'models.list': method<ModelSummary[]>()(z.object({}).strict()),
  'models.add': method<ModelSummary>()(
    z
      .object({
        path: z.string().min(1),
        name: modelName,
        family: z.enum(['dinov2', 'dino', 'mae', 'vit']).optional(),
        patchSize: z.number().int().min(1).max(64).optional(),
      })
      .strict(),
  ),
  'models.pull': method<ModelSummary>()(
    z
      .object({
        preset: z.string().min(1),
        name: modelName.optional(),
        /** Hub base URL (tests point it at a closed local port). */
        endpoint: z.string().url().optional(),
        timeoutMs: z.number().int().min(100).max(600_000).optional(),
      })
      .strict(),
    { cancellable: true },
  ),
  'models.remove': method<{ removed: boolean }>()(z.object({ name: modelName }).strict()),
  /** Makes the fused-attention variant of a stored model (for models added before the store made one). */
  'models.optimize': method<ModelSummary>()(z.object({ name: modelName }).strict()),
  'features.list': method<FeatureSetSummary[]>()(z.object({ datasetId: z.string().optional() }).strict()),
  'features.get': method<FeatureSetSummary>()(z.object({ id: z.string().min(1) }).strict()),
  'features.extract': method<JobSummary>()(featureExtractArgs),
  'features.remove': method<{ removed: boolean }>()(z.object({ id: z.string().min(1) }).strict()),
};
