// The concept bank: per concept, a FIFO of the newest teacher projections (normalised), used as extra
// contrastive targets. Update rule (reference): for each concept present in the step, in ascending
// concept order, draw one permutation of its tokens, keep ⌊count/2⌋ of them, append, trim to the newest cap.
import type { Prng } from '../../../shared/random.js';

export interface BankSnapshot {
  readonly dim: number;
  readonly cap: number;
  /** Concept id of each stored row, grouped by concept (ascending), oldest first within a concept. */
  readonly ids: Int32Array;
  readonly rows: Float32Array;
}

export class ConceptBank {
  private readonly store = new Map<number, Float32Array[]>();

  constructor(
    readonly dim: number,
    readonly cap: number,
  ) {}

  get size(): number {
    let s = 0;
    for (const rows of this.store.values()) s += rows.length;
    return s;
  }

  countOf(concept: number): number {
    return this.store.get(concept)?.length ?? 0;
  }

  /** Rows of one concept, oldest first (copies are not made: do not mutate). */
  rowsOf(concept: number): readonly Float32Array[] {
    return this.store.get(concept) ?? [];
  }

  /** ids[t] is the concept of row t of `proj` ([T, dim], teacher projections of the step). */
  insert(ids: Int32Array, proj: Float32Array, rng: Prng): void {
    if (this.cap <= 0) return;
    const byConcept = new Map<number, number[]>();
    for (let t = 0; t < ids.length; t++) {
      const c = ids[t]!;
      let list = byConcept.get(c);
      if (!list) byConcept.set(c, (list = []));
      list.push(t);
    }
    const concepts = [...byConcept.keys()].sort((a, b) => a - b);
    for (const c of concepts) {
      const tokens = byConcept.get(c)!;
      const perm = rng.permutation(tokens.length);
      const keep = Math.floor(tokens.length / 2);
      if (keep === 0) continue;
      let rows = this.store.get(c);
      if (!rows) this.store.set(c, (rows = []));
      for (let r = 0; r < keep; r++) {
        const t = tokens[perm[r]!]!;
        rows.push(proj.slice(t * this.dim, (t + 1) * this.dim));
      }
      if (rows.length > this.cap) rows.splice(0, rows.length - this.cap);
    }
  }

  snapshot(): BankSnapshot {
    const size = this.size;
    const ids = new Int32Array(size);
    const rows = new Float32Array(size * this.dim);
    let r = 0;
    for (const c of [...this.store.keys()].sort((a, b) => a - b)) {
      for (const row of this.store.get(c)!) {
        ids[r] = c;
        rows.set(row, r * this.dim);
        r++;
      }
    }
    return { dim: this.dim, cap: this.cap, ids, rows };
  }

  static restore(s: BankSnapshot): ConceptBank {
    const bank = new ConceptBank(s.dim, s.cap);
    for (let r = 0; r < s.ids.length; r++) {
      const c = s.ids[r]!;
      let rows = bank.store.get(c);
      if (!rows) bank.store.set(c, (rows = []));
      rows.push(s.rows.slice(r * s.dim, (r + 1) * s.dim));
    }
    return bank;
  }
}
