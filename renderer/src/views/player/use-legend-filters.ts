// What the legend hides and isolates. Palettes read it, so a toggle only changes a texture.
import { useCallback, useState } from 'react';
import type { Isolation } from './player-rules.js';

export interface LegendFilters {
  readonly hiddenClasses: ReadonlySet<number>;
  readonly hiddenClusters: ReadonlySet<number>;
  readonly isolation: Isolation | null;
  toggleClass(c: number): void;
  toggleCluster(k: number): void;
  /** Isolates `iso`, or lifts the isolation when `iso` is already isolated (or null). */
  toggleIsolation(iso: Isolation | null): void;
}

export function useLegendFilters(): LegendFilters {
  const [hiddenClasses, setHiddenClasses] = useState<ReadonlySet<number>>(new Set());
  const [hiddenClusters, setHiddenClusters] = useState<ReadonlySet<number>>(new Set());
  const [isolation, setIsolation] = useState<Isolation | null>(null);
  const toggleClass = useCallback((c: number) => setHiddenClasses((s) => toggle(s, c)), []);
  const toggleCluster = useCallback((k: number) => setHiddenClusters((s) => toggle(s, k)), []);
  const toggleIsolation = useCallback(
    (iso: Isolation | null) => setIsolation((cur) => (sameIsolation(cur, iso) ? null : iso)),
    [],
  );
  return { hiddenClasses, hiddenClusters, isolation, toggleClass, toggleCluster, toggleIsolation };
}

export function sameIsolation(a: Isolation | null, b: Isolation | null): boolean {
  return a !== null && b !== null && a.kind === b.kind && a.id === b.id;
}

function toggle(set: ReadonlySet<number>, v: number): ReadonlySet<number> {
  const next = new Set(set);
  if (next.has(v)) next.delete(v);
  else next.add(v);
  return next;
}
