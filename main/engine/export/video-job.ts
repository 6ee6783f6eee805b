// Job kind 'exports.video': a sequence's segmentation as an MP4, recorded in the exports table.
import { randomUUID } from 'node:crypto';
import { videoExportArgs, type VideoExportParams } from '../../../shared/contract/exports.js';
import { insertExport } from '../db/queries/exports.js';
import type { JobKindDefinition } from '../jobs/job-kind.js';
import type { VideoExportResult } from './video-worker.js';

export const videoExportJob: JobKindDefinition<VideoExportParams> = {
  kind: 'exports.video',
  worker: new URL('./video-worker.js', import.meta.url),
  heavy: true,
  params: videoExportArgs,
  title: (p) => `export ${p.mode} video of sequence ${p.sequenceId.slice(0, 8)}`,
  complete(host, job, result) {
    const r = result as VideoExportResult;
    return insertExport(host.db, {
      id: randomUUID(),
      kind: 'video',
      experimentId: job.params.experimentId,
      jobId: job.id,
      path: r.path,
      bytes: r.bytes,
      params: job.params as unknown as Record<string, unknown>,
      summary: { ...r },
    });
  },
};
