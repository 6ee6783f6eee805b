// Video export on the pool: the sequence's frames in ranges, each composed on a worker and staged as
// lossless PNGs; the studio checks each PNG's sha256, decodes it to the RGB the local export would
// have composed and feeds the encoder in frame order, as ranges arrive. One encoder, the same input
// bytes: the video is the local export's, byte for byte on the same ffmpeg.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../shared/contract/errors.js';
import type { FrameRecord } from '../datasets/frame-source.js';
import { listPredictionFrames } from '../db/queries/experiments.js';
import type { VideoRenderSpec } from '../export/video-frames.js';
import type { JobContext } from '../jobs/job-kind.js';
import type { PoolTask } from './client.js';
import { taskId } from './protocol.js';
import { configuredQueue } from './queue-config.js';
import { frameRanges, rangeSize, runOnPool, wirePredictionRow } from './run-ranges.js';
import { readStaged, removeStaging, stagingDir } from './staging.js';
import type { RenderedFrame, VideoRangeInput, VideoRangeResult } from './tasks/video-range.js';

export interface VideoPoolOutcome {
  readonly skipped: { frameId: string; file: string; reason: string }[];
}

/** Renders on the pool and hands every composed frame to `sink` in order; null when no queue is configured. */
export async function videoOnPoolIfConfigured(
  ctx: JobContext,
  db: Database,
  exp: { experimentId: string; datasetId: string; predictionKey: string; clusters: number },
  spec: VideoRenderSpec,
  frames: readonly FrameRecord[],
  out: string,
  sink: (rgb: Uint8Array) => Promise<void>,
): Promise<VideoPoolOutcome | null> {
  const queue = configuredQueue(db);
  if (!queue) return null;
  const rowOf = new Map(listPredictionFrames(db, exp.experimentId, exp.datasetId).map((r) => [r.frame_id, r]));
  const tasks: PoolTask[] = [];
  for (const { from, slice } of frameRanges(frames)) {
    const input: VideoRangeInput = {
      ...exp,
      spec: { ...spec, scheme: spec.scheme.kind === 'clusters' ? { kind: 'clusters' } : { ...spec.scheme } },
      offset: from,
      frames: slice as unknown as VideoRangeInput['frames'],
      rows: slice.map((f) => wirePredictionRow(rowOf.get(f.id)!)),
    };
    // The output file is part of the identity: the studio deletes each staged frame once encoded, so two
    // exports of the same frames must not share tasks.
    tasks.push({ id: taskId('video.range', { root: ctx.workspaceRoot, input, out }), data: { kind: 'video.range', workspaceRoot: ctx.workspaceRoot, input } });
  }
  const order = new Map(tasks.map((t, n) => [t.id, n]));
  const ready = new Map<number, RenderedFrame[]>();
  const skipped: VideoPoolOutcome['skipped'] = [];
  let next = 0;
  // Ranges finish in any order; they are encoded in frame order, each as soon as those before it are.
  const flush = async () => {
    while (ready.has(next)) {
      const list = ready.get(next)!;
      ready.delete(next);
      const dir = stagingDir(ctx.workspaceRoot, tasks[next]!.id);
      for (const r of list) {
        ctx.throwIfCancelled();
        if ('skipped' in r) {
          skipped.push(r.skipped);
          continue;
        }
        const bytes = readStaged(dir, [r.file]);
        if (!bytes) throw new StudioError('io_error', `${path.join(dir, r.file.path)}: a rendered frame changed after it was checked`);
        const { data, info } = await sharp(bytes[0]!).raw().toBuffer({ resolveWithObject: true });
        if (info.width !== r.width || info.height !== r.height || info.channels !== 3) throw new StudioError('io_error', `${r.file.path}: rendered frame is ${info.width}×${info.height}×${info.channels}`);
        await sink(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        fs.rmSync(path.join(dir, r.file.path), { force: true });
      }
      next++;
    }
  };
  let chain: Promise<void> = Promise.resolve();
  try {
    await runOnPool<VideoRangeResult>(ctx, queue, tasks, {
      what: 'render ranges',
      stage: 'encoding',
      size: rangeSize(frames.length),
      progressNote: () => `, ${next} encoded`,
      verify: (t, r) =>
        Array.isArray(r?.frames) &&
        r.frames.length === (t.data.input as VideoRangeInput).frames.length &&
        readStaged(stagingDir(ctx.workspaceRoot, t.id), r.frames.flatMap((f) => ('file' in f ? [f.file] : []))) !== null,
      onResult: (t, env) => {
        ready.set(order.get(t.id)!, env.result.frames);
        chain = chain.then(flush);
        return chain;
      },
    });
    await chain;
  } finally {
    removeStaging(ctx.workspaceRoot, tasks.map((t) => t.id));
  }
  return { skipped };
}
