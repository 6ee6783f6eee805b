// One import, start to finish, independent of the job system (the job worker, the bench and tests call
// it): detect the layout, decode a video into the frame cache if needed, scan, preflight. It only reads
// the database (custom protocols); the caller writes the outcome in one transaction.
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { importParamsSchema, type DatasetFormat } from '../../../shared/contract/datasets.js';
import { StudioError } from '../../../shared/contract/errors.js';
import { getBuiltinProtocol, type LabelProtocol } from '../../../shared/protocols/index.js';
import type { NewDataset, NewFrame, NewSequence } from '../db/queries/datasets.js';
import { splitRank, type FrameCandidate, type LayoutScan } from './candidates.js';
import { findConfiguredFfmpeg, probeVideo, rationalValue, toRational } from './ffmpeg.js';
import { bdd100kRoot, scanBdd100k } from './layouts/bdd100k.js';
import { cityscapesRoot, scanCityscapes } from './layouts/cityscapes.js';
import { scanFolder } from './layouts/folder.js';
import { nothingUsableError, runPreflight } from './preflight.js';
import { resolveProtocolSpec } from './protocols.js';
import { isDir, isImageFile, isVideoFile, listFiles, naturalCompare, stemOf } from './scan.js';
import { extractFrames, frameFileName } from './video.js';

export const importJobParamsSchema = importParamsSchema.extend({
  labelCheckLimit: z.number().int().min(1).optional(),
});
export type ImportJobParams = z.output<typeof importJobParamsSchema>;

export interface ImportEnv {
  readonly workspaceRoot: string;
  /** Read-only use: stored custom protocols. */
  readonly db: Database | null;
  readonly fallbackDatasetId: string;
  readonly signal?: AbortSignal;
  readonly progress?: (u: { fraction: number; stage: string; message: string; step?: number; totalSteps?: number }) => void;
  readonly log?: (message: string, level?: 'info' | 'warn') => void;
}

export interface ImportOutcome {
  readonly dataset: NewDataset;
  readonly sequences: NewSequence[];
  readonly frames: NewFrame[];
  readonly customProtocol?: { readonly definition: unknown; readonly sourcePath: string };
}

export function detectFormat(p: string): Exclude<DatasetFormat, 'synthdrive'> {
  const abs = path.resolve(p);
  if (!fs.existsSync(abs)) throw new StudioError('not_found', `${abs}: does not exist`);
  if (!isDir(abs)) {
    if (isVideoFile(abs)) return 'video';
    throw new StudioError('invalid_input', `${abs}: not a folder or a video file (mp4, mov, mkv, webm)`);
  }
  if (cityscapesRoot(abs) !== null) return 'cityscapes';
  const bdd = bdd100kRoot(abs);
  if (bdd && (bdd.root === abs || isInside(path.join(bdd.root, bdd.variant.images), abs))) return 'bdd100k';
  const images = listFiles(abs, isImageFile);
  if (images.length === 0 && listFiles(abs, isVideoFile).length > 0) return 'video';
  return 'folder';
}

/** Dataset ids are short, URL- and file-safe: they prefix frame ids used in asset URLs and cache paths. */
export function newDatasetId(): string {
  return `ds-${Math.random().toString(36).slice(2, 10).padEnd(8, '0')}`;
}

export function datasetCacheDir(workspaceRoot: string, datasetId: string): string {
  return path.join(workspaceRoot, 'datasets', datasetId);
}

