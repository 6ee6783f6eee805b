// Pseudo-labels in Cityscapes format from an experiment's cluster maps and a mapping: for every frame
// `<stem>_gtFine_labelIds.png`, `<stem>_gtFine_labelTrainIds.png` and `<stem>_gtFine_color.png`, in
// `<out>/<city>/` like gtFine, so the Cityscapes evaluation scripts (and the studio's own importer) read
// them unchanged. Pixels of unmatched/ignored clusters become labelId 0 'unlabeled' (trainId 255, black).
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { StudioError } from '../../../shared/contract/errors.js';
import { CITYSCAPES_BY_ID } from '../../../shared/protocols/cityscapes-labels.js';
import type { LabelProtocol } from '../../../shared/protocols/label-protocol.js';
import { writeFileAtomic } from '../workspace.js';
import { encodeClusterPng } from './cluster-png.js';

const UNLABELED = 0;

/**
 * Raw label value written for each class: the smallest raw value the protocol reads as that class
 * (Cityscapes-27: labelId = class + 7; -19: the labelId owning the trainId; -7: the category's first
 * class — road, building, pole, vegetation, sky, person, car).
 */
export function classToRawTable(protocol: LabelProtocol): Uint8Array {
  const C = protocol.classNames.length;
  const table = new Uint8Array(256).fill(UNLABELED);
  const found = new Uint8Array(C);
  for (let v = 0; v < 256; v++) {
    const t = protocol.lut[v]!;
    if (t < C && !found[t]) {
      table[t] = v;
      found[t] = 1;
    }
  }
  for (let t = 0; t < C; t++) {
    if (!found[t]) throw new StudioError('invalid_input', `protocol '${protocol.id}' has no raw value for class '${protocol.classNames[t]}'`);
  }
  return table;
}

/** Per-pixel labelIds of a cluster map under a mapping (cluster → class, -1 = unlabeled). */
export function clustersToLabelIds(clusters: Uint8Array | Uint16Array, mapping: Int32Array, classToRaw: Uint8Array): Uint8Array {
  // One lookup per cluster first, so the per-pixel loop is a single table read.
  const lut = new Uint8Array(mapping.length);
  for (let k = 0; k < mapping.length; k++) {
    const t = mapping[k]!;
    lut[k] = t < 0 ? UNLABELED : classToRaw[t]!;
  }
  const out = new Uint8Array(clusters.length);
  for (let i = 0; i < clusters.length; i++) {
    const k = clusters[i]!;
    if (k >= lut.length) throw new StudioError('invalid_input', `cluster id ${k} is outside the mapping (${lut.length} clusters)`);
    out[i] = lut[k]!;
  }
  return out;
}

/** labelId → trainId (255 where none) and colour tables from the official Cityscapes table. */
function cityscapesTables(): { trainId: Uint8Array; color: Uint8Array } {
  const trainId = new Uint8Array(256).fill(255);
  const color = new Uint8Array(256 * 3);
  for (let v = 0; v < CITYSCAPES_BY_ID.length; v++) {
    const l = CITYSCAPES_BY_ID[v];
    if (!l) continue;
    trainId[v] = l.trainId >= 0 && l.trainId < 255 ? l.trainId : 255;
    color[v * 3] = l.color[0];
    color[v * 3 + 1] = l.color[1];
    color[v * 3 + 2] = l.color[2];
  }
  return { trainId, color };
}

const TABLES = cityscapesTables();

/** Cityscapes stems are <city>_<seq>_<frame>; the city folder is the part before the first '_'. */
export function cityOf(stem: string): string {
  const i = stem.indexOf('_');
  return i > 0 ? stem.slice(0, i) : 'frames';
}

/** Writes the three PNGs of one frame (atomically); returns their paths. */
export async function writeCityscapesLabels(
  outDir: string,
  stem: string,
  labelIds: Uint8Array,
  width: number,
  height: number,
): Promise<{ labelIds: string; trainIds: string; color: string }> {
  if (labelIds.length !== width * height) throw new StudioError('bad_request', `label map of ${stem} has the wrong size`);
  const dir = path.join(outDir, cityOf(stem));
  fs.mkdirSync(dir, { recursive: true });
  const trainIds = new Uint8Array(labelIds.length);
  const rgb = new Uint8Array(labelIds.length * 3);
  for (let i = 0; i < labelIds.length; i++) {
    const v = labelIds[i]!;
    trainIds[i] = TABLES.trainId[v]!;
    rgb[i * 3] = TABLES.color[v * 3]!;
    rgb[i * 3 + 1] = TABLES.color[v * 3 + 1]!;
    rgb[i * 3 + 2] = TABLES.color[v * 3 + 2]!;
  }
  return writeLabelPngs(dir, stem, width, height, { labelIds, trainIds, rgb });
}

