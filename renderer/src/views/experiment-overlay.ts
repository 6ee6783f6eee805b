// What the player overlays for a dataset: the selected experiment's cluster maps (when it predicted this
// dataset) and the mapping being edited, so mapping edits show on the frames immediately.
import { useMemo } from 'react';
import type { FrameSummary } from '../../../shared/contract/datasets.js';
import { useQuery, useSelection, useStudio, useStudioState } from '../state/studio-context.js';

export interface ExperimentOverlay {
  readonly experimentId: string;
  readonly clusterCount: number;
  readonly clusterUrl: (frame: FrameSummary) => string;
  readonly clusterToClass: Int32Array | null;
  /** The protocol the mapping's class indices refer to. */
  readonly protocolId: string | null;
}

export function useExperimentOverlay(datasetId: string): ExperimentOverlay | null {
  const { client } = useStudio();
  const selection = useSelection();
  const mapping = useStudioState((s) => s.mapping);
  const experiment = useQuery('experiments.get', selection.experimentId === null ? null : { id: selection.experimentId });
  return useMemo(() => {
    const exp = experiment.data;
    if (exp === undefined || exp.id !== selection.experimentId) return null;
    if (!exp.predictions.some((p) => p.datasetId === datasetId)) return null;
    return {
      experimentId: exp.id,
      clusterCount: exp.clusters,
      clusterUrl: (frame: FrameSummary) => client.assetUrl('prediction', `${exp.id}:${frame.id}`),
      clusterToClass: mapping !== null && mapping.experimentId === exp.id ? mapping.values : null,
      protocolId: mapping !== null && mapping.experimentId === exp.id ? mapping.protocolId : null,
    };
  }, [experiment.data, selection.experimentId, datasetId, mapping, client]);
}
