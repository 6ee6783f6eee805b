// Cross-run concept matching: which cluster of run A is which cluster of run B, judged only by where
// they fall on the same frames (no labels needed). Co-occurrence C[a,b] = pixels that A put in cluster a
// and B put in cluster b. Hungarian on C gives the one-to-one matching; the overlap shares then tell
// which concepts split (one A cluster spread over several B clusters that each live inside it), merged
// (the reverse), vanished (an A concept with no good counterpart) or appeared (a B concept with none).

import { StudioError } from '../contract/errors.js';
import { hungarian } from './hungarian.js';

export function accumulateCooccurrence(
  co: Float64Array,
  a: Uint16Array | Uint8Array,
  b: Uint16Array | Uint8Array,
  Ka: number,
  Kb: number,
): void {
  if (a.length !== b.length) {
    throw new StudioError('bad_request', `cluster maps differ in size (${a.length} vs ${b.length} pixels); compare runs at one geometry`);
  }
  if (co.length !== Ka * Kb) throw new StudioError('bad_request', `co-occurrence has ${co.length} cells, expected ${Ka}×${Kb}`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x >= Ka || y >= Kb) {
      throw new StudioError('invalid_input', `cluster id out of range (A ${x} of ${Ka}, B ${y} of ${Kb})`);
    }
    const idx = x * Kb + y;
    co[idx] = co[idx]! + 1;
  }
}

export interface ConceptPair {
  readonly a: number;
  readonly b: number;
  /** |a ∩ b| / |a ∪ b| over the compared pixels. */
  readonly iou: number;
  readonly pixels: number;
}

export interface RunComparison {
  readonly clustersA: number;
  readonly clustersB: number;
  readonly pixels: number;
  /** Hungarian one-to-one matching on co-occurrence (pairs with zero overlap are left out). */
  readonly matches: readonly ConceptPair[];
  /** Matched pairs with IoU ≥ stableIou. */
  readonly stable: number;
  /** Share of pixels on which A and B agree under the matching. */
  readonly agreement: number;
  /** Mean IoU over matched pairs (an unsupervised "mIoU" between runs). */
  readonly meanMatchedIou: number;
  readonly split: readonly { a: number; into: readonly number[]; shares: readonly number[] }[];
  readonly merged: readonly { b: number; from: readonly number[]; shares: readonly number[] }[];
  readonly vanished: readonly { a: number; bestB: number; bestIou: number }[];
  readonly appeared: readonly { b: number; bestA: number; bestIou: number }[];
  /** Clusters with no pixels on the compared frames (neither split, merged, vanished nor appeared). */
  readonly unusedA: readonly number[];
  readonly unusedB: readonly number[];
}

export interface CompareOptions {
  /** A part must hold at least this share of the whole to count in a split/merge. Default 0.2. */
  readonly partShare?: number;
  /** A part must lie at least this much inside the whole. Default 0.5. */
  readonly containment?: number;
  /** Below this best IoU a concept with no split/merge role has vanished/appeared. Default 0.2. */
  readonly lostIou?: number;
  /** A matched pair at or above this IoU is stable. Default 0.5. */
  readonly stableIou?: number;
}

