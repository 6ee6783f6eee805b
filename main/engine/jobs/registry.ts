// The job kinds this engine knows. Domain modules add their definition to BUILTIN_JOB_KINDS.
import { StudioError } from '../../../shared/contract/errors.js';
import type { JobKindDefinition } from './job-kind.js';
import { importJobKind } from '../datasets/import-job.js';
import { featuresExtractKind } from '../features/extract-job.js';
import { evalJobKind } from '../eval/eval-job.js';
import { compareJobKind } from '../eval/compare-job.js';
import { labelsJobKind } from '../eval/labels-job.js';
import { synthGenerateKind } from '../synth/synth-job.js';
import { videoExportJob } from '../export/video-job.js';
import { trainJobKind } from '../cause/train-job.js';
import { predictJobKind } from '../cause/predict-job.js';
import { pretrainJobKind } from '../pretrain/pretrain-job.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own params type
export type AnyKind = JobKindDefinition<any>;

export const BUILTIN_JOB_KINDS: AnyKind[] = [importJobKind, featuresExtractKind, evalJobKind, compareJobKind, labelsJobKind, synthGenerateKind, videoExportJob, trainJobKind, predictJobKind, pretrainJobKind, ];

export class JobRegistry {
  private readonly kinds = new Map<string, AnyKind>();

  constructor(kinds: readonly AnyKind[] = BUILTIN_JOB_KINDS) {
    for (const k of kinds) this.register(k);
  }

  register(kind: AnyKind): void {
    if (this.kinds.has(kind.kind)) throw new Error(`job kind '${kind.kind}' registered twice`);
    this.kinds.set(kind.kind, kind);
  }

  get(kind: string): AnyKind {
    const k = this.kinds.get(kind);
    if (!k) throw new StudioError('not_found', `unknown job kind '${kind}'`);
    return k;
  }

  has(kind: string): boolean {
    return this.kinds.has(kind);
  }
}
