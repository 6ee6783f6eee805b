// Host half of 'pretrain.run': params, title, and the model row written when the worker has produced
// and validated the model file (the store's checks — a real forward, the token grid — ran in the worker).
import type { z } from 'zod';
import { z as zod } from 'zod';
import {
  pretrainStartArgs,
  type PretrainResult,
  type PretrainStartArgs,
} from '../../../shared/contract/pretrain.js';
import { StudioError } from '../../../shared/contract/errors.js';
import { getModelByName, insertModel } from '../db/queries/models.js';
import type { JobKindDefinition } from '../jobs/job-kind.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../backbones/backbone.js';

export { PRETRAIN_JOB_KIND } from '../../../shared/contract/pretrain.js';
import { PRETRAIN_JOB_KIND } from '../../../shared/contract/pretrain.js';

export interface PretrainJobParams extends PretrainStartArgs {
  /** Resolved dataset ids. */
  readonly datasetIds: readonly string[];
  /** The init model's file (absolute), when continuing. */
  readonly initFile?: string;
}

export interface PretrainWorkerResult extends PretrainResult {
  readonly sha256: string;
  readonly bytes: number;
  /** Path relative to the workspace root. */
  readonly relFile: string;
  readonly patchSize: number;
  /** Register tokens after the CLS token (a continued DINOv2 with registers). */
  readonly registers: number;
}

const params = pretrainStartArgs.extend({
  datasetIds: zod.array(zod.string()).min(1),
  initFile: zod.string().optional(),
});

export const pretrainJobKind: JobKindDefinition<PretrainJobParams> = {
  kind: PRETRAIN_JOB_KIND,
  worker: new URL('./pretrain-worker.js', import.meta.url),
  heavy: true,
  params: params as unknown as z.ZodType<PretrainJobParams>,
  title: (p) => `Pretrain ${p.name} (${p.arch}, depth ${p.depth}, ${p.objective}, seed ${p.seed})`,
  complete(host, _job, raw) {
    const r = raw as PretrainWorkerResult;
    if (getModelByName(host.db, r.model)) {
      throw new StudioError(
        'conflict',
        `a model named '${r.model}' was added while pretraining ran; the weights are kept in ${r.file} — add them with \`models add\` under another name`,
      );
    }
    insertModel(host.db, {
      id: crypto.randomUUID(),
      name: r.model,
      family: 'pretrain',
      file: r.relFile,
      sha256: r.sha256,
      bytes: r.bytes,
      patch_size: r.patchSize ?? 8,
      dim: r.dim,
      input_name: 'pixel_values',
      output_name: 'last_hidden_state',
      fixed_height: null,
      fixed_width: null,
      registers: r.registers ?? 0,
      mean: JSON.stringify(IMAGENET_MEAN),
      std: JSON.stringify(IMAGENET_STD),
      source: 'pretrain',
      created_at: new Date().toISOString(),
    });
    return {
      model: r.model,
      file: r.file,
      steps: r.steps,
      frames: r.frames,
      finalLoss: r.finalLoss,
      dim: r.dim,
    } satisfies PretrainResult;
  },
};
