// The mapping being edited, as React state over the pure session (mapping-session.ts): it opens the
// newest saved version, shows in the player as it changes, and answers Ctrl/Cmd+Z and Shift+Ctrl/Cmd+Z.
import { useCallback, useEffect, useState } from 'react';
import type { EvalHistogramData } from '../../../../shared/contract/evaluation.js';
import { hungarianMapping, majorityMapping } from '../../../../shared/metrics/confusion.js';
import { isTypingTarget } from '../../lib/keys.js';
import { useStudio } from '../../state/studio-context.js';
import { assignCluster, assignClusters, cycleClass, redo, replaceMapping, startSession, undo, type MappingSession } from './mapping-session.js';

export interface MappingSessionState {
  readonly session: MappingSession;
  propose(method: 'hungarian' | 'majority'): void;
  assign(cluster: number, classIndex: number): void;
  /** Several clusters to one class, one undo step. */
  merge(clusters: readonly number[], classIndex: number): void;
  /** ←/→ on a cluster row: the next or previous class, through 'ignore'. */
  cycle(cluster: number, direction: 1 | -1): void;
  undo(): void;
  redo(): void;
}

export function useMappingSession(data: EvalHistogramData, hist: Float64Array, latestSavedId: string | null): MappingSessionState {
  const { call, store } = useStudio();
  const K = data.clusters;
  const C = data.classes;
  const [session, setSession] = useState<MappingSession>(() => startSession(hungarianMapping(hist, K, C), 'hungarian'));

  // Open the newest saved version when there is one (the Hungarian proposal otherwise).
  useEffect(() => {
    if (latestSavedId === null) return;
    let cancelled = false;
    call('mappings.get', { id: latestSavedId }).then(
      (m) => {
        if (cancelled || m.mapping.length !== K) return;
        // A version saved under another protocol (e.g. with a class added without ground truth) opens by
        // class name; classes the histogram's protocol lacks are ignored.
        const index = new Map(data.classNames.map((n, i) => [n, i]));
        const values = m.protocolId === data.protocolId ? Int32Array.from(m.mapping) : Int32Array.from(m.document.clusters, (n) => index.get(n) ?? -1);
        setSession(startSession(values, 'saved'));
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
    // Only on first open of this histogram; later saves must not reset the edit history.
  }, []);

  // The player shows the mapping being edited.
  useEffect(() => {
    store.update({ mapping: { experimentId: data.experimentId, protocolId: data.protocolId, values: session.current } });
  }, [store, data.experimentId, data.protocolId, session]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'z') return;
      if (isTypingTarget(e.target) && !(e.target instanceof HTMLSelectElement)) return;
      e.preventDefault();
      setSession((s) => (e.shiftKey ? redo(s) : undo(s)));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const propose = useCallback(
    (method: 'hungarian' | 'majority') =>
      setSession((s) => replaceMapping(s, (method === 'hungarian' ? hungarianMapping : majorityMapping)(hist, K, C), method)),
    [hist, K, C],
  );
  const assign = useCallback((cluster: number, classIndex: number) => setSession((s) => assignCluster(s, cluster, classIndex)), []);
  const cycle = useCallback(
    (cluster: number, direction: 1 | -1) => setSession((s) => assignCluster(s, cluster, cycleClass(s.current[cluster]!, C, direction))),
    [C],
  );
  return {
    session,
    propose,
    assign,
    merge: useCallback((ks: readonly number[], t: number) => setSession((s) => assignClusters(s, ks, t)), []),
    cycle,
    undo: useCallback(() => setSession(undo), []),
    redo: useCallback(() => setSession(redo), []),
  };
}
