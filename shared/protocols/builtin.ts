// The built-in protocols, all derived from the official Cityscapes table so they cannot drift from it:
//  - cityscapes-34: every labelId 0..33 is its own class (the raw table)
//  - cityscapes-19: labelId → trainId (the supervised benchmark)
//  - cityscapes-27: labelIds 7..33 → 0..26 (the unsupervised-segmentation protocol of STEGO/CAUSE)
//  - cityscapes-7:  labelId → category (flat, construction, object, nature, sky, human, vehicle)
//  - bdd100k-19:    BDD100K sem_seg masks store the Cityscapes trainIds 0..18 directly, 255 = ignore
import { CITYSCAPES_LABELS, type RGB } from './cityscapes-labels.js';
import { buildTables, IGNORE, type LabelProtocol } from './label-protocol.js';

const PIXEL_LABELS = CITYSCAPES_LABELS.filter((l) => l.id >= 0);
const ALL_LABEL_IDS = PIXEL_LABELS.map((l) => l.id);

function cityscapes34(): LabelProtocol {
  const { lut, known } = buildTables(
    PIXEL_LABELS.map((l) => ({ value: l.id, index: l.id })),
    [],
  );
  return {
    id: 'cityscapes-34',
    name: 'Cityscapes labelIds (34)',
    builtin: true,
    encoding: 'cityscapes-labelid',
    classNames: PIXEL_LABELS.map((l) => l.name),
    colors: PIXEL_LABELS.map((l) => l.color),
    categories: PIXEL_LABELS.map((l) => l.category),
    lut,
    known,
    ignoreValues: [],
    description: 'Every Cityscapes labelId 0..33 as its own class.',
  };
}

/** The 19 training classes in trainId order (names and colours of the class that owns each trainId). */
export const CITYSCAPES_TRAIN_CLASSES = (() => {
  const out: { name: string; color: RGB; category: string; labelId: number }[] = [];
  for (const l of PIXEL_LABELS) if (l.trainId >= 0 && l.trainId < IGNORE) out[l.trainId] = { name: l.name, color: l.color, category: l.category, labelId: l.id };
  return out;
})();

function cityscapes19(): LabelProtocol {
  const mapped = PIXEL_LABELS.filter((l) => l.trainId >= 0 && l.trainId < IGNORE);
  const { lut, known } = buildTables(
    mapped.map((l) => ({ value: l.id, index: l.trainId })),
    ALL_LABEL_IDS.filter((id) => !mapped.some((m) => m.id === id)),
  );
  return {
    id: 'cityscapes-19',
    name: 'Cityscapes 19 classes (trainIds)',
    builtin: true,
    encoding: 'cityscapes-labelid',
    classNames: CITYSCAPES_TRAIN_CLASSES.map((c) => c.name),
    colors: CITYSCAPES_TRAIN_CLASSES.map((c) => c.color),
    categories: CITYSCAPES_TRAIN_CLASSES.map((c) => c.category),
    lut,
    known,
    ignoreValues: ALL_LABEL_IDS.filter((id) => !mapped.some((m) => m.id === id)),
    description: 'The 19 evaluated classes of the Cityscapes benchmark; labelIds without a trainId are ignored.',
  };
}

function cityscapes27(): LabelProtocol {
  const mapped = PIXEL_LABELS.filter((l) => l.id >= 7 && l.id <= 33);
  const { lut, known } = buildTables(
    mapped.map((l) => ({ value: l.id, index: l.id - 7 })),
    [0, 1, 2, 3, 4, 5, 6],
  );
  return {
    id: 'cityscapes-27',
    name: 'Cityscapes 27 classes (unsupervised protocol)',
    builtin: true,
    encoding: 'cityscapes-labelid',
    classNames: mapped.map((l) => l.name),
    colors: mapped.map((l) => l.color),
    categories: mapped.map((l) => l.category),
    lut,
    known,
    ignoreValues: [0, 1, 2, 3, 4, 5, 6],
    description: 'labelIds 7..33 → 0..26, void labelIds 0..6 ignored (STEGO/CAUSE evaluation).',
  };
}

export const CITYSCAPES_CATEGORIES = ['flat', 'construction', 'object', 'nature', 'sky', 'human', 'vehicle'] as const;

/**
 * Cityscapes defines no category colours; each category takes the colour of its most common class
 * (road, building, pole, vegetation, sky, person, car) so category maps look like the familiar ones.
 */
export const CITYSCAPES_CATEGORY_COLORS: readonly RGB[] = [
  [128, 64, 128],
  [70, 70, 70],
  [153, 153, 153],
  [107, 142, 35],
  [70, 130, 180],
  [220, 20, 60],
  [0, 0, 142],
];

function cityscapes7(): LabelProtocol {
  const mapped = PIXEL_LABELS.filter((l) => l.categoryId >= 1);
  const { lut, known } = buildTables(
    mapped.map((l) => ({ value: l.id, index: l.categoryId - 1 })),
    PIXEL_LABELS.filter((l) => l.categoryId === 0).map((l) => l.id),
  );
  return {
    id: 'cityscapes-7',
    name: 'Cityscapes 7 categories',
    builtin: true,
    encoding: 'cityscapes-labelid',
    classNames: [...CITYSCAPES_CATEGORIES],
    colors: CITYSCAPES_CATEGORY_COLORS,
    categories: [...CITYSCAPES_CATEGORIES],
    lut,
    known,
    ignoreValues: PIXEL_LABELS.filter((l) => l.categoryId === 0).map((l) => l.id),
    description: 'labelId → category id − 1 (flat..vehicle); the void category is ignored.',
  };
}

function bdd100k19(): LabelProtocol {
  const { lut, known } = buildTables(
    CITYSCAPES_TRAIN_CLASSES.map((_, i) => ({ value: i, index: i })),
    [IGNORE],
  );
  return {
    id: 'bdd100k-19',
    name: 'BDD100K 19 classes',
    builtin: true,
    encoding: 'cityscapes-trainid',
    classNames: CITYSCAPES_TRAIN_CLASSES.map((c) => c.name),
    colors: CITYSCAPES_TRAIN_CLASSES.map((c) => c.color),
    categories: CITYSCAPES_TRAIN_CLASSES.map((c) => c.category),
    lut,
    known,
    ignoreValues: [IGNORE],
    description: 'BDD100K sem_seg masks: Cityscapes trainIds 0..18 stored directly, 255 ignored.',
  };
}

export const BUILTIN_PROTOCOLS: readonly LabelProtocol[] = [
  cityscapes34(),
  cityscapes19(),
  cityscapes27(),
  cityscapes7(),
  bdd100k19(),
];

export const BUILTIN_PROTOCOL_IDS = BUILTIN_PROTOCOLS.map((p) => p.id);

export function getBuiltinProtocol(id: string): LabelProtocol | undefined {
  return BUILTIN_PROTOCOLS.find((p) => p.id === id);
}

/** Protocols that read the same raw label maps as `p` (e.g. evaluate a Cityscapes import on 19, 27 or 7). */
export function compatibleProtocols(p: LabelProtocol, extra: readonly LabelProtocol[] = []): LabelProtocol[] {
  return [...BUILTIN_PROTOCOLS, ...extra].filter((q) => q.encoding === p.encoding);
}