export function compareRuns(co: Float64Array, Ka: number, Kb: number, options: CompareOptions = {}): RunComparison {
  if (co.length !== Ka * Kb) throw new StudioError('bad_request', `co-occurrence has ${co.length} cells, expected ${Ka}×${Kb}`);
  const partShare = options.partShare ?? 0.2;
  const containment = options.containment ?? 0.5;
  const lostIou = options.lostIou ?? 0.2;
  const stableIou = options.stableIou ?? 0.5;

  const sizeA = new Float64Array(Ka);
  const sizeB = new Float64Array(Kb);
  let total = 0;
  for (let a = 0; a < Ka; a++) {
    for (let b = 0; b < Kb; b++) {
      const v = co[a * Kb + b]!;
      sizeA[a] = sizeA[a]! + v;
      sizeB[b] = sizeB[b]! + v;
      total += v;
    }
  }
  const iouOf = (a: number, b: number): number => {
    const inter = co[a * Kb + b]!;
    const union = sizeA[a]! + sizeB[b]! - inter;
    return union > 0 ? inter / union : 0;
  };

  const assign = hungarian(co, Ka, Kb, 'max');
  const matches: ConceptPair[] = [];
  let agreed = 0;
  let iouSum = 0;
  let stable = 0;
  for (let a = 0; a < Ka; a++) {
    const b = assign[a]!;
    if (b < 0) continue;
    const inter = co[a * Kb + b]!;
    if (inter <= 0) continue;
    const iou = iouOf(a, b);
    matches.push({ a, b, iou, pixels: inter });
    agreed += inter;
    iouSum += iou;
    if (iou >= stableIou) stable++;
  }

  const involvedA = new Uint8Array(Ka);
  const involvedB = new Uint8Array(Kb);
  const split: { a: number; into: number[]; shares: number[] }[] = [];
  for (let a = 0; a < Ka; a++) {
    if (sizeA[a] === 0) continue;
    const into: number[] = [];
    const shares: number[] = [];
    for (let b = 0; b < Kb; b++) {
      const inter = co[a * Kb + b]!;
      if (sizeB[b]! > 0 && inter / sizeA[a]! >= partShare && inter / sizeB[b]! >= containment) {
        into.push(b);
        shares.push(inter / sizeA[a]!);
      }
    }
    if (into.length >= 2) {
      split.push({ a, into, shares });
      involvedA[a] = 1;
      for (const b of into) involvedB[b] = 1;
    }
  }
  const merged: { b: number; from: number[]; shares: number[] }[] = [];
  for (let b = 0; b < Kb; b++) {
    if (sizeB[b] === 0) continue;
    const from: number[] = [];
    const shares: number[] = [];
    for (let a = 0; a < Ka; a++) {
      const inter = co[a * Kb + b]!;
      if (sizeA[a]! > 0 && inter / sizeB[b]! >= partShare && inter / sizeA[a]! >= containment) {
        from.push(a);
        shares.push(inter / sizeB[b]!);
      }
    }
    if (from.length >= 2) {
      merged.push({ b, from, shares });
      involvedB[b] = 1;
      for (const a of from) involvedA[a] = 1;
    }
  }

  const vanished: { a: number; bestB: number; bestIou: number }[] = [];
  const unusedA: number[] = [];
  for (let a = 0; a < Ka; a++) {
    if (sizeA[a] === 0) {
      unusedA.push(a);
      continue;
    }
    if (involvedA[a]) continue;
    let best = -1;
    let bestIou = 0;
    for (let b = 0; b < Kb; b++) {
      const iou = iouOf(a, b);
      if (iou > bestIou) {
        bestIou = iou;
        best = b;
      }
    }
    if (bestIou < lostIou) vanished.push({ a, bestB: best, bestIou });
  }
  const appeared: { b: number; bestA: number; bestIou: number }[] = [];
  const unusedB: number[] = [];
  for (let b = 0; b < Kb; b++) {
    if (sizeB[b] === 0) {
      unusedB.push(b);
      continue;
    }
    if (involvedB[b]) continue;
    let best = -1;
    let bestIou = 0;
    for (let a = 0; a < Ka; a++) {
      const iou = iouOf(a, b);
      if (iou > bestIou) {
        bestIou = iou;
        best = a;
      }
    }
    if (bestIou < lostIou) appeared.push({ b, bestA: best, bestIou });
  }

  return {
    clustersA: Ka,
    clustersB: Kb,
    pixels: total,
    matches,
    stable,
    agreement: total > 0 ? agreed / total : Number.NaN,
    meanMatchedIou: matches.length > 0 ? iouSum / matches.length : Number.NaN,
    split,
    merged,
    vanished,
    appeared,
    unusedA,
    unusedB,
  };
}
