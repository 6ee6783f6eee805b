// Patch thumbnails for the frame server: `asset/patch/<featureSetId>:<frameId>:<gy>:<gx>?w=96` is the crop
// of the frame around one cell of the feature set's grid (one cell of context on each side, the cell
// itself outlined). Every part of the id is checked against the database — the feature set exists, the
// frame belongs to its dataset, the cell lies on its grid — so a URL can only name patches that exist.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { StudioError } from '../../../shared/contract/errors.js';
import { centreCropRegion } from '../cause/predict.js';
import { safeName } from '../cause/paths.js';
import { getDatasetRow, getFrameRow } from '../db/queries/datasets.js';
import { getFeatureSet } from '../db/queries/features.js';
import { toFrameRecord } from '../datasets/frame-source.js';
import type { AssetResolver } from '../frames/asset-server.js';
import { writeFileAtomic } from '../workspace.js';

export const PATCH_THUMB_SIZES = [64, 96, 128, 192];
const DEFAULT_SIZE = 96;
/** Cells of context around the patch, each side. */
const CONTEXT = 1;

export interface PatchId {
  readonly featureSetId: string;
  readonly frameId: string;
  readonly gy: number;
  readonly gx: number;
}

export function parsePatchId(id: string): PatchId {
  const first = id.indexOf(':');
  const parts = id.slice(first + 1).split(':');
  const gx = parts.pop();
  const gy = parts.pop();
  const frameId = parts.join(':');
  if (first <= 0 || gx === undefined || gy === undefined || frameId === '' || !/^\d{1,5}$/.test(gy) || !/^\d{1,5}$/.test(gx)) {
    throw new StudioError('bad_request', `patch asset id "${id}" is not <featureSetId>:<frameId>:<gy>:<gx>`);
  }
  return { featureSetId: id.slice(0, first), frameId, gy: Number(gy), gx: Number(gx) };
}

/** Pixel rectangle of cell (gx, gy) with `context` cells around it, clamped to the frame. */
export function patchCrop(
  frameW: number,
  frameH: number,
  input: { width: number; height: number },
  grid: { h: number; w: number },
  gx: number,
  gy: number,
  context = CONTEXT,
): { crop: { left: number; top: number; width: number; height: number }; cell: { left: number; top: number; width: number; height: number } } {
  const r = centreCropRegion(frameW, frameH, input.width, input.height);
  const cw = r.width / grid.w;
  const ch = r.height / grid.h;
  const clampX = (x: number) => Math.min(frameW, Math.max(0, Math.round(x)));
  const clampY = (y: number) => Math.min(frameH, Math.max(0, Math.round(y)));
  const left = clampX(r.x + (gx - context) * cw);
  const top = clampY(r.y + (gy - context) * ch);
  const right = Math.max(left + 1, clampX(r.x + (gx + 1 + context) * cw));
  const bottom = Math.max(top + 1, clampY(r.y + (gy + 1 + context) * ch));
  const cell = {
    left: clampX(r.x + gx * cw) - left,
    top: clampY(r.y + gy * ch) - top,
    width: Math.max(1, clampX(r.x + (gx + 1) * cw) - clampX(r.x + gx * cw)),
    height: Math.max(1, clampY(r.y + (gy + 1) * ch) - clampY(r.y + gy * ch)),
  };
  return { crop: { left, top, width: Math.min(frameW - left, right - left), height: Math.min(frameH - top, bottom - top) }, cell };
}

export const patchResolver: AssetResolver = async (id, params, ctx) => {
  const w = params.get('w');
  const size = w === null ? DEFAULT_SIZE : Number(w);
  if (!PATCH_THUMB_SIZES.includes(size)) throw new StudioError('bad_request', `patch thumbnail size must be one of ${PATCH_THUMB_SIZES.join(', ')}`);
  const pid = parsePatchId(id);
  const set = getFeatureSet(ctx.db, pid.featureSetId);
  const frame = getFrameRow(ctx.db, pid.frameId);
  if (!set || !frame || frame.dataset_id !== set.dataset_id || pid.gy >= set.grid_h || pid.gx >= set.grid_w) return null;
  const ds = getDatasetRow(ctx.db, frame.dataset_id);
  if (!ds) return null;
  const prep = JSON.parse(set.preprocessing) as { width: number; height: number; crops?: string };
  // A five-crop set's grid lies on one of five crops, not the centre crop the geometry below assumes.
  if (prep.crops !== undefined && prep.crops !== 'none') return null;
  const stamp = `${frame.image_size}-${Math.round(frame.image_mtime)}`;
  const file = path.join(ctx.workspace.dir('cache', 'patches', safeName(set.id)), `${safeName(frame.id)}-${pid.gy}-${pid.gx}-w${size}-${stamp}.jpg`);
  if (fs.existsSync(file)) return { file, contentType: 'image/jpeg', maxAge: 86400 };
  const src = toFrameRecord(ds.root, frame).imagePath;
  const { crop, cell } = patchCrop(frame.width, frame.height, prep, { h: set.grid_h, w: set.grid_w }, pid.gx, pid.gy);
  const scale = size / Math.max(crop.width, crop.height);
  const outW = Math.max(1, Math.round(crop.width * scale));
  const outH = Math.max(1, Math.round(crop.height * scale));
  const box = {
    x: Math.round(cell.left * scale),
    y: Math.round(cell.top * scale),
    w: Math.max(2, Math.round(cell.width * scale)),
    h: Math.max(2, Math.round(cell.height * scale)),
  };
  // The outline marks which cell the patch is; the context around it is what makes it recognisable.
  const outline = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${outW}" height="${outH}"><rect x="${box.x + 0.5}" y="${box.y + 0.5}" width="${box.w - 1}" height="${box.h - 1}" fill="none" stroke="#ffd400" stroke-width="1.5"/></svg>`,
  );
  let bytes: Buffer;
  try {
    bytes = await sharp(src, { failOn: 'truncated' })
      .extract(crop)
      .resize({ width: outW, height: outH, fit: 'fill', kernel: scale > 1 ? 'nearest' : 'lanczos3' })
      .composite([{ input: outline, left: 0, top: 0 }])
      .jpeg({ quality: 85 })
      .toBuffer();
  } catch (e) {
    if (!fs.existsSync(src)) throw new StudioError('not_found', `${src}: image file is missing`);
    throw new StudioError('invalid_input', `${src}: cannot crop patch ${pid.gy},${pid.gx} (${(e as Error).message})`);
  }
  writeFileAtomic(file, bytes);
  return { file, contentType: 'image/jpeg', maxAge: 86400 };
};

export const CONCEPT_ASSET_TYPES: { readonly type: string; readonly resolve: AssetResolver }[] = [{ type: 'patch', resolve: patchResolver }];
