// Bookkeeping for the GPU textures of masks around the playhead (pure, no GL: unit-tested). A fixed number
// of slots, least recently used out, so stepping reuses textures instead of allocating one per frame, and
// the masks of the next frames can be uploaded in idle time before they are shown.

export class SlotRing<K> {
  private readonly slotOf = new Map<K, number>();
  private readonly free: number[];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`a slot ring needs at least one slot, got ${capacity}`);
    this.free = Array.from({ length: capacity }, (_, i) => capacity - 1 - i);
  }

  has(key: K): boolean {
    return this.slotOf.has(key);
  }

  /** The key's slot, marking it most recently used; undefined when the key is not resident. */
  get(key: K): number | undefined {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return undefined;
    this.slotOf.delete(key);
    this.slotOf.set(key, slot);
    return slot;
  }

  /**
   * A slot for `key` (its own when already resident). When the ring is full the least recently used key
   * not in `keep` gives up its slot; null when every resident key is kept (the caller draws without it).
   */
  acquire(key: K, keep: ReadonlySet<K> = new Set()): { slot: number; evicted: K | null } | null {
    const own = this.get(key);
    if (own !== undefined) return { slot: own, evicted: null };
    const slot = this.free.pop();
    if (slot !== undefined) {
      this.slotOf.set(key, slot);
      return { slot, evicted: null };
    }
    for (const [old, oldSlot] of this.slotOf) {
      if (keep.has(old)) continue;
      this.slotOf.delete(old);
      this.slotOf.set(key, oldSlot);
      return { slot: oldSlot, evicted: old };
    }
    return null;
  }

  /** Frees every slot (e.g. when the GL context is lost). */
  clear(): void {
    this.slotOf.clear();
    this.free.length = 0;
    for (let i = this.capacity - 1; i >= 0; i--) this.free.push(i);
  }

  /** Resident keys, least recently used first. */
  keys(): K[] {
    return [...this.slotOf.keys()];
  }
}

/**
 * Frame indices to have ready around `index`, in the order to fetch them: nearest first, and at equal
 * distance ahead before behind (playback and → go forward). Never includes `index` itself.
 */
export function prefetchOrder(index: number, count: number, ahead: number, behind: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= Math.max(ahead, behind); d++) {
    if (d <= ahead && index + d < count) out.push(index + d);
    if (d <= behind && index - d >= 0) out.push(index - d);
  }
  return out;
}