export async function runImport(params: ImportJobParams, env: ImportEnv): Promise<ImportOutcome> {
  const source = path.resolve(params.path);
  const requested = params.format === 'auto' ? detectFormat(source) : params.format;
  let format: DatasetFormat = requested;
  const datasetId = params.datasetId ?? env.fallbackDatasetId;
  const throwIfCancelled = () => {
    if (env.signal?.aborted) throw new StudioError('cancelled', 'import cancelled');
  };
  let resolved: ReturnType<typeof resolveProtocolSpec> | null = null;
  if (params.protocol !== undefined) resolved = resolveProtocolSpec(env.db, params.protocol);
  const notes: string[] = [];
  let scan: LayoutScan;
  let managedRoot = false;
  const options: Record<string, unknown> = {};
  env.progress?.({ fraction: 0, stage: 'scan', message: `reading ${source}` });

  switch (requested) {
    case 'cityscapes': {
      scan = scanCityscapes(source);
      // SynthDrive writes Cityscapes layout plus its manifest: same reader, recorded as its own format.
      const synth = readSynthManifest(scan.root);
      if (synth) {
        format = 'synthdrive';
        options.synthdrive = synth;
      }
      break;
    }
    case 'bdd100k':
      scan = scanBdd100k(source);
      break;
    case 'folder':
      scan = scanFolder(source, { labels: params.labels, split: params.split });
      break;
    case 'video': {
      const decoded = await decodeVideos(source, datasetId, params, env);
      scan = decoded.scan;
      Object.assign(options, decoded.options);
      managedRoot = true;
      break;
    }
  }
  throwIfCancelled();
  // Layouts with their own splits: --split (or pointing at a split folder) picks one of them.
  const split = params.split ?? splitFolderOf(source, scan.root);
  if (split !== undefined && (requested === 'cityscapes' || requested === 'bdd100k')) {
    const present = [...new Set(scan.candidates.map((c) => c.split))].sort((a, b) => splitRank(a) - splitRank(b) || naturalCompare(a, b));
    if (!present.includes(split)) {
      throw new StudioError('invalid_input', `${scan.root}: no split '${split}' here (found: ${present.join(', ') || 'none'})`);
    }
    const keep = split;
    scan = { ...scan, candidates: scan.candidates.filter((c) => c.split === keep), orphanLabels: scan.orphanLabels.filter((o) => o.split('/').includes(keep)) };
    notes.push(`only split ${keep} imported`);
  }

  const hasLabels = scan.candidates.some((c) => c.labelRel !== null);
  let protocol: LabelProtocol | null = resolved?.protocol ?? null;
  if (!protocol && hasLabels) {
    const id = format === 'bdd100k' ? 'bdd100k-19' : 'cityscapes-27';
    protocol = getBuiltinProtocol(id)!;
    if (format === 'folder') notes.push(`labels read as Cityscapes labelIds (protocol ${id}); pass --protocol to change`);
  }
  if (protocol && format === 'bdd100k' && protocol.encoding !== 'cityscapes-trainid' && !protocol.encoding.startsWith('custom:')) {
    notes.push(`protocol ${protocol.id} reads Cityscapes labelIds but BDD100K masks hold trainIds; check --protocol`);
  }
  if (protocol && format === 'cityscapes' && protocol.encoding === 'cityscapes-trainid') {
    notes.push(`protocol ${protocol.id} reads trainIds but Cityscapes *_labelIds.png hold labelIds; check --protocol`);
  }

  const preflight = runPreflight(scan, {
    datasetId,
    format,
    protocol,
    labelCheck: params.labelCheck ?? 'sample',
    ...(params.labelCheckLimit !== undefined ? { labelCheckLimit: params.labelCheckLimit } : {}),
    notes,
    throwIfCancelled,
    onProgress: (done, total, stage) =>
      env.progress?.({
        fraction: format === 'video' ? 0.9 + 0.1 * (total ? done / total : 1) : total ? done / total : 1,
        stage,
        message: `${stage} ${done}/${total}`,
        step: done,
        totalSteps: total,
      }),
  });
  if (preflight.frames.length === 0) throw nothingUsableError(source, preflight.report);
  for (const i of preflight.report.issues.slice(0, 20)) env.log?.(i.message, 'warn');

  const dataset: NewDataset = {
    id: datasetId,
    name: params.name ?? (format === 'video' ? stemOf(source) : path.basename(scan.root)),
    format,
    root: scan.root,
    sourcePath: source,
    protocolId: protocol?.id ?? null,
    managedRoot,
    report: preflight.report,
    options: { ...options, ...(params.split ? { split: params.split } : {}), labelCheck: params.labelCheck ?? 'sample' },
  };
  return {
    dataset,
    sequences: preflight.sequences,
    frames: preflight.frames,
    ...(resolved?.custom ? { customProtocol: resolved.custom } : {}),
  };
}

