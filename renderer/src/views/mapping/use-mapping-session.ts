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
  /** The custom protocol (the histogram's classes plus added ones) the opened saved version used, if any. */
  readonly openedProtocolId: string | null;
  propose(method: 'hungarian' | 'majority'): void;
  assign(cluster: number, classIndex: number): void;
  /** Several clusters to one class, one undo step. */
  merge(clusters: readonly number[], classIndex: number): void;
  /** ←/→ on a cluster row: the next or previous class, through 'ignore'. */
  cycle(cluster: number, direction: 1 | -1): void;
  undo(): void;
  redo(): void;
}

/** `classes` starts with every one of `base`, in order, and adds at least one. */
export function extendsClasses(classes: readonly string[], base: readonly string[]): boolean {
  return classes.length > base.length && base.every((n, i) => classes[i] === n);
}

/**
 * `shown`: the protocol clusters are sent to — the histogram's, or a custom one that adds classes in
 * this board (those are not scored: their clusters count as unmatched); the player colours by it.
 */
export function useMappingSession(
  data: EvalHistogramData,
  hist: Float64Array,
  latestSavedId: string | null,
  shown: { readonly protocolId: string; readonly classCount: number },
): MappingSessionState {
  const classCount = shown.classCount;
  const { call, store } = useStudio();
  const K = data.clusters;
  const C = data.classes;
  const [openedProtocolId, setOpenedProtocolId] = useState<string | null>(null);
  const [session, setSession] = useState<MappingSession>(() => startSession(hungarianMapping(hist, K, C), 'hungarian'));

  // Open the newest saved version when there is one (the Hungarian proposal otherwise).
  useEffect(() => {
    if (latestSavedId === null) return;
    let cancelled = false;
    call('mappings.get', { id: latestSavedId }).then(
      (m) => {
        if (cancelled || m.mapping.length !== K) return;
        // A version saved with classes appended to the histogram's (a class added in this board) opens as
        // it was, under its custom protocol; one saved under another protocol opens by class name, and
        // classes the histogram's protocol lacks are ignored.
        const index = new Map(data.classNames.map((n, i) => [n, i]));
        const extends_ = m.protocolId !== data.protocolId && extendsClasses(m.document.classNames, data.classNames);
        const values =
          m.protocolId === data.protocolId || extends_ ? Int32Array.from(m.mapping) : Int32Array.from(m.document.clusters, (n) => index.get(n) ?? -1);
        if (extends_) setOpenedProtocolId(m.protocolId);
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
    store.update({ mapping: { experimentId: data.experimentId, protocolId: shown.protocolId, values: session.current } });
  }, [store, data.experimentId, shown.protocolId, session]);

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
    (cluster: number, direction: 1 | -1) => setSession((s) => assignCluster(s, cluster, cycleClass(s.current[cluster]!, classCount, direction))),
    [classCount],
  );
  return {
    session,
    openedProtocolId,
    propose,
    assign,
    merge: useCallback((ks: readonly number[], t: number) => setSession((s) => assignClusters(s, ks, t)), []),
    cycle,
    undo: useCallback(() => setSession(undo), []),
    redo: useCallback(() => setSession(redo), []),
  };
}
