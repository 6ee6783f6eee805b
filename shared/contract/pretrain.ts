// Label-free pretraining of a backbone on the workspace's own frames (`cause-studio pretrain`): a durable
// job whose result is a model in the store, `[B,3,H,W] → [B,T,D]`, used like any `models add` export.
import { z } from 'zod';
import { method } from './define.js';
import type { MetricSeries } from './experiments.js';

export const PRETRAIN_JOB_KIND = 'pretrain.run';
/** The job metrics a pretraining run streams (and `pretrain.metrics` returns), loss first. */
export const PRETRAIN_METRICS = [
  'pretrain/loss',
  'pretrain/teacher_entropy',
  'pretrain/student_entropy',
  'pretrain/prototypes_used',
  'pretrain/feature_std',
  'pretrain/grad_norm',
  'pretrain/lr',
] as const;

export const PRETRAIN_ARCHS = ['tiny', 'small'] as const;
export const PRETRAIN_OBJECTIVES = ['dense-distill'] as const;
/** 8: the encoder reads the built-in filter bank's 8×8-patch tokens; 14 / 16: a raw-pixel ViT (patch embedding). */
export const PRETRAIN_PATCH = 8;
export const PRETRAIN_PATCHES = [8, 14, 16] as const;

const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'model names use letters, digits, ".", "_" and "-"');

export const pretrainStartArgs = z
  .object({
    /** Datasets (ids or names) whose frames are the corpus; only their images are read. */
    datasets: z.array(z.string().min(1)).min(1),
    name,
    arch: z.enum(PRETRAIN_ARCHS).default('tiny'),
    depth: z.number().int().min(1).max(24).default(2),
    heads: z.number().int().min(1).max(32).optional(),
    patch: z
      .number()
      .int()
      .refine((p) => (PRETRAIN_PATCHES as readonly number[]).includes(p), {
        message: `--patch is 8 (the filter bank's 8×8 tokens) or 14 / 16 (a raw-pixel ViT's patch embedding)`,
      })
      .default(PRETRAIN_PATCH),
    objective: z.enum(PRETRAIN_OBJECTIVES).default('dense-distill'),
    steps: z.number().int().min(1).max(10_000_000).optional(),
    epochs: z.number().min(0.01).max(100_000).optional(),
    batch: z.number().int().min(1).max(256).default(4),
    /** Teacher window and student crop, in tokens (patches). */
    window: z.number().int().min(2).max(256).default(32),
    crop: z.number().int().min(1).max(256).default(20),
    lr: z.number().positive().max(1).default(5e-4),
    seed: z.number().int().min(0).max(2147483647).default(1),
    /** Frames are resized (short side, centre crop) to this size before the filter bank. */
    size: z
      .string()
      .regex(/^\d+x\d+$/, 'size is WxH, e.g. 640x320')
      .default('640x320'),
    /** Use at most this many frames (evenly spaced over the datasets). */
    maxFrames: z.number().int().min(1).max(1_000_000).default(400),
    /** A store model to continue pretraining (one made by `pretrain`, or a Hugging Face DINOv2 / DINO export). */
    init: z.string().min(1).optional(),
    threads: z.number().int().min(1).max(256).optional(),
  })
  .strict();

export type PretrainStartArgs = z.output<typeof pretrainStartArgs>;

export interface PretrainResult {
  readonly model: string;
  readonly file: string;
  readonly steps: number;
  readonly frames: number;
  readonly finalLoss: number;
  readonly dim: number;
}

export const pretrainMethods = {
  /** Starts a 'pretrain.run' job; progress and metrics arrive as job events, the result via jobs.get. */
  'pretrain.start': method<{ jobId: string }>()(pretrainStartArgs),
  /** A pretraining job's metric history so far (from its run folder), one series per PRETRAIN_METRICS name. */
  'pretrain.metrics': method<MetricSeries[]>()(z.object({ jobId: z.string().min(1).max(64) }).strict()),
  /** Writes a stored model as a plain .onnx file. */
  'pretrain.export': method<{ file: string; bytes: number }>()(
    z.object({ name: z.string().min(1), out: z.string().min(1) }).strict(),
  ),
};