async function decodeVideos(
  source: string,
  datasetId: string,
  params: ImportJobParams,
  env: ImportEnv,
): Promise<{ scan: LayoutScan; options: Record<string, unknown> }> {
  const ffmpeg = findConfiguredFfmpeg(env.db);
  const videos = isDir(source) ? listFiles(source, isVideoFile).map((r) => path.join(source, r)) : [source];
  if (videos.length === 0) throw new StudioError('invalid_input', `${source}: no video files (mp4, mov, mkv, webm) found`);
  const root = path.join(datasetCacheDir(env.workspaceRoot, datasetId), 'frames');
  const format = params.cacheFormat ?? 'jpg';
  const split = params.split ?? 'train';
  const candidates: FrameCandidate[] = [];
  const perVideo: Record<string, unknown>[] = [];
  const usedNames = new Set<string>();
  for (const [vi, file] of videos.entries()) {
    const probe = probeVideo(ffmpeg, file);
    const fps = params.fps !== undefined ? toRational(params.fps) : probe.fps;
    let seq = stemOf(file).replace(/[^A-Za-z0-9._-]/g, '_') || `video${vi}`;
    while (usedNames.has(seq)) seq = `${seq}_${vi}`;
    usedNames.add(seq);
    const outDir = path.join(root, seq);
    const n = await extractFrames({
      ffmpeg,
      file,
      outDir,
      probe,
      fps,
      width: params.width,
      height: params.height,
      maxFrames: params.maxFrames,
      format,
      ...(env.signal ? { signal: env.signal } : {}),
      onProgress: (done, total) =>
        env.progress?.({
          fraction: (0.9 * (vi + (total > 0 ? Math.min(1, done / total) : 0))) / videos.length,
          stage: 'decode',
          message: `${path.basename(file)}: frame ${done}${total ? `/${total}` : ''}`,
          step: done,
          totalSteps: total,
        }),
    });
    if (n === 0) {
      throw new StudioError('invalid_input', `${file}: ffmpeg decoded no frames from this video`, { file });
    }
    perVideo.push({ file, sequence: seq, fps: `${fps.num}/${fps.den}`, frames: n, sourceWidth: probe.width, sourceHeight: probe.height, duration: probe.duration });
    for (let k = 0; k < n; k++) {
      candidates.push({
        split,
        sequence: seq,
        order: k,
        name: `${seq}_${String(k).padStart(6, '0')}`,
        imageRel: `${seq}/${frameFileName(k, format)}`,
        labelRel: null,
        timeSeconds: (k * fps.den) / fps.num,
      });
    }
  }
  const first = perVideo[0]!;
  return {
    scan: {
      root,
      candidates,
      orphanLabels: [],
      notes: [`decoded into the frame cache ${root} (${format})`],
      scannedLabels: 0,
    },
    options: {
      videos: perVideo,
      fps: params.fps ?? rationalValue(toRationalFromString(first.fps as string)),
      cacheFormat: format,
      ...(params.width !== undefined ? { width: params.width } : {}),
      ...(params.height !== undefined ? { height: params.height } : {}),
      ...(params.maxFrames !== undefined ? { maxFrames: params.maxFrames } : {}),
    },
  };
}

function toRationalFromString(s: string) {
  const [n, d] = s.split('/').map(Number);
  return { num: n!, den: d ?? 1 };
}

function readSynthManifest(root: string): Record<string, unknown> | null {
  const file = path.join(root, 'synthdrive.json');
  if (!fs.existsSync(file)) return null;
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as { generator?: unknown; version?: unknown; params?: unknown; sequenceWeather?: unknown };
    if (m.generator !== 'SynthDrive') return null;
    return { version: m.version, params: m.params, sequenceWeather: m.sequenceWeather };
  } catch {
    return null;
  }
}

function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** `<root>/leftImg8bit/val` or `<root>/images/10k/val` given as the path: the split it names. */
function splitFolderOf(source: string, root: string): string | undefined {
  const rel = path.relative(root, source).split(path.sep);
  if (rel[0] === 'leftImg8bit' || rel[0] === 'leftImg8bit_sequence') return rel[1] || undefined;
  if (rel[0] === 'images' && rel[1] === '10k') return rel[2] || undefined;
  if (rel[0] === 'seg' && rel[1] === 'images') return rel[2] || undefined;
  return undefined;
}
