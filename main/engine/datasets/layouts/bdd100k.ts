// BDD100K layout: images/10k/<split>/<name>.jpg with labels/sem_seg/masks/<split>/<name>.png (trainIds,
// 255 ignore). The older release layout seg/images/<split>/<name>.jpg + seg/labels/<split>/<name>_train_id.png
// is read too. The 10k images are independent stills: the part of the name before '-' is the source
// video, which becomes the sequence.
import path from 'node:path';
import { StudioError } from '../../../../shared/contract/errors.js';
import type { FrameCandidate, LayoutScan } from '../candidates.js';
import { isDir, isImageFile, listFiles, naturalCompare, stemOf } from '../scan.js';

interface Variant {
  readonly images: string;
  readonly labels: string;
  readonly labelName: (stem: string) => string;
}

const VARIANTS: readonly Variant[] = [
  { images: 'images/10k', labels: 'labels/sem_seg/masks', labelName: (s) => `${s}.png` },
  { images: 'seg/images', labels: 'seg/labels', labelName: (s) => `${s}_train_id.png` },
];

export function bdd100kRoot(p: string): { root: string; variant: Variant } | null {
  let abs = path.resolve(p);
  for (let up = 0; up < 4; up++) {
    for (const v of VARIANTS) if (isDir(path.join(abs, v.images))) return { root: abs, variant: v };
    abs = path.dirname(abs);
  }
  return null;
}

export function scanBdd100k(userPath: string): LayoutScan {
  const found = bdd100kRoot(userPath);
  if (!found) {
    throw new StudioError('invalid_input', `${path.resolve(userPath)}: not a BDD100K folder (no images/10k/ or seg/images/ inside)`);
  }
  const { root, variant } = found;
  const candidates: FrameCandidate[] = [];
  const imageKeys = new Set<string>();
  const imgBase = path.join(root, variant.images);
  for (const rel of listFiles(imgBase, isImageFile)) {
    const parts = rel.split('/');
    if (parts.length !== 2) continue;
    const split = parts[0]!;
    const stem = stemOf(rel);
    imageKeys.add(`${split}/${variant.labelName(stem)}`);
    const dash = stem.indexOf('-');
    candidates.push({
      split,
      sequence: dash > 0 ? stem.slice(0, dash) : stem,
      order: 0,
      name: stem,
      imageRel: `${variant.images}/${rel}`,
      labelRel: null,
    });
  }
  const labelBase = path.join(root, variant.labels);
  const labels = isDir(labelBase) ? listFiles(labelBase, (n) => n.endsWith('.png')) : [];
  const labelSet = new Set(labels);
  const withLabels = candidates.map((c) => {
    const split = c.imageRel.split('/').at(-2)!;
    const rel = `${split}/${variant.labelName(c.name)}`;
    return labelSet.has(rel) ? { ...c, labelRel: `${variant.labels}/${rel}` } : c;
  });
  const orphanLabels = labels.filter((l) => !imageKeys.has(l)).map((l) => `${variant.labels}/${l}`);
  // Frames of one source video keep name order within it.
  withLabels.sort((a, b) => naturalCompare(a.imageRel, b.imageRel));
  const seqPos = new Map<string, number>();
  const ordered = withLabels.map((c) => {
    const k = `${c.split}/${c.sequence}`;
    const n = seqPos.get(k) ?? 0;
    seqPos.set(k, n + 1);
    return { ...c, order: n };
  });
  return { root, candidates: ordered, orphanLabels, notes: [], scannedLabels: labels.length };
}
