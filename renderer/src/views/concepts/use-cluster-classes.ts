// What each cluster is mapped to, for colouring concept views: the mapping being edited in the Mapping
// view when it belongs to this experiment, else the experiment's newest saved mapping, else nothing.
import { useMemo } from 'react';
import type { RGB } from '../../../../shared/protocols/cityscapes-labels.js';
import { useQuery, useStudioState } from '../../state/studio-context.js';
import { useDisplayProtocol } from '../mapping/use-display-protocol.js';

export interface ClusterClass {
  readonly name: string;
  /** null for 'ignore' and for classes of protocols the renderer has no palette for. */
  readonly color: RGB | null;
}

export interface ClusterClasses {
  /** Where the mapping came from, for the legend. */
  readonly source: 'editing' | 'saved' | null;
  classOf(cluster: number): ClusterClass | null;
}

export function useClusterClasses(experimentId: string): ClusterClasses {
  const editing = useStudioState((s) => s.mapping);
  const own = editing !== null && editing.experimentId === experimentId ? editing : null;
  const saved = useQuery('mappings.list', own === null ? { experimentId } : null);
  const newest = saved.data?.[0];
  const detail = useQuery('mappings.get', own === null && newest !== undefined ? { id: newest.id } : null);
  // Custom protocols (a class added in a mapping session) have their colours from the engine.
  const protocolId = own?.protocolId ?? detail.data?.protocolId ?? null;
  const display = useDisplayProtocol(protocolId);
  return useMemo(() => {
    const values = own?.values ?? (detail.data !== undefined ? Int32Array.from(detail.data.mapping) : null);
    if (values === null || protocolId === null) return { source: null, classOf: () => null };
    const protocol = display;
    const names = protocol?.classNames ?? detail.data?.document.classNames ?? [];
    return {
      source: own !== null ? 'editing' : 'saved',
      classOf: (k: number) => {
        const t = values[k];
        if (t === undefined) return null;
        if (t < 0) return { name: 'ignore', color: null };
        return { name: names[t] ?? `class ${t}`, color: protocol?.colors[t] ?? null };
      },
    };
  }, [own, detail.data, protocolId, display]);
}
