// What a layout reader produces: frames found on disk, not yet checked. The preflight turns them into
// registered frames (or issues).

export interface FrameCandidate {
  readonly split: string;
  /** Sequence name, unique within its split. */
  readonly sequence: string;
  /** Orders frames in their sequence (frame number, or natural-sort position). */
  readonly order: number;
  readonly name: string;
  /** Relative to the dataset root, '/'-separated. */
  readonly imageRel: string;
  readonly labelRel: string | null;
  readonly timeSeconds?: number;
}

export interface LayoutScan {
  readonly root: string;
  readonly candidates: FrameCandidate[];
  /** Label files with no image (reported, never registered). */
  readonly orphanLabels: string[];
  readonly notes: string[];
  readonly scannedLabels: number;
  /** Image-like files the studio does not read (reported). */
  readonly unsupported?: readonly string[];
}

const SPLIT_ORDER = ['train', 'val', 'test'];
export function splitRank(split: string): number {
  const i = SPLIT_ORDER.indexOf(split);
  return i >= 0 ? i : SPLIT_ORDER.length;
}
