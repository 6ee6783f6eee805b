// What the player overlays for a dataset: the selected experiment's cluster maps (when it predicted this
// dataset) and the mapping being edited, so mapping edits show on the frames immediately; else its newest
// saved mapping.
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
  // Not being edited: the experiment's newest saved mapping drives the class layer (no evaluation needed).
  const editing = mapping !== null && mapping.experimentId === selection.experimentId;
  const versions = useQuery('mappings.list', editing || selection.experimentId === null ? null : { experimentId: selection.experimentId });
  const newest = versions.data?.[0];
  const saved = useQuery('mappings.get', editing || newest === undefined ? null : { id: newest.id });
  return useMemo(() => {
    const exp = experiment.data;
    if (exp === undefined || exp.id !== selection.experimentId) return null;
    if (!exp.predictions.some((p) => p.datasetId === datasetId)) return null;
    const own = mapping !== null && mapping.experimentId === exp.id;
    const fallback = !own && saved.data !== undefined && saved.data.experimentId === exp.id ? saved.data : null;
    return {
      experimentId: exp.id,
      clusterCount: exp.clusters,
      clusterUrl: (frame: FrameSummary) => client.assetUrl('prediction', `${exp.id}:${frame.id}`),
      clusterToClass: own ? mapping.values : fallback !== null ? Int32Array.from(fallback.mapping) : null,
      protocolId: own ? mapping.protocolId : (fallback?.protocolId ?? null),
    };
  }, [experiment.data, selection.experimentId, datasetId, mapping, saved.data, client]);
}
