// The protocol whose names and colours the player shows classes in: a built-in from shared/, or a custom
// one of the workspace (e.g. made by adding a class in a mapping session), from the engine's list.
import { useMemo } from 'react';
import { buildTables, getBuiltinProtocol, type LabelProtocol } from '../../../../shared/protocols/index.js';
import { useQuery } from '../../state/studio-context.js';

export function useDisplayProtocol(protocolId: string | null): LabelProtocol | null {
  const builtin = protocolId === null ? null : (getBuiltinProtocol(protocolId) ?? null);
  const list = useQuery('datasets.protocols', protocolId !== null && builtin === null ? {} : null);
  return useMemo(() => {
    if (builtin !== null || protocolId === null) return builtin;
    const p = list.data?.find((x) => x.id === protocolId);
    if (p === undefined) return null;
    // Colours and names only: raw label values of a custom protocol are not needed to draw mapped classes.
    const { lut, known } = buildTables([], []);
    return {
      id: p.id,
      name: p.name,
      builtin: false,
      encoding: `custom:${p.id}`,
      classNames: p.classNames,
      colors: p.colors,
      categories: p.categories,
      lut,
      known,
      ignoreValues: [],
      description: '',
    };
  }, [builtin, protocolId, list.data]);
}
