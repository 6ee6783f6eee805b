// The order a temporal mode visits frames in: every sequence in turn, its frames first to last
// ('forward'; also 'both', which writes frames in that order and runs its two passes within a sequence,
// two-pass.ts) or last to first ('backward'). Sequences are the runs of equal sequenceId in the given list,
// which keeps the dataset's order of its sequences; the carried state never crosses from one to the next.
import type { TemporalDirection } from '../../../shared/contract/experiments.js';

/** Indices of frames[from, to) in the order a temporal predictor must see them. */
export function sequenceOrder(frames: readonly { readonly sequenceId: string }[], direction: TemporalDirection, from = 0, to = frames.length): number[] {
  const order: number[] = [];
  for (let i = from; i < to; ) {
    let j = i;
    while (j + 1 < to && frames[j + 1]!.sequenceId === frames[i]!.sequenceId) j++;
    if (direction === 'backward') for (let k = j; k >= i; k--) order.push(k);
    else for (let k = i; k <= j; k++) order.push(k);
    i = j + 1;
  }
  return order;
}

/**
 * Where a temporal run resumes in `order` after a checkpoint at position `step`: the carried state is not
 * checkpointed, so at the first position of the sequence that was interrupted (in visiting order).
 */
export function resumePosition(frames: readonly { readonly sequenceId: string }[], order: readonly number[], step: number): number {
  let pos = Math.max(0, Math.min(step, order.length));
  while (pos > 0 && pos < order.length && frames[order[pos - 1]!]!.sequenceId === frames[order[pos]!]!.sequenceId) pos--;
  return pos;
}
