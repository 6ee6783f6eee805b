// Renders a sequence frame by frame and pipes it to ffmpeg. A cancelled or failed export leaves no file.
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/contract/errors.js';
import type { VideoExportParams } from '../../../shared/contract/exports.js';
import { clusterColor } from '../../../shared/palettes/cluster-palette.js';
import type { RGB } from '../../../shared/protocols/cityscapes-labels.js';
import type { LabelProtocol } from '../../../shared/protocols/label-protocol.js';
import { openDatabase, type Database } from '../db/connection.js';
import { sequenceDatasetId } from '../db/queries/exports.js';
import { getSetting } from '../db/queries/settings.js';
import { findFfmpeg } from '../datasets/ffmpeg.js';
import { getDatasetProtocol, getProtocol, listFrames, listSequences, mapLabels, readImageRGB, readLabelMap } from '../datasets/frame-source.js';
import { getExperimentInfo, openPredictionSource } from '../eval/predictions.js';
import { getMapping, listHistograms, listMappings, loadHistogram, resolveMapping } from '../eval/service.js';
import type { JobContext } from '../jobs/job-kind.js';
import { composeFrame, panelCount, type ColourScheme } from './frame-composer.js';
import { loadGlyphAtlas } from './glyphs.js';
import { VideoEncoder } from './video-encoder.js';

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
  const gtProtocol = p.mode === 'side-by-side' ? getDatasetProtocol(db, datasetId) : null;

  const out = p.out ? path.resolve(p.out) : path.join(ctx.workspaceRoot, 'exports', `${slug(exp.name)}-${slug(sequence.name)}-${p.mode}.mp4`);
  if (!p.out) fs.mkdirSync(path.dirname(out), { recursive: true });
  if (!fs.existsSync(path.dirname(out))) throw new StudioError('io_error', `${path.dirname(out)}: output folder does not exist`);
  if (fs.existsSync(out) && !p.force) throw new StudioError('conflict', `${out} exists; pass force to overwrite`);

  const first = frames[0]!;
  const panelW = even(p.width ?? first.width);
  const panelH = even(Math.round((panelW * first.height) / first.width));
  const panels = panelCount(p.mode, gtProtocol !== null && frames.some((f) => f.labelPath !== null));
  const configured = getSetting(db, 'ffmpegPath');
  const encoder = new VideoEncoder(findFfmpeg(typeof configured === 'string' ? configured : null), out, panelW * panels, panelH, p.fps);
  const atlas = await loadGlyphAtlas();
  let encoded = 0;
  try {
    for (let i = 0; i < frames.length; i++) {
      ctx.throwIfCancelled();
      const f = frames[i]!;
      let image;
      try {
        image = await readImageRGB(f.imagePath);
      } catch (e) {
        // changed on disk since it was predicted: one bad frame does not stop the video
        skippedFrames.push({ frameId: f.id, file: f.imagePath, reason: (e as Error).message.replace(`${f.imagePath}: `, '') });
        ctx.log(`${f.imagePath}: frame skipped (${(e as Error).message})`, 'warn');
        continue;
      }
      const clusters = await preds.readClusters(f);
      if (clusters.width !== image.width || clusters.height !== image.height) {
        throw new StudioError('invalid_input', `${preds.clusterPath(f)}: prediction is ${clusters.width}x${clusters.height}, frame is ${image.width}x${image.height}`);
      }
      let groundTruth: { classes: Uint8Array; colours: readonly RGB[] } | null = null;
      if (gtProtocol && panels === 3) {
        if (f.labelPath) {
          const raw = await readLabelMap(f.labelPath);
          groundTruth = { classes: mapLabels(gtProtocol, raw.data), colours: gtProtocol.colors };
        } else {
          groundTruth = { classes: new Uint8Array(image.width * image.height).fill(255), colours: gtProtocol.colors };
        }
      }
      const frame = await composeFrame(
        { image, clusters: clusters.data, groundTruth, frameLabel: `${f.name}  ${i + 1}/${frames.length}`, title: exp.name },
        scheme,
        { mode: p.mode, opacity: p.opacity, panelWidth: panelW, panelHeight: panelH, captions: p.captions },
        atlas,
      );
      await encoder.write(frame.rgb);
      encoded++;
      ctx.progress({ step: i + 1, totalSteps: frames.length, message: f.name, stage: 'encoding' });
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

function colourScheme(db: Database, p: VideoExportParams, experimentId: string, datasetId: string): { scheme: ColourScheme; mappingName: string | null } {
  if (p.colors === 'clusters') {
    return {
      scheme: { colourOf: clusterColor, legendKey: (k) => k, legendName: (k) => `cluster ${k}`, legendColour: clusterColor },
      mappingName: null,
    };
  }
  const { values, protocol, name } = classMapping(db, p.mapping, experimentId, datasetId);
  const colours = protocol.colors;
  return {
    scheme: {
      colourOf: (k) => {
        const c = values[k] ?? -1;
        return c >= 0 ? (colours[c] ?? null) : null;
      },
      legendKey: (k) => values[k] ?? -1,
      legendName: (c) => protocol.classNames[c] ?? `class ${c}`,
      legendColour: (c) => colours[c] ?? [0, 0, 0],
    },
    mappingName: name,
  };
}

/**
 * The mapping that colours classes: the one asked for, else the experiment's newest saved version (no
 * evaluation needed), else the Hungarian proposal from its evaluation histogram.
 */
function classMapping(db: Database, asked: string | undefined, experimentId: string, datasetId: string): { values: ArrayLike<number>; protocol: LabelProtocol; name: string } {
  const spec = asked ?? listMappings(db, experimentId)[0]?.id ?? 'hungarian';
  if (spec !== 'hungarian' && spec !== 'majority' && !spec.endsWith('.json')) {
    const m = getMapping(db, spec);
    return { values: m.mapping, protocol: getProtocol(db, m.protocolId), name: `${m.name} (v${m.version})` };
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
  return { values: m.mapping, protocol: getProtocol(db, hist.protocolId), name: m.name };
}
