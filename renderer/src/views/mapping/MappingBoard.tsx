// One mapping session over one stored histogram: the score panel with the actions, the cluster table,
// the per-class IoU table and the confusion matrix, all re-scored locally on every edit; ticked clusters
// merge into one class in one step.
import { useMemo, useState } from 'react';
import type { EvalHistogramData } from '../../../../shared/contract/evaluation.js';
import { getBuiltinProtocol } from '../../../../shared/protocols/builtin.js';
import type { RGB } from '../../../../shared/protocols/cityscapes-labels.js';
import { useSelection, useStudio } from '../../state/studio-context.js';
import { ClassIouTable } from './ClassIouTable.js';
import { ConfusionMatrix } from './ConfusionMatrix.js';
import { MappingActions } from './MappingActions.js';
import { MappingTable } from './MappingTable.js';
import { MergeBar, toggleTick } from './MergeBar.js';
import { ScorePanel } from './ScorePanel.js';
import { useMappingSave } from './use-mapping-save.js';
import { useMappingScore } from './use-mapping-score.js';
import { useMappingSession } from './use-mapping-session.js';

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
  const protocol = useMemo(() => getBuiltinProtocol(data.protocolId) ?? null, [data.protocolId]);
  const colors: (RGB | undefined)[] = useMemo(() => data.classNames.map((_, i) => protocol?.colors[i]), [data.classNames, protocol]);
  const session = useMappingSession(data, hist, latestSavedId);
  const { score, confusion, clusterStats } = useMappingScore(hist, K, C, session.session.current);
  const saver = useMappingSave(data, session.session, latestSavedId, savedCount, reloadSaved);
  const [ticked, setTicked] = useState<ReadonlySet<number>>(new Set());
  const [mergeInto, setMergeInto] = useState(0);

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
      <div className="row">
        <MergeBar
          ticked={ticked}
          classNames={data.classNames}
          classIndex={mergeInto}
          onClassChange={setMergeInto}
          onMerge={(ks, t) => {
            session.merge(ks, t);
            setTicked(new Set());
          }}
        />
      </div>
      <div className="mapping-grid">
        <MappingTable
          classNames={data.classNames}
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
