// Cityscapes layout: leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png with
// gtFine/<split>/<city>/<...>_gtFine_labelIds.png (gtCoarse as fallback), plus the
// leftImg8bit_sequence snippets and leftImg8bit/demoVideo. A sequence is city + sequence number,
// its frames ordered by frame number; an image present in both leftImg8bit and _sequence counts once.
import path from 'node:path';
import { StudioError } from '../../../../shared/contract/errors.js';
import type { FrameCandidate, LayoutScan } from '../candidates.js';
import { isDir, listFiles, naturalCompare } from '../scan.js';

const IMAGE_RE = /^(.+)_(\d+)_(\d+)_leftImg8bit\.(png|jpg)$/;
const LABEL_RE = /^(.+)_(\d+)_(\d+)_gt(Fine|Coarse)_labelIds\.png$/;
const IMAGE_DIRS = ['leftImg8bit', 'leftImg8bit_sequence'] as const;
const LABEL_DIRS = ['gtFine', 'gtCoarse'] as const;

/** The dataset root for a user path: the folder holding leftImg8bit/ (the path itself or its parent). */
export function cityscapesRoot(p: string): string | null {
  const abs = path.resolve(p);
  if (IMAGE_DIRS.some((d) => isDir(path.join(abs, d)))) return abs;
  // leftImg8bit itself, or one of its split folders
  if ((IMAGE_DIRS as readonly string[]).includes(path.basename(abs))) return path.dirname(abs);
  if ((IMAGE_DIRS as readonly string[]).includes(path.basename(path.dirname(abs)))) return path.dirname(path.dirname(abs));
  return null;
}

export function scanCityscapes(userPath: string): LayoutScan {
  const root = cityscapesRoot(userPath);
  if (!root) {
    throw new StudioError('invalid_input', `${path.resolve(userPath)}: not a Cityscapes folder (no leftImg8bit/ or leftImg8bit_sequence/ inside)`);
  }
  const notes: string[] = [];
  // key = split/city_seq_frame
  const images = new Map<string, { split: string; city: string; seq: string; frame: number; rel: string; name: string }>();
  const unmatched: string[] = [];
  for (const dir of IMAGE_DIRS) {
    const base = path.join(root, dir);
    if (!isDir(base)) continue;
    for (const rel of listFiles(base, (n) => n.endsWith('_leftImg8bit.png') || n.endsWith('_leftImg8bit.jpg'))) {
      const parts = rel.split('/');
      const file = parts[parts.length - 1]!;
      const m = IMAGE_RE.exec(file);
      if (!m || parts.length < 2) {
        unmatched.push(`${dir}/${rel}`);
        continue;
      }
      const split = parts[0]!;
      const name = `${m[1]}_${m[2]}_${m[3]}`;
      const key = `${split}/${name}`;
      if (images.has(key)) continue; // leftImg8bit wins over its copy in _sequence (it is listed first)
      images.set(key, { split, city: m[1]!, seq: m[2]!, frame: Number(m[3]), rel: `${dir}/${rel}`, name });
    }
  }
  if (unmatched.length > 0) {
    notes.push(`${unmatched.length} file(s) under leftImg8bit do not follow <city>_<seq>_<frame>_leftImg8bit.png and were skipped, e.g. ${unmatched[0]}`);
  }
  const labels = new Map<string, string>();
  let scannedLabels = 0;
  const orphanLabels: string[] = [];
  for (const dir of LABEL_DIRS) {
    const base = path.join(root, dir);
    if (!isDir(base)) continue;
    for (const rel of listFiles(base, (n) => n.endsWith('_labelIds.png'))) {
      const parts = rel.split('/');
      const m = LABEL_RE.exec(parts[parts.length - 1]!);
      if (!m || parts.length < 2) continue;
      scannedLabels++;
      const key = `${parts[0]}/${m[1]}_${m[2]}_${m[3]}`;
      if (labels.has(key)) continue; // gtFine wins over gtCoarse
      if (!images.has(key)) {
        orphanLabels.push(`${dir}/${rel}`);
        continue;
      }
      labels.set(key, `${dir}/${rel}`);
    }
  }
  const candidates: FrameCandidate[] = [];
  for (const [key, im] of images) {
    candidates.push({
      split: im.split,
      sequence: `${im.city}_${im.seq}`,
      order: im.frame,
      name: im.name,
      imageRel: im.rel,
      labelRel: labels.get(key) ?? null,
    });
  }
  candidates.sort((a, b) => naturalCompare(a.imageRel, b.imageRel));
  return { root, candidates, orphanLabels, notes, scannedLabels };
}
