// Renders a sequence frame by frame and pipes it to ffmpeg. A cancelled or failed export leaves no file.
// With a queue configured the frames are composed on the worker pool and only encoded here.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import type { VideoExportParams } from '../../../shared/contract/exports.js';
import { openDatabase, type Database } from '../db/connection.js';
import { sequenceDatasetId } from '../db/queries/exports.js';
import { getSetting } from '../db/queries/settings.js';
import { findFfmpeg } from '../datasets/ffmpeg.js';
import { getDataset, listFrames, listSequences, readImageRGB } from '../datasets/frame-source.js';
import { getExperimentInfo, openPredictionSource } from '../eval/predictions.js';
import { protocolSpecOf } from '../eval/protocol-spec.js';
import { getMapping, listHistograms, listMappings, loadHistogram, resolveMapping } from '../eval/service.js';
import type { JobContext } from '../jobs/job-kind.js';
import { videoOnPoolIfConfigured } from '../pool/video-remote.js';
import { panelCount } from './frame-composer.js';
import { loadGlyphAtlas } from './glyphs.js';
import { VideoEncoder } from './video-encoder.js';
import { videoRenderer, type SchemeSpec, type VideoRenderSpec } from './video-frames.js';

export interface VideoExportResult {
  readonly path: string;
  readonly bytes: number;
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly mode: string;
  readonly colors: string;
  readonly mapping: string | null;
  /** Frames left out because their image cannot be decoded (feature extraction skipped them too). */
  readonly skippedFrames: readonly { frameId: string; file: string; reason: string }[];
}

