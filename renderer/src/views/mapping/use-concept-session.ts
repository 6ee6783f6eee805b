// The mapping being edited without ground truth, as React state over the pure session: it opens the
// newest saved version (else every cluster ignored), shows in the player as it changes, follows protocol
// changes (a custom class keeps the history) and answers Ctrl/Cmd+Z and Shift+Ctrl/Cmd+Z.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MappingDetail } from '../../../../shared/contract/evaluation.js';
import { isTypingTarget } from '../../lib/keys.js';
import { useStudio } from '../../state/studio-context.js';
import { assignCluster, assignClusters, redo, replaceMapping, startSession, switchProtocol, undo, type MappingSession } from './mapping-session.js';

export interface ConceptSessionState {
  readonly session: MappingSession;
  assign(cluster: number, classIndex: number): void;
  merge(clusters: readonly number[], classIndex: number): void;
  /** A whole mapping (a reopened version) as one undoable step. */
  replace(next: Int32Array): void;
  undo(): void;
  redo(): void;
}

export function useConceptSession(
  experimentId: string,
  clusters: number,
  protocol: { id: string; classNames: readonly string[] },
  saved: MappingDetail | null,
): ConceptSessionState {
  const { store } = useStudio();
  const [session, setSession] = useState<MappingSession>(() =>
    saved !== null && saved.mapping.length === clusters ? startSession(Int32Array.from(saved.mapping), 'saved') : startSession(new Int32Array(clusters).fill(-1), 'manual'),
  );
  const classNames = useRef(protocol.classNames);
  useEffect(() => {
    if (classNames.current === protocol.classNames) return;
    const from = classNames.current;
    classNames.current = protocol.classNames;
    setSession((s) => switchProtocol(s, from, protocol.classNames));
  }, [protocol.classNames]);

  useEffect(() => {
    store.update({ mapping: { experimentId, protocolId: protocol.id, values: session.current } });
  }, [store, experimentId, protocol.id, session]);

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

  return {
    session,
    assign: useCallback((k: number, t: number) => setSession((s) => assignCluster(s, k, t)), []),
    merge: useCallback((ks: readonly number[], t: number) => setSession((s) => assignClusters(s, ks, t)), []),
    replace: useCallback((next: Int32Array) => setSession((s) => replaceMapping(s, next, 'saved')), []),
    undo: useCallback(() => setSession(undo), []),
    redo: useCallback(() => setSession(redo), []),
  };
}
