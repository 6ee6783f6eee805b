// The preflight: turns the frames a layout found into registered frames and a report. It reads image
// and label headers (size, truncation) for every frame and decodes label maps — all of them up to
// `labelCheckLimit`, an evenly spread sample beyond — to find values outside the protocol. Bad frames are
// dropped and named; a bad label only costs the frame its label; nothing else is lost.
import path from 'node:path';
import type { DatasetFormat, PreflightIssue, PreflightReport } from '../../../shared/contract/datasets.js';
import { StudioError } from '../../../shared/contract/errors.js';
import { IGNORE, unknownValues, type LabelProtocol } from '../../../shared/protocols/index.js';
import type { NewFrame, NewSequence } from '../db/queries/datasets.js';
import { readImageHeader } from '../images/image-header.js';
import { readLabelMapSync } from '../images/decode.js';
import { splitRank, type LayoutScan } from './candidates.js';
import { naturalCompare } from './scan.js';

export const MAX_STORED_ISSUES = 1000;
/** BDD100K stills make one sequence per source video (thousands); the table lists them all anyway. */
export const MAX_REPORTED_SEQUENCES = 2000;
export const DEFAULT_LABEL_CHECK_LIMIT = 300;
/** The sampled label check stops after this long (machine under load); the visited prefix stays spread. */
export const DEFAULT_LABEL_CHECK_SECONDS = 10;

export interface PreflightOptions {
  readonly datasetId: string;
  readonly format: DatasetFormat;
  readonly protocol: LabelProtocol | null;
  /** 'all' decodes every label map; 'sample' up to labelCheckLimit spread evenly; 'none' headers only. */
  readonly labelCheck?: 'all' | 'sample' | 'none';
  readonly labelCheckLimit?: number;
  readonly labelCheckSeconds?: number;
  readonly notes?: readonly string[];
  readonly onProgress?: (done: number, total: number, stage: string) => void;
  readonly throwIfCancelled?: () => void;
}

export interface PreflightResult {
  readonly frames: NewFrame[];
  readonly sequences: NewSequence[];
  readonly report: PreflightReport;
}

interface Checked {
  split: string;
  sequence: string;
  order: number;
  name: string;
  imageRel: string;
  imageSize: number;
  imageMtime: number;
  width: number;
  height: number;
  labelRel: string | null;
  labelSize: number | null;
  labelMtime: number | null;
  timeSeconds: number | null;
}