export async function run(ctx: JobContext, p: VideoExportParams): Promise<VideoExportResult> {
  const db = openDatabase(ctx.databasePath, { readonly: true });
  try {
    return await render(ctx, db, p);
  } finally {
    db.close();
  }
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'x';

async function render(ctx: JobContext, db: Database, p: VideoExportParams): Promise<VideoExportResult> {
  const exp = getExperimentInfo(db, p.experimentId);
  const datasetId = sequenceDatasetId(db, p.sequenceId);
  if (!datasetId) throw new StudioError('not_found', `sequence '${p.sequenceId}' does not exist in this workspace`);
  const sequence = listSequences(db, datasetId).find((s) => s.id === p.sequenceId)!;
  const all = listFrames(db, datasetId, { sequenceId: p.sequenceId });
  if (all.length === 0) throw new StudioError('not_found', `sequence '${sequence.name}' has no frames`);
  const preds = openPredictionSource(db, ctx.workspaceRoot, exp.id, datasetId);
  const skippedFrames: { frameId: string; file: string; reason: string }[] = [];
  const undecodable = async (f: (typeof all)[number]): Promise<boolean> => {
    try {
      await readImageRGB(f.imagePath);
      return false;
    } catch (e) {
      skippedFrames.push({ frameId: f.id, file: f.imagePath, reason: (e as Error).message.replace(`${f.imagePath}: `, '') });
      return true;
    }
  };
  // A frame without a prediction because its image cannot be decoded (extraction skipped it) is left
  // out; any other missing prediction means predict has not run, which one bad frame must not hide.
  let missing = 0;
  const lacking = all.filter((f) => !preds.has(f));
  if (lacking.length < all.length) for (const f of lacking) if (!(await undecodable(f))) missing++;
  if (lacking.length === all.length) missing = lacking.length;
  const frames = all.filter((f) => preds.has(f));
  if (missing > 0) {
    throw new StudioError(
      'not_found',
      `experiment '${exp.name}' has no predictions for ${missing} of ${all.length} frames of sequence '${sequence.name}': ` +
        `run \`cause-studio predict --experiment ${exp.id} --dataset ${datasetId}\` first`,
    );
  }
  const { scheme, mappingName } = colourScheme(db, p, exp.id, datasetId);
  const dsProtocol = p.mode === 'side-by-side' ? getDataset(db, datasetId).protocolId : null;

  const out = p.out ? path.resolve(p.out) : path.join(ctx.workspaceRoot, 'exports', `${slug(exp.name)}-${slug(sequence.name)}-${p.mode}.mp4`);
  if (!p.out) fs.mkdirSync(path.dirname(out), { recursive: true });
  if (!fs.existsSync(path.dirname(out))) throw new StudioError('io_error', `${path.dirname(out)}: output folder does not exist`);
  if (fs.existsSync(out) && !p.force) throw new StudioError('conflict', `${out} exists; pass force to overwrite`);

  const first = frames[0]!;
  const panelW = even(p.width ?? first.width);
  const panelH = even(Math.round((panelW * first.height) / first.width));
  const panels = panelCount(p.mode, dsProtocol !== null && frames.some((f) => f.labelPath !== null));
  const spec: VideoRenderSpec = {
    title: exp.name,
    total: frames.length,
    scheme,
    groundTruth: dsProtocol !== null && panels === 3 ? protocolSpecOf(db, dsProtocol) : null,
    mode: p.mode,
    opacity: p.opacity,
    captions: p.captions,
    panelWidth: panelW,
    panelHeight: panelH,
  };
  const configured = getSetting(db, 'ffmpegPath');
  const encoder = new VideoEncoder(findFfmpeg(typeof configured === 'string' ? configured : null), out, panelW * panels, panelH, p.fps);
  let encoded = 0;
  try {
    // With a queue the frames are composed on the pool (video-remote.ts) and encoded here, in order.
    const pooled = await videoOnPoolIfConfigured(ctx, db, { experimentId: exp.id, datasetId, predictionKey: preds.key, clusters: preds.clusters }, spec, frames, out, async (rgb) => {
      await encoder.write(rgb);
      encoded++;
    });
    if (pooled) {
      for (const s of pooled.skipped) ctx.log(`${s.file}: frame skipped (${s.file}: ${s.reason})`, 'warn');
      skippedFrames.push(...pooled.skipped);
    } else {
      const renderer = videoRenderer(spec, preds, await loadGlyphAtlas());
      for (let i = 0; i < frames.length; i++) {
        ctx.throwIfCancelled();
        const f = frames[i]!;
        const r = await renderer.render(f, i);
        if ('skipped' in r) {
          skippedFrames.push(r.skipped);
          ctx.log(`${f.imagePath}: frame skipped (${f.imagePath}: ${r.skipped.reason})`, 'warn');
          continue;
        }
        await encoder.write(r.rgb);
        encoded++;
        ctx.progress({ step: i + 1, totalSteps: frames.length, message: f.name, stage: 'encoding' });
      }
    }
    await encoder.finish();
  } catch (e) {
    await encoder.abort();
    throw e;
  }
  return {
    path: out,
    bytes: fs.statSync(out).size,
    frames: encoded,
    width: panelW * panels,
    height: panelH,
    fps: p.fps,
    mode: p.mode,
    colors: p.colors,
    mapping: mappingName,
    skippedFrames,
  };
}

const even = (n: number) => Math.max(2, Math.floor(n / 2) * 2);

function colourScheme(db: Database, p: VideoExportParams, experimentId: string, datasetId: string): { scheme: SchemeSpec; mappingName: string | null } {
  if (p.colors === 'clusters') return { scheme: { kind: 'clusters' }, mappingName: null };
  const { values, protocolId, name } = classMapping(db, p.mapping, experimentId, datasetId);
  return { scheme: { kind: 'classes', values: Array.from(values), protocol: protocolSpecOf(db, protocolId) }, mappingName: name };
}

/**
 * The mapping that colours classes: the one asked for, else the experiment's newest saved version (no
 * evaluation needed), else the Hungarian proposal from its evaluation histogram.
 */
function classMapping(db: Database, asked: string | undefined, experimentId: string, datasetId: string): { values: ArrayLike<number>; protocolId: string; name: string } {
  const spec = asked ?? listMappings(db, experimentId)[0]?.id ?? 'hungarian';
  if (spec !== 'hungarian' && spec !== 'majority' && !spec.endsWith('.json')) {
    const m = getMapping(db, spec);
    return { values: m.mapping, protocolId: m.protocolId, name: `${m.name} (v${m.version})` };
  }
  const hists = listHistograms(db, experimentId);
  const hist = hists.find((h) => h.datasetId === datasetId) ?? hists[0];
  if (!hist) {
    throw new StudioError(
      'not_found',
      `colouring by class needs a cluster→class mapping, and experiment '${experimentId}' has neither a saved mapping nor an evaluation: ` +
        'map its clusters (`cause-studio map set`, or the Mapping view), or export with colors=clusters',
    );
  }
  const m = resolveMapping(db, loadHistogram(db, hist.id), spec);
  return { values: m.mapping, protocolId: hist.protocolId, name: m.name };
}
