// Which feature item shows the same view `offset` frames later in its sequence (earlier near the
// sequence's end): Step 2's temporal positives pair each training item with it. Label-free: only the
// frames' order within their sequences is used.

export interface SequencedFrame {
  readonly id: string;
  readonly sequenceId: string;
  readonly index: number;
}

export function neighbourLookup(
  items: readonly { readonly frameId: string; readonly crop: number }[],
  frames: readonly SequencedFrame[],
): (item: number, offset: number) => number | null {
  const itemOf = new Map<string, number>();
  items.forEach((it, i) => itemOf.set(`${it.frameId}\u0000${it.crop}`, i));
  const frameOf = new Map<string, SequencedFrame>(frames.map((f) => [f.id, f]));
  const at = new Map<string, string>(frames.map((f) => [`${f.sequenceId}\u0000${f.index}`, f.id]));
  return (item, offset) => {
    const it = items[item];
    const f = it && frameOf.get(it.frameId);
    if (!it || !f) return null;
    for (const o of [offset, -offset]) {
      const id = at.get(`${f.sequenceId}\u0000${f.index + o}`);
      const j = id === undefined ? undefined : itemOf.get(`${id}\u0000${it.crop}`);
      if (j !== undefined) return j;
    }
    return null;
  };
}

/** `neighbourLookup`, or null when no item has a neighbour `offset` frames away (frames without sequences). */
export function sequenceNeighbours(
  items: readonly { readonly frameId: string; readonly crop: number }[],
  frames: readonly SequencedFrame[],
  offset: number,
): ((item: number, offset: number) => number | null) | null {
  const neighbour = neighbourLookup(items, frames);
  return items.some((_, i) => neighbour(i, offset) !== null) ? neighbour : null;
}