export function runPreflight(scan: LayoutScan, options: PreflightOptions): PreflightResult {
  const started = Date.now();
  const issues: PreflightIssue[] = [];
  const counts: Partial<Record<PreflightIssue['kind'], number>> = {};
  let truncatedIssues = 0;
  const issue = (i: PreflightIssue) => {
    counts[i.kind] = (counts[i.kind] ?? 0) + 1;
    if (issues.length < MAX_STORED_ISSUES) issues.push(i);
    else truncatedIssues++;
  };
  const root = scan.root;
  const abs = (rel: string) => path.join(root, rel);
  const candidates = [...scan.candidates].sort(
    (a, b) =>
      splitRank(a.split) - splitRank(b.split) ||
      naturalCompare(a.split, b.split) ||
      naturalCompare(a.sequence, b.sequence) ||
      a.order - b.order ||
      naturalCompare(a.name, b.name),
  );
  const total = candidates.length;
  const kept: Checked[] = [];
  const unlabelled: Checked[] = [];
  let dropped = 0;

  // 1. Headers of every image and label.
  candidates.forEach((c, i) => {
    if (i % 256 === 0) {
      options.throwIfCancelled?.();
      options.onProgress?.(i, total, 'headers');
    }
    const h = readImageHeader(abs(c.imageRel));
    if (!h.ok) {
      dropped++;
      issue({
        kind: h.reason === 'truncated' ? 'truncated_image' : 'unreadable_image',
        file: c.imageRel,
        message: `${c.imageRel}: ${h.message}; frame dropped`,
        dropped: true,
      });
      return;
    }
    const frame: Checked = {
      split: c.split,
      sequence: c.sequence,
      order: c.order,
      name: c.name,
      imageRel: c.imageRel,
      imageSize: h.header.size,
      imageMtime: h.header.mtimeMs,
      width: h.header.width,
      height: h.header.height,
      labelRel: null,
      labelSize: null,
      labelMtime: null,
      timeSeconds: c.timeSeconds ?? null,
    };
    if (c.labelRel !== null) {
      const lh = readImageHeader(abs(c.labelRel));
      if (!lh.ok) {
        issue({
          kind: lh.reason === 'truncated' ? 'truncated_label' : 'unreadable_label',
          file: c.labelRel,
          message: `${c.labelRel}: ${lh.message}; frame ${c.name} kept without its label`,
          dropped: false,
        });
      } else if (lh.header.format !== 'png') {
        issue({
          kind: 'unreadable_label',
          file: c.labelRel,
          message: `${c.labelRel}: label maps must be PNG (lossless), this is ${lh.header.format}; frame ${c.name} kept without its label`,
          dropped: false,
        });
      } else if (lh.header.width !== frame.width || lh.header.height !== frame.height) {
        issue({
          kind: 'size_mismatch',
          file: c.labelRel,
          message:
            `${c.labelRel}: label is ${lh.header.width}x${lh.header.height} but its image ${c.imageRel} is ` +
            `${frame.width}x${frame.height}; frame kept without its label`,
          dropped: false,
        });
      } else {
        frame.labelRel = c.labelRel;
        frame.labelSize = lh.header.size;
        frame.labelMtime = lh.header.mtimeMs;
      }
    } else {
      unlabelled.push(frame);
    }
    kept.push(frame);
  });
  // A missing label is news only where labels are expected: in a split that has labels, and not in
  // Cityscapes-style sequences, where only one frame per snippet is annotated by design.
  if (options.protocol !== null && options.format !== 'cityscapes' && options.format !== 'synthdrive') {
    const labelledSplits = new Set(candidates.filter((c) => c.labelRel !== null).map((c) => c.split));
    for (const f of unlabelled) {
      if (labelledSplits.has(f.split)) {
        issue({ kind: 'missing_label', file: f.imageRel, message: `${f.imageRel}: no label map found for this image`, dropped: false });
      }
    }
  }
  for (const u of scan.unsupported ?? []) {
    issue({ kind: 'unsupported_file', file: u, message: `${u}: not a PNG or JPEG; convert it to import this frame`, dropped: true });
  }
  for (const o of scan.orphanLabels) {
    issue({ kind: 'orphan_label', file: o, message: `${o}: label map without a matching image; ignored`, dropped: false });
  }

  // 2. Label values (decoding pixels) on all labels or an evenly spread sample.
  const labelValues = new Float64Array(256);
  let labelsChecked = 0;
  const labelled = kept.filter((f) => f.labelRel !== null);
  const mode = options.labelCheck ?? 'sample';
  const limit = options.labelCheckLimit ?? DEFAULT_LABEL_CHECK_LIMIT;
  let toCheck: Checked[] = [];
  if (mode === 'all' || (mode === 'sample' && labelled.length <= limit)) toCheck = labelled;
  else if (mode === 'sample') toCheck = spreadOrder(limit).map((i) => labelled[Math.floor((i * labelled.length) / limit)]!);
  const budgetMs = mode === 'sample' ? (options.labelCheckSeconds ?? DEFAULT_LABEL_CHECK_SECONDS) * 1000 : Infinity;
  const checkStart = Date.now();
  let stoppedEarly = false;
  const hist = new Uint32Array(256);
  const validPixelsBySplit: Record<string, { checked: number; valid: number }> = {};
  toCheck.every((f, i) => {
    if (Date.now() - checkStart > budgetMs) {
      stoppedEarly = true;
      return false;
    }
    if (i % 16 === 0) {
      options.throwIfCancelled?.();
      options.onProgress?.(i, toCheck.length, 'labels');
    }
    const rel = f.labelRel!;
    let map;
    try {
      map = readLabelMapSync(abs(rel));
    } catch (e) {
      const msg = e instanceof StudioError ? e.message.replace(`${abs(rel)}: `, '') : String(e);
      issue({
        kind: /truncat/.test(msg) ? 'truncated_label' : 'unreadable_label',
        file: rel,
        message: `${rel}: ${msg}; frame ${f.name} kept without its label`,
        dropped: false,
      });
      f.labelRel = null;
      f.labelSize = null;
      f.labelMtime = null;
      return true;
    }
    labelsChecked++;
    hist.fill(0);
    const d = map.data;
    for (let p = 0; p < d.length; p++) hist[d[p]!]!++;
    for (let v = 0; v < 256; v++) labelValues[v]! += hist[v]!;
    if (options.protocol) {
      let valid = 0;
      for (let v = 0; v < 256; v++) if (options.protocol.lut[v] !== IGNORE) valid += hist[v]!;
      const sv = (validPixelsBySplit[f.split] ??= { checked: 0, valid: 0 });
      sv.checked++;
      sv.valid += valid;
      const unknown = unknownValues(options.protocol, hist);
      if (unknown.length > 0) {
        const px = unknown.reduce((s, v) => s + hist[v]!, 0);
        issue({
          kind: 'unknown_label_values',
          file: rel,
          message:
            `${rel}: value(s) ${unknown.join(', ')} are not in protocol ${options.protocol.id} ` +
            `(${px} pixels, ${((100 * px) / d.length).toFixed(2)} %); they count as ignore`,
          dropped: false,
        });
      }
    }
    return true;
  });

  // 3. Sequences and ordering.
  const sequences: NewSequence[] = [];
  const frames: NewFrame[] = [];
  let seq: NewSequence | null = null;
  let seqKey = '';
  for (const f of kept) {
    const key = `${f.split}\u0000${f.sequence}`;
    if (!seq || key !== seqKey) {
      seqKey = key;
      seq = {
        id: `${options.datasetId}-s${sequences.length}`,
        name: f.sequence,
        split: f.split,
        ordinal: sequences.length,
        frameCount: 0,
        labelledCount: 0,
      };
      sequences.push(seq);
    }
    frames.push({
      id: `${options.datasetId}-f${frames.length}`,
      sequenceId: seq.id,
      ordinal: frames.length,
      index: seq.frameCount,
      split: f.split,
      name: f.name,
      imageRel: f.imageRel,
      imageSize: f.imageSize,
      imageMtime: f.imageMtime,
      labelRel: f.labelRel,
      labelSize: f.labelSize,
      labelMtime: f.labelMtime,
      width: f.width,
      height: f.height,
      timeSeconds: f.timeSeconds,
    });
    seq.frameCount++;
    if (f.labelRel !== null) seq.labelledCount++;
  }

  const perSplit: Record<string, { frames: number; labelled: number; sequences: number }> = {};
  for (const s of sequences) {
    const e = (perSplit[s.split] ??= { frames: 0, labelled: 0, sequences: 0 });
    e.frames += s.frameCount;
    e.labelled += s.labelledCount;
    e.sequences++;
  }
  const values: Record<string, number> = {};
  for (let v = 0; v < 256; v++) if (labelValues[v]! > 0) values[String(v)] = labelValues[v]!;
  const notes = [...(options.notes ?? []), ...scan.notes];
  if (labelled.length > 0) {
    notes.push(
      labelsChecked === labelled.length
        ? `label values checked on all ${labelled.length} label maps`
        : `label values checked on ${labelsChecked} of ${labelled.length} label maps (evenly spread sample` +
            `${stoppedEarly ? `, stopped at the ${budgetMs / 1000} s budget` : ''}; --check-labels all checks every one)`,
    );
  }
  for (const [split, v] of Object.entries(validPixelsBySplit)) {
    // e.g. Cityscapes' gtFine/test: the files exist but the benchmark withholds the annotation
    if (v.checked > 0 && v.valid === 0) {
      notes.push(`split ${split}: the ${v.checked} checked label maps hold only values ${options.protocol!.id} ignores; they cannot be used for evaluation`);
    }
  }
  if (sequences.length > MAX_REPORTED_SEQUENCES) {
    notes.push(`per-sequence counts list the first ${MAX_REPORTED_SEQUENCES} of ${sequences.length} sequences (datasets.sequences has all)`);
  }
  notes.push('truncation check: PNG must end with IEND, JPEG with its EOI marker (headers and tails read, not pixels)');
  const labelledKept = frames.filter((f) => f.labelRel !== null).length;
  const report: PreflightReport = {
    schemaVersion: 1,
    root,
    format: options.format,
    protocolId: options.protocol?.id ?? null,
    scannedImages: total,
    scannedLabels: scan.scannedLabels,
    keptFrames: frames.length,
    droppedFrames: dropped,
    framesWithoutLabels: frames.length - labelledKept,
    perSplit,
    perSequence: sequences
      .slice(0, MAX_REPORTED_SEQUENCES)
      .map((s) => ({ name: s.name, split: s.split, frames: s.frameCount, labelled: s.labelledCount })),
    labelValues: values,
    labelsChecked,
    issues,
    issuesTruncated: truncatedIssues,
    counts,
    notes,
    elapsedSeconds: (Date.now() - started) / 1000,
  };
  options.onProgress?.(total, total, 'done');
  return { frames, sequences, report };
}

/** The clear failure when nothing could be registered: names the folder and the first problems. */
export function nothingUsableError(source: string, report: PreflightReport): StudioError {
  const first = report.issues.slice(0, 3).map((i) => i.message);
  const why =
    report.scannedImages === 0
      ? 'no images found'
      : `none of the ${report.scannedImages} images is usable (${first.join('; ')}${report.issues.length > 3 ? '; …' : ''})`;
  return new StudioError('invalid_input', `${source}: nothing to import: ${why}`, { file: source });
}

/** 0..n-1 in van der Corput order: every prefix is spread over the whole range. */
export function spreadOrder(n: number): number[] {
  let bits = 0;
  while (1 << bits < n) bits++;
  const out: number[] = [];
  for (let i = 0; i < 1 << bits; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    if (r < n) out.push(r);
  }
  return out;
}
