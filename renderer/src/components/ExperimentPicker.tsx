// One experiment selector used by Concepts, Mapping and Exports; it writes the shared selection.
import { useEffect } from 'react';
import { useQuery, useSelection, useStudio } from '../state/studio-context.js';

export function ExperimentPicker({ onlyTrained = true }: { onlyTrained?: boolean }) {
  const { select } = useStudio();
  const selection = useSelection();
  const experiments = useQuery('experiments.list', {});
  const list = (experiments.data ?? []).filter((e) => !onlyTrained || e.status === 'trained');
  // Land on the newest trained run when nothing is selected, so a fresh session opens on something.
  useEffect(() => {
    if (selection.experimentId === null && list.length > 0) select({ experimentId: list[0]!.id });
  }, [selection.experimentId, list, select]);
  return (
    <label className="row">
      Experiment{' '}
      <select
        data-testid="experiment-select"
        value={selection.experimentId ?? ''}
        onChange={(e) => select({ experimentId: e.target.value === '' ? null : e.target.value, clusterId: null })}
      >
        <option value="">{list.length === 0 ? 'no trained experiment yet' : 'choose…'}</option>
        {list.map((e) => (
          <option key={e.id} value={e.id}>
            {e.name} · {e.method} K={e.clusters} · {e.status}
          </option>
        ))}
      </select>
      {experiments.error !== null && <span className="error-text">{experiments.error}</span>}
    </label>
  );
}
