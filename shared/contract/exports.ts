// Exports: segmentation videos (and, from the evaluation side, pseudo-labels and bundles).
import { z } from 'zod';
import { method } from './define.js';

export interface ExportRecord {
  readonly id: string;
  readonly kind: 'video' | 'labels' | 'bundle';
  readonly experimentId: string | null;
  readonly jobId: string | null;
  readonly path: string;
  readonly bytes: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly summary: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

export const videoExportArgs = z
  .object({
    experimentId: z.string().min(1),
    sequenceId: z.string().min(1),
    mode: z.enum(['overlay', 'side-by-side', 'labels']).default('overlay'),
    colors: z.enum(['classes', 'clusters']).default('classes'),
    /** 'hungarian' | 'majority' | a stored mapping id | a mapping JSON file; default: the newest saved mapping, else Hungarian. */
    mapping: z.string().min(1).optional(),
    fps: z.number().min(1).max(120).default(10),
    /** Width of one panel in pixels (height follows the aspect ratio); default: the dataset's. */
    width: z.number().int().min(64).max(4096).optional(),
    opacity: z.number().min(0).max(1).default(0.55),
    /** Burn in the experiment name, frame index and a legend of the classes present. */
    captions: z.boolean().default(true),
    /** Absolute output path; default: <workspace>/exports/<experiment>-<sequence>-<mode>.mp4 */
    out: z.string().min(1).optional(),
    force: z.boolean().default(false),
  })
  .strict();
export type VideoExportParams = z.output<typeof videoExportArgs>;

export const exportMethods = {
  'exports.video': method<{ jobId: string }>()(videoExportArgs),
  'exports.list': method<ExportRecord[]>()(z.object({ experimentId: z.string().optional() }).strict()),
};
