// The official Cityscapes label table (cityscapesScripts `labels.py`): labelId, trainId, category and
// colour of every class. Everything else in the studio (SynthDrive's ground truth, the importers, the
// evaluation protocols, the palettes) derives from this one table; tests pin it to the official values.

export type RGB = readonly [number, number, number];

export interface CityscapesLabel {
  readonly name: string;
  readonly id: number;
  /** 255 = ignored in the 19-class training protocol; -1 only for the licence plate. */
  readonly trainId: number;
  readonly category: string;
  readonly categoryId: number;
  readonly hasInstances: boolean;
  readonly ignoreInEval: boolean;
  readonly color: RGB;
}

const L = (
  name: string,
  id: number,
  trainId: number,
  category: string,
  categoryId: number,
  hasInstances: boolean,
  ignoreInEval: boolean,
  color: RGB,
): CityscapesLabel => ({ name, id, trainId, category, categoryId, hasInstances, ignoreInEval, color });

export const CITYSCAPES_LABELS: readonly CityscapesLabel[] = [
  L('unlabeled', 0, 255, 'void', 0, false, true, [0, 0, 0]),
  L('ego vehicle', 1, 255, 'void', 0, false, true, [0, 0, 0]),
  L('rectification border', 2, 255, 'void', 0, false, true, [0, 0, 0]),
  L('out of roi', 3, 255, 'void', 0, false, true, [0, 0, 0]),
  L('static', 4, 255, 'void', 0, false, true, [0, 0, 0]),
  L('dynamic', 5, 255, 'void', 0, false, true, [111, 74, 0]),
  L('ground', 6, 255, 'void', 0, false, true, [81, 0, 81]),
  L('road', 7, 0, 'flat', 1, false, false, [128, 64, 128]),
  L('sidewalk', 8, 1, 'flat', 1, false, false, [244, 35, 232]),
  L('parking', 9, 255, 'flat', 1, false, true, [250, 170, 160]),
  L('rail track', 10, 255, 'flat', 1, false, true, [230, 150, 140]),
  L('building', 11, 2, 'construction', 2, false, false, [70, 70, 70]),
  L('wall', 12, 3, 'construction', 2, false, false, [102, 102, 156]),
  L('fence', 13, 4, 'construction', 2, false, false, [190, 153, 153]),
  L('guard rail', 14, 255, 'construction', 2, false, true, [180, 165, 180]),
  L('bridge', 15, 255, 'construction', 2, false, true, [150, 100, 100]),
  L('tunnel', 16, 255, 'construction', 2, false, true, [150, 120, 90]),
  L('pole', 17, 5, 'object', 3, false, false, [153, 153, 153]),
  L('polegroup', 18, 255, 'object', 3, false, true, [153, 153, 153]),
  L('traffic light', 19, 6, 'object', 3, false, false, [250, 170, 30]),
  L('traffic sign', 20, 7, 'object', 3, false, false, [220, 220, 0]),
  L('vegetation', 21, 8, 'nature', 4, false, false, [107, 142, 35]),
  L('terrain', 22, 9, 'nature', 4, false, false, [152, 251, 152]),
  L('sky', 23, 10, 'sky', 5, false, false, [70, 130, 180]),
  L('person', 24, 11, 'human', 6, true, false, [220, 20, 60]),
  L('rider', 25, 12, 'human', 6, true, false, [255, 0, 0]),
  L('car', 26, 13, 'vehicle', 7, true, false, [0, 0, 142]),
  L('truck', 27, 14, 'vehicle', 7, true, false, [0, 0, 70]),
  L('bus', 28, 15, 'vehicle', 7, true, false, [0, 60, 100]),
  L('caravan', 29, 255, 'vehicle', 7, true, true, [0, 0, 90]),
  L('trailer', 30, 255, 'vehicle', 7, true, true, [0, 0, 110]),
  L('train', 31, 16, 'vehicle', 7, true, false, [0, 80, 100]),
  L('motorcycle', 32, 17, 'vehicle', 7, true, false, [0, 0, 230]),
  L('bicycle', 33, 18, 'vehicle', 7, true, false, [119, 11, 32]),
  L('license plate', -1, -1, 'vehicle', 7, false, true, [0, 0, 142]),
];

const byName = new Map(CITYSCAPES_LABELS.map((l) => [l.name, l]));

/** The labelId of a class by its official name; throws on a typo so generators cannot drift silently. */
export function cityscapesId(name: string): number {
  const label = byName.get(name);
  if (!label) throw new Error(`unknown Cityscapes class '${name}'`);
  return label.id;
}

/** Lookup by labelId 0..33 (the licence plate, -1, is not a pixel value in label maps). */
export const CITYSCAPES_BY_ID: readonly (CityscapesLabel | undefined)[] = (() => {
  const table: (CityscapesLabel | undefined)[] = new Array(34).fill(undefined);
  for (const l of CITYSCAPES_LABELS) if (l.id >= 0) table[l.id] = l;
  return table;
})();
