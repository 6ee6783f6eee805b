// The mapping being edited: an immutable cluster→class array with undo/redo. Pure, so the view's
// behaviour (edit → re-score → undo) is unit-tested without a browser.

export interface MappingSession {
  readonly current: Int32Array;
  readonly past: readonly Int32Array[];
  readonly future: readonly Int32Array[];
  /** How the current mapping came about, for the saved document's `method`. */
  readonly origin: 'hungarian' | 'majority' | 'manual' | 'saved';
}

const MAX_HISTORY = 200;

export function startSession(mapping: Int32Array, origin: MappingSession['origin']): MappingSession {
  return { current: Int32Array.from(mapping), past: [], future: [], origin };
}

function same(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Replaces the whole mapping (a proposal) as one undoable step. */
export function replaceMapping(s: MappingSession, next: Int32Array, origin: MappingSession['origin']): MappingSession {
  if (same(s.current, next)) return s;
  return { current: Int32Array.from(next), past: [...s.past, s.current].slice(-MAX_HISTORY), future: [], origin };
}

/** Sends one cluster to a class index (or -1 to ignore it). */
export function assignCluster(s: MappingSession, cluster: number, classIndex: number): MappingSession {
  if (cluster < 0 || cluster >= s.current.length) throw new RangeError(`cluster ${cluster} outside 0..${s.current.length - 1}`);
  if (s.current[cluster] === classIndex) return s;
  const next = Int32Array.from(s.current);
  next[cluster] = classIndex;
  return { current: next, past: [...s.past, s.current].slice(-MAX_HISTORY), future: [], origin: 'manual' };
}

export function undo(s: MappingSession): MappingSession {
  const prev = s.past[s.past.length - 1];
  if (prev === undefined) return s;
  return { current: prev, past: s.past.slice(0, -1), future: [s.current, ...s.future], origin: 'manual' };
}

export function redo(s: MappingSession): MappingSession {
  const next = s.future[0];
  if (next === undefined) return s;
  return { current: next, past: [...s.past, s.current], future: s.future.slice(1), origin: 'manual' };
}

/** Next class for keyboard cycling: -1 (ignore) → 0 → … → C-1 → -1. */
export function cycleClass(current: number, classes: number, direction: 1 | -1): number {
  const n = classes + 1;
  const pos = current < 0 ? 0 : current + 1;
  const next = (((pos + direction) % n) + n) % n;
  return next === 0 ? -1 : next - 1;
}

/** Sends several clusters to one class (a merge) as a single undoable step. */
export function assignClusters(s: MappingSession, clusters: readonly number[], classIndex: number): MappingSession {
  const next = Int32Array.from(s.current);
  for (const k of clusters) {
    if (k < 0 || k >= next.length) throw new RangeError(`cluster ${k} outside 0..${next.length - 1}`);
    next[k] = classIndex;
  }
  if (same(s.current, next)) return s;
  return { current: next, past: [...s.past, s.current].slice(-MAX_HISTORY), future: [], origin: 'manual' };
}

/**
 * The mapping re-expressed in another protocol's classes, by name (classes it lacks become ignore). When
 * the new protocol only appends classes (a custom class was added) every index stays, and so does history.
 */
export function switchProtocol(s: MappingSession, from: readonly string[], to: readonly string[]): MappingSession {
  const appended = to.length >= from.length && from.every((n, i) => to[i] === n);
  if (appended) return s;
  const index = new Map(to.map((n, i) => [n, i]));
  const next = Int32Array.from(s.current, (t) => (t < 0 ? -1 : (index.get(from[t] ?? '') ?? -1)));
  return startSession(next, s.origin);
}
