// The 'datasets.import' job kind (host half). The worker scans, decodes and preflights; the host writes
// the dataset, its sequences, frames and any custom protocol in one transaction when it finishes.
import type { JobKindDefinition } from '../jobs/job-kind.js';
import { insertDataset, upsertProtocolRow } from '../db/queries/datasets.js';
import { importJobParamsSchema, type ImportJobParams, type ImportOutcome } from './importer.js';

export const IMPORT_JOB_KIND = 'datasets.import';

export interface ImportJobResult {
  readonly datasetId: string;
  readonly name: string;
  readonly format: string;
  readonly frames: number;
  readonly labelled: number;
  readonly sequences: number;
  readonly droppedFrames: number;
  readonly issues: number;
}

/** Dataset id a job writes when its params carry none (stable across resumes of the same job). */
export function jobDatasetId(jobId: string): string {
  return `ds-${jobId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12).toLowerCase()}`;
}

export const importJobKind: JobKindDefinition<ImportJobParams> = {
  kind: IMPORT_JOB_KIND,
  worker: new URL('./import-worker.js', import.meta.url),
  // Header reads are light, but video decode saturates a core: queue it with the heavy jobs.
  heavy: true,
  params: importJobParamsSchema as unknown as JobKindDefinition<ImportJobParams>['params'],
  title: (p) => `Import ${p.name ?? p.path}`,
  complete(host, _job, result): ImportJobResult {
    const out = result as ImportOutcome;
    if (out.customProtocol) {
      upsertProtocolRow(host.db, {
        id: out.dataset.protocolId!,
        name: String((out.customProtocol.definition as { name?: unknown }).name ?? out.dataset.protocolId),
        definition: out.customProtocol.definition,
        sourcePath: out.customProtocol.sourcePath,
      });
    }
    insertDataset(host.db, out.dataset, out.sequences, out.frames);
    const r = out.dataset.report;
    return {
      datasetId: out.dataset.id,
      name: out.dataset.name,
      format: out.dataset.format,
      frames: out.frames.length,
      labelled: out.frames.filter((f) => f.labelRel !== null).length,
      sequences: out.sequences.length,
      droppedFrames: r.droppedFrames,
      issues: r.issues.length + r.issuesTruncated,
    };
  },
};
