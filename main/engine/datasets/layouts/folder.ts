// Any tree of jpg/png images (natural sort), optionally with a label folder holding maps of the same
// stems. Each folder of images is a sequence; a first-level folder named like a split (train, val, test,
// training, validation, testing) gives the split. Labels are found beside the images as
// images|image|img|rgb|image_2 + labels|label|masks|mask|gt|semantic|annotations, or given explicitly.
import path from 'node:path';
import { StudioError } from '../../../../shared/contract/errors.js';
import type { FrameCandidate, LayoutScan } from '../candidates.js';
import { isDir, isImageFile, listFiles, relPath, stemOf } from '../scan.js';

const IMAGE_DIR_NAMES = ['images', 'image', 'img', 'imgs', 'rgb', 'image_2', 'frames'];
const LABEL_DIR_NAMES = ['labels', 'label', 'masks', 'mask', 'gt', 'semantic', 'annotations', 'labelids'];
const LABEL_SUFFIXES = ['_gtFine_labelIds', '_labelIds', '_labelids', '_train_id', '_trainIds', '_label', '_mask', '_gt'];
/** Image files people keep beside their frames that the studio does not read: named, not silently skipped. */
const UNSUPPORTED_IMAGES = new Set(['.bmp', '.tif', '.tiff', '.webp', '.gif', '.heic', '.ppm', '.pgm']);
const SPLITS: Record<string, string> = {
  train: 'train',
  training: 'train',
  val: 'val',
  valid: 'val',
  validation: 'val',
  test: 'test',
  testing: 'test',
};

export interface FolderOptions {
  readonly labels?: string | undefined;
  readonly split?: string | undefined;
}

function findChild(dir: string, names: readonly string[]): string | null {
  for (const n of names) if (isDir(path.join(dir, n))) return path.join(dir, n);
  return null;
}

function commonAncestor(a: string, b: string): string {
  const pa = a.split(path.sep);
  const pb = b.split(path.sep);
  let i = 0;
  while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
  return pa.slice(0, i).join(path.sep) || path.sep;
}

function labelKey(rel: string): string {
  const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
  let stem = stemOf(rel);
  for (const s of LABEL_SUFFIXES) {
    if (stem.endsWith(s)) {
      stem = stem.slice(0, -s.length);
      break;
    }
  }
  return dir + stem;
}

export function scanFolder(userPath: string, options: FolderOptions = {}): LayoutScan {
  const abs = path.resolve(userPath);
  if (!isDir(abs)) throw new StudioError('not_found', `${abs}: folder does not exist`);
  let imagesDir = abs;
  let labelsDir: string | null = null;
  const notes: string[] = [];
  if (options.labels !== undefined) {
    labelsDir = path.resolve(options.labels);
    if (!isDir(labelsDir)) throw new StudioError('not_found', `${labelsDir}: label folder does not exist`);
  } else {
    const im = findChild(abs, IMAGE_DIR_NAMES);
    const lb = findChild(abs, LABEL_DIR_NAMES);
    if (im) imagesDir = im;
    if (lb) {
      labelsDir = lb;
      notes.push(`labels found in ${relPath(abs, lb)}/`);
    }
  }
  const root = labelsDir ? commonAncestor(imagesDir, labelsDir) : imagesDir;
  const labelInsideImages = labelsDir !== null && relPath(imagesDir, labelsDir).split('/')[0] !== '..';
  const imageRels = listFiles(imagesDir, isImageFile).filter(
    (rel) => !labelInsideImages || relPath(labelsDir!, path.join(imagesDir, rel)).startsWith('..'),
  );
  const labelRels = labelsDir ? listFiles(labelsDir, (n) => n.toLowerCase().endsWith('.png')) : [];
  const labelByKey = new Map<string, string>();
  for (const l of labelRels) if (!labelByKey.has(labelKey(l))) labelByKey.set(labelKey(l), l);
  const used = new Set<string>();
  const baseName = path.basename(imagesDir);
  const seqPos = new Map<string, number>();
  const candidates: FrameCandidate[] = imageRels.map((rel) => {
    const dirParts = rel.split('/').slice(0, -1);
    let split = options.split ?? 'train';
    const first = dirParts[0]?.toLowerCase();
    if (first !== undefined && SPLITS[first] !== undefined && options.split === undefined) {
      split = SPLITS[first];
      dirParts.shift();
    }
    const sequence = dirParts.length > 0 ? dirParts.join('/') : baseName;
    const k = `${split}/${sequence}`;
    const order = seqPos.get(k) ?? 0;
    seqPos.set(k, order + 1);
    const key = (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '') + stemOf(rel);
    const label = labelByKey.get(key);
    if (label !== undefined) used.add(label);
    return {
      split,
      sequence,
      order,
      name: stemOf(rel),
      imageRel: relPath(root, path.join(imagesDir, rel)),
      labelRel: label !== undefined ? relPath(root, path.join(labelsDir!, label)) : null,
    };
  });
  const orphanLabels = labelRels.filter((l) => !used.has(l)).map((l) => relPath(root, path.join(labelsDir!, l)));
  const unsupported = listFiles(imagesDir, (n) => UNSUPPORTED_IMAGES.has(path.extname(n).toLowerCase())).map((rel) =>
    relPath(root, path.join(imagesDir, rel)),
  );
  return { root, candidates, orphanLabels, notes, scannedLabels: labelRels.length, unsupported };
}
