// One mapping session over one stored histogram: the score panel with the actions, the cluster table,
// the per-class IoU table and the confusion matrix, all re-scored locally on every edit; ticked clusters
// merge into one class in one step.
import { useEffect, useMemo, useState } from 'react';
import type { ProtocolSummary } from '../../../../shared/contract/datasets.js';
import type { EvalHistogramData } from '../../../../shared/contract/evaluation.js';
import { getBuiltinProtocol } from '../../../../shared/protocols/builtin.js';
import type { RGB } from '../../../../shared/protocols/cityscapes-labels.js';
import { useQuery, useSelection, useStudio } from '../../state/studio-context.js';
import { ClassIouTable } from './ClassIouTable.js';
import { ConfusionMatrix } from './ConfusionMatrix.js';
import { MappingActions } from './MappingActions.js';
import { MappingTable } from './MappingTable.js';
import { EditBar, toggleTick } from './MergeBar.js';
import { ScorePanel } from './ScorePanel.js';
import { useMappingSave } from './use-mapping-save.js';
import { useMappingScore } from './use-mapping-score.js';
import { extendsClasses, useMappingSession } from './use-mapping-session.js';

export interface MappingBoardProps {
  readonly data: EvalHistogramData;
  readonly latestSavedId: string | null;
  readonly savedCount: number;
  readonly trainingFramesScored: number | undefined;
  reloadSaved(): void;
}

export function MappingBoard({ data, latestSavedId, savedCount, trainingFramesScored, reloadSaved }: MappingBoardProps) {
  const { select } = useStudio();
  const selection = useSelection();
  const K = data.clusters;
  const C = data.classes;
  const hist = useMemo(() => Float64Array.from(data.histogram), [data.histogram]);
  const builtin = useMemo(() => getBuiltinProtocol(data.protocolId) ?? null, [data.protocolId]);
  const protocols = useQuery('datasets.protocols', {});
  // A class added here makes a custom protocol: the histogram's classes, then the added ones.
  const [added, setAdded] = useState<ProtocolSummary | null>(null);
  const [openedId, setOpenedId] = useState<string | null>(null);
  const custom = added ?? protocols.data?.find((p) => p.id === openedId && extendsClasses(p.classNames, data.classNames)) ?? null;
  const classNames = custom?.classNames ?? data.classNames;
  const colors: (RGB | undefined)[] = useMemo(() => classNames.map((_, i) => custom?.colors[i] ?? builtin?.colors[i]), [classNames, custom, builtin]);
  const shownProtocol = { id: custom?.id ?? data.protocolId, classNames };
  const session = useMappingSession(data, hist, latestSavedId, { protocolId: shownProtocol.id, classCount: classNames.length });
  useEffect(() => setOpenedId(session.openedProtocolId), [session.openedProtocolId]);
  // Clusters sent to an added class have no ground truth to score against: they count as unmatched.
  const scored = useMemo(() => session.session.current.map((t) => (t >= C ? -1 : t)), [session.session, C]);
  const { score, confusion, clusterStats } = useMappingScore(hist, K, C, scored);
  const saver = useMappingSave(data, shownProtocol, session.session, latestSavedId, savedCount, reloadSaved);
  const [ticked, setTicked] = useState<ReadonlySet<number>>(new Set());

  return (
    <div className="mapping">
      <ScorePanel
        score={score}
        classes={C}
        clusters={K}
        frameCount={data.frameCount}
        protocolId={data.protocolId}
        trainingFramesScored={trainingFramesScored}
      >
        <MappingActions session={session} saver={saver} />
      </ScorePanel>
      <EditBar
        ticked={ticked}
        classNames={classNames}
        protocolId={shownProtocol.id}
        onMerge={(ks, t) => {
          session.merge(ks, t);
          setTicked(new Set());
        }}
        onAdded={(p) => {
          setAdded(p);
          protocols.reload();
        }}
      />
      {classNames.length > C && (
        <div className="muted" data-testid="added-classes-note">
          {classNames.slice(C).join(', ')}: added here, no ground truth — clusters sent there count as unmatched in the scores.
        </div>
      )}
      <div className="mapping-grid">
        <MappingTable
          classNames={classNames}
          colors={colors}
          clusterStats={clusterStats}
          session={session}
          selectedCluster={selection.clusterId}
          onSelectCluster={(k) => select({ clusterId: k })}
          ticked={ticked}
          onTick={(k, on) => setTicked((t) => toggleTick(t, k, on))}
        />
        <ClassIouTable
          classNames={data.classNames}
          colors={colors}
          score={score}
          selectedClass={selection.classId}
          onSelectClass={(t) => select({ classId: t })}
        />
        <ConfusionMatrix normalized={confusion.normalized} classNames={data.classNames} colors={colors} selectedClass={selection.classId} />
      </div>
      <div className="muted">
        Keyboard: Tab to a cluster row, ↑/↓ move, ←/→ change its class, Delete ignores it, Enter lights it up in the player;
        Ctrl/Cmd+Z undo, Shift+Ctrl/Cmd+Z redo.
      </div>
    </div>
  );
}
