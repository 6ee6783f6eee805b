// Asset resolvers for the frame server: the original image, a cached thumbnail, and the ground truth
// as class ids (8-bit gray PNG, 255 = ignore) or as a palette PNG (indices = class ids, palette = the
// protocol's colours, ignore = black). Ids are frame ids; a request
// never names a path. `?protocol=` renders GT under another protocol that reads the same label maps.
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import sharp from 'sharp';
import { StudioError } from '../../../shared/contract/errors.js';
import { classPalette, mapLabels, type LabelProtocol } from '../../../shared/protocols/index.js';
import { getDatasetRow, getFrameRow } from '../db/queries/datasets.js';
import type { AssetBody, AssetContext, AssetResolver, RootProvider } from '../frames/asset-server.js';
import { encodeGrayPng, readLabelMap } from '../images/decode.js';
import { encodePalettePng } from '../images/png-palette.js';
import { writeFileAtomic } from '../workspace.js';
import { toFrameRecord, type FrameRecord } from './frame-source.js';
import { getProtocol } from './protocols.js';

const THUMB_SIZES = [64, 128, 160, 256, 320, 480, 640];
const DEFAULT_THUMB = 320;

function frameOrNull(db: Database, id: string): FrameRecord | null {
  const f = getFrameRow(db, id);
  if (!f) return null;
  const ds = getDatasetRow(db, f.dataset_id);
  return ds ? toFrameRecord(ds.root, f) : null;
}

function contentType(file: string): string {
  return /\.jpe?g$/i.test(file) ? 'image/jpeg' : 'image/png';
}

export const frameImageResolver: AssetResolver = async (id, _params, ctx) => {
  const f = frameOrNull(ctx.db, id);
  if (!f) return null;
  return { file: f.imagePath, contentType: contentType(f.imagePath), maxAge: 3600 };
};

/** A thumbnail path in the workspace cache, keyed by frame, width and the source's size+mtime. */
export async function thumbnailFile(ctx: AssetContext, frameId: string, width = DEFAULT_THUMB): Promise<string | null> {
  const row = getFrameRow(ctx.db, frameId);
  if (!row) return null;
  const ds = getDatasetRow(ctx.db, row.dataset_id);
  if (!ds) return null;
  const src = path.join(ds.root, row.image_rel);
  const dir = ctx.workspace.dir('cache', 'thumbnails', row.dataset_id);
  const stamp = `${row.image_size}-${Math.round(row.image_mtime)}`;
  const file = path.join(dir, `${row.id}-w${width}-${stamp}.jpg`);
  if (fs.existsSync(file)) return file;
  let bytes: Buffer;
  try {
    bytes = await sharp(src, { failOn: 'truncated' })
      .resize({ width, withoutEnlargement: true })
      .jpeg({ quality: 80 })
      .toBuffer();
  } catch (e) {
    if (!fs.existsSync(src)) throw new StudioError('not_found', `${src}: image file is missing`);
    throw new StudioError('invalid_input', `${src}: image cannot be decoded (${(e as Error).message})`);
  }
  writeFileAtomic(file, bytes);
  return file;
}

export const thumbnailResolver: AssetResolver = async (id, params, ctx) => {
  const w = params.get('w');
  let width = DEFAULT_THUMB;
  if (w !== null) {
    width = Number(w);
    if (!THUMB_SIZES.includes(width)) {
      throw new StudioError('bad_request', `thumbnail width must be one of ${THUMB_SIZES.join(', ')}`);
    }
  }
  const file = await thumbnailFile(ctx, id, width);
  return file ? { file, contentType: 'image/jpeg', maxAge: 86400 } : null;
};

function gtProtocol(db: Database, datasetProtocol: string | null, requested: string | null): LabelProtocol | null {
  if (datasetProtocol === null) return null;
  const base = getProtocol(db, datasetProtocol);
  if (requested === null || requested === datasetProtocol) return base;
  const p = getProtocol(db, requested);
  if (p.encoding !== base.encoding) {
    throw new StudioError('bad_request', `protocol ${requested} does not read this dataset's labels (${base.id})`);
  }
  return p;
}

/** Class-id map of a frame's ground truth under its dataset's (or a compatible) protocol. */
export async function groundTruthClasses(
  db: Database,
  frameId: string,
  protocolId: string | null = null,
): Promise<{ classes: Uint8Array; width: number; height: number; protocol: LabelProtocol } | null> {
  const row = getFrameRow(db, frameId);
  if (!row || row.label_rel === null) return null;
  const ds = getDatasetRow(db, row.dataset_id);
  if (!ds) return null;
  const protocol = gtProtocol(db, ds.protocol_id, protocolId);
  if (!protocol) return null;
  const map = await readLabelMap(path.join(ds.root, row.label_rel));
  return { classes: mapLabels(protocol, map.data), width: map.width, height: map.height, protocol };
}

export const gtClassResolver: AssetResolver = async (id, params, ctx): Promise<AssetBody | null> => {
  const gt = await groundTruthClasses(ctx.db, id, params.get('protocol'));
  if (!gt) return null;
  return { bytes: await encodeGrayPng(gt.classes, gt.width, gt.height), contentType: 'image/png', maxAge: 3600 };
};

export const gtColorResolver: AssetResolver = async (id, params, ctx): Promise<AssetBody | null> => {
  const gt = await groundTruthClasses(ctx.db, id, params.get('protocol'));
  if (!gt) return null;
  return { bytes: encodePalettePng(gt.classes, gt.width, gt.height, classPalette(gt.protocol)), contentType: 'image/png', maxAge: 3600 };
};

/** Asset types: /asset/frame/<frameId>, /asset/thumb/<frameId>?w=320, /asset/gt/<frameId>, /asset/gt-color/<frameId>. */
export const DATASET_ASSET_TYPES: { readonly type: string; readonly resolve: AssetResolver }[] = [
  { type: 'frame', resolve: frameImageResolver },
  { type: 'thumb', resolve: thumbnailResolver },
  { type: 'gt', resolve: gtClassResolver },
  { type: 'gt-color', resolve: gtColorResolver },
];

/** Registered dataset roots are readable by the asset server (it still refuses anything outside them). */
export const datasetRootProvider: RootProvider = (ctx) =>
  (ctx.db.prepare('SELECT root FROM datasets').all() as { root: string }[]).map((r) => r.root);