/** The three Cityscapes-named PNGs of one frame, each written atomically. */
async function writeLabelPngs(
  dir: string,
  stem: string,
  width: number,
  height: number,
  maps: { labelIds: Uint8Array; trainIds: Uint8Array; rgb: Uint8Array },
): Promise<{ labelIds: string; trainIds: string; color: string }> {
  // 8-bit greyscale (PNG colour type 0), as cityscapesScripts and every Cityscapes loader read label
  // maps: sharp would otherwise store 1-channel raw input as sRGB, i.e. 3 channels.
  const gray = (d: Uint8Array) =>
    sharp(Buffer.from(d.buffer, d.byteOffset, d.byteLength), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  const files = {
    labelIds: path.join(dir, `${stem}_gtFine_labelIds.png`),
    trainIds: path.join(dir, `${stem}_gtFine_labelTrainIds.png`),
    color: path.join(dir, `${stem}_gtFine_color.png`),
  };
  writeFileAtomic(files.labelIds, await gray(maps.labelIds));
  writeFileAtomic(files.trainIds, await gray(maps.trainIds));
  const rgb = maps.rgb;
  writeFileAtomic(files.color, await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } }).png().toBuffer());
  return files;
}

/** Per-pixel class indices of a cluster map under a mapping (255 where the cluster is ignored). */
export function clustersToClasses(clusters: Uint8Array | Uint16Array, mapping: Int32Array): Uint8Array {
  const lut = new Uint8Array(mapping.length);
  for (let k = 0; k < mapping.length; k++) lut[k] = mapping[k]! < 0 ? 255 : mapping[k]!;
  const out = new Uint8Array(clusters.length);
  for (let i = 0; i < clusters.length; i++) {
    const k = clusters[i]!;
    if (k >= lut.length) throw new StudioError('invalid_input', `cluster id ${k} is outside the mapping (${lut.length} clusters)`);
    out[i] = lut[k]!;
  }
  return out;
}

/**
 * The same three PNGs for a protocol that is not Cityscapes labelIds (a custom one, e.g. with a class a
 * mapping session added): labelIds hold the raw value the protocol reads as the class (its first
 * ignore value, else 255, where ignored), labelTrainIds the class index (255 ignored), color its colours.
 */
export async function writeProtocolLabels(
  outDir: string,
  stem: string,
  classes: Uint8Array,
  protocol: LabelProtocol,
  width: number,
  height: number,
): Promise<{ labelIds: string; trainIds: string; color: string }> {
  if (classes.length !== width * height) throw new StudioError('bad_request', `label map of ${stem} has the wrong size`);
  const toRaw = classToRawTable(protocol);
  const ignoreRaw = protocol.ignoreValues[0] ?? 255;
  const dir = path.join(outDir, cityOf(stem));
  fs.mkdirSync(dir, { recursive: true });
  const raw = new Uint8Array(classes.length);
  const rgb = new Uint8Array(classes.length * 3);
  for (let i = 0; i < classes.length; i++) {
    const t = classes[i]!;
    const c = protocol.colors[t];
    raw[i] = c === undefined ? ignoreRaw : toRaw[t]!;
    if (c !== undefined) {
      rgb[i * 3] = c[0];
      rgb[i * 3 + 1] = c[1];
      rgb[i * 3 + 2] = c[2];
    }
  }
  return writeLabelPngs(dir, stem, width, height, { labelIds: raw, trainIds: classes, rgb });
}

/** What a label export writes each cluster map as: Cityscapes labelIds, another protocol's classes, or raw cluster ids. */
export interface LabelTarget {
  readonly mapping: Int32Array | null;
  /** Cityscapes labelIds protocols: class → raw labelId. */
  readonly toRaw: Uint8Array | null;
  /** Any other protocol (a custom one a mapping session made). */
  readonly other: LabelProtocol | null;
}

export function labelTarget(protocol: LabelProtocol | null, values: readonly number[] | null): LabelTarget {
  if (!protocol || !values) return { mapping: null, toRaw: null, other: null };
  const mapping = Int32Array.from(values);
  return protocol.encoding === 'cityscapes-labelid' ? { mapping, toRaw: classToRawTable(protocol), other: null } : { mapping, toRaw: null, other: protocol };
}

/** One frame's files under `dir` (each atomically); returns their paths relative to `dir`, in writing order. */
export async function writeFrameLabels(dir: string, stem: string, m: { data: Uint8Array | Uint16Array; width: number; height: number }, t: LabelTarget): Promise<string[]> {
  const rel = (files: { labelIds: string; trainIds: string; color: string }) => [files.labelIds, files.trainIds, files.color].map((f) => path.relative(dir, f));
  if (t.toRaw && t.mapping) return rel(await writeCityscapesLabels(dir, stem, clustersToLabelIds(m.data, t.mapping, t.toRaw), m.width, m.height));
  if (t.other && t.mapping) return rel(await writeProtocolLabels(dir, stem, clustersToClasses(m.data, t.mapping), t.other, m.width, m.height));
  const sub = path.join(dir, cityOf(stem));
  fs.mkdirSync(sub, { recursive: true });
  const file = path.join(sub, `${stem}_clusters.png`);
  writeFileAtomic(file, await encodeClusterPng(m));
  return [path.relative(dir, file)];
}
