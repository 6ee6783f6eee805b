// Pool task 'video.range': frames of a video export composed with the local export's own renderer
// (export/video-frames.ts) and written as lossless PNGs into the task's staging folder. The studio
// decodes them back to the same RGB bytes and encodes the video itself: an H.264 stream cut into
// independently encoded segments would not decode to the frames of one local encode.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { z } from 'zod';
import { predictionSourceFromRows } from '../../eval/predictions.js';
import { loadGlyphAtlas } from '../../export/glyphs.js';
import { videoRenderer, type VideoRenderSpec } from '../../export/video-frames.js';
import type { FrameRecord } from '../../datasets/frame-source.js';
import { sha256Bytes } from '../../features/cache-key.js';
import type { JobContext } from '../../jobs/job-kind.js';
import { writeFileAtomic } from '../../workspace.js';
import { stagingDir, type StagedFile } from '../staging.js';

const protocolSpec = z.object({ id: z.string().min(1), definition: z.unknown().optional(), source: z.string().optional() }).strict();

export const videoRangeInput = z
  .object({
    experimentId: z.string().min(1),
    datasetId: z.string().min(1),
    predictionKey: z.string().min(1),
    clusters: z.number().int().positive(),
    spec: z
      .object({
        title: z.string(),
        total: z.number().int().positive(),
        scheme: z.union([z.object({ kind: z.literal('clusters') }).strict(), z.object({ kind: z.literal('classes'), values: z.array(z.number().int()), protocol: protocolSpec }).strict()]),
        groundTruth: protocolSpec.nullable(),
        mode: z.enum(['overlay', 'side-by-side', 'labels']),
        opacity: z.number(),
        captions: z.boolean(),
        panelWidth: z.number().int().positive(),
        panelHeight: z.number().int().positive(),
      })
      .strict(),
    /** Index of the first frame in the export. */
    offset: z.number().int().nonnegative(),
    frames: z.array(z.object({ id: z.string(), name: z.string(), imagePath: z.string(), labelPath: z.string().nullable() }).passthrough()).min(1),
    rows: z.array(z.object({ frame_id: z.string(), cluster_file: z.string(), confidence_file: z.string(), width: z.number().int(), height: z.number().int() }).strict()),
  })
  .strict();
export type VideoRangeInput = z.infer<typeof videoRangeInput>;

export type RenderedFrame = { readonly file: StagedFile; readonly width: number; readonly height: number } | { readonly skipped: { frameId: string; file: string; reason: string } };

export interface VideoRangeResult {
  /** One entry per frame of the range, in order. */
  readonly frames: RenderedFrame[];
  readonly computeMs: number;
}

export async function run(ctx: JobContext, raw: unknown): Promise<VideoRangeResult> {
  const t0 = performance.now();
  const i = videoRangeInput.parse(raw);
  const preds = predictionSourceFromRows(ctx.workspaceRoot, { experimentId: i.experimentId, datasetId: i.datasetId, clusters: i.clusters, key: i.predictionKey }, i.rows);
  const renderer = videoRenderer(i.spec as VideoRenderSpec, preds, await loadGlyphAtlas());
  const dir = stagingDir(ctx.workspaceRoot, ctx.jobId);
  fs.mkdirSync(dir, { recursive: true });
  const frames = i.frames as unknown as FrameRecord[];
  const out: RenderedFrame[] = [];
  for (let n = 0; n < frames.length; n++) {
    ctx.throwIfCancelled();
    const r = await renderer.render(frames[n]!, i.offset + n);
    if ('skipped' in r) {
      out.push(r);
      continue;
    }
    // The composed frame is (panels × panel width) wide.
    const w = r.rgb.length / 3 / i.spec.panelHeight;
    // Lossless and quick to write: the studio decodes it straight back to these bytes.
    const png = await sharp(Buffer.from(r.rgb.buffer, r.rgb.byteOffset, r.rgb.byteLength), { raw: { width: w, height: i.spec.panelHeight, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const name = `${String(i.offset + n).padStart(6, '0')}.png`;
    writeFileAtomic(path.join(dir, name), png);
    out.push({ file: { path: name, sha256: sha256Bytes(png) }, width: w, height: i.spec.panelHeight });
    ctx.progress({ fraction: (n + 1) / frames.length, message: frames[n]!.name });
  }
  return { frames: out, computeMs: performance.now() - t0 };
}
