// The mapping's score: present-class mIoU first (the figure to rank by), then mIoU and pixel accuracy,
// the legend saying what each averages, and the held-out warning, with the mapping actions below.
import type { ReactNode } from 'react';
import type { Score } from '../../../../shared/metrics/confusion.js';
import { formatScore } from '../../components/score-format.js';
import { ScoreLegend, TrainingFramesWarning } from '../../components/ScoreNotes.js';

export interface ScorePanelProps {
  readonly score: Pick<Score, 'miouPresent' | 'miou' | 'pixelAccuracy' | 'classesPresent' | 'classesScored'>;
  readonly classes: number;
  readonly clusters: number;
  readonly frameCount: number;
  readonly protocolId: string;
  readonly trainingFramesScored: number | undefined;
  /** The mapping actions, in a row under the figures. */
  readonly children?: ReactNode;
}

export function ScorePanel({ score, classes, clusters, frameCount, protocolId, trainingFramesScored, children }: ScorePanelProps) {
  return (
    <div className="panel" data-testid="score-panel">
      <div className="row">
        <Metric label="present-class mIoU" testId="miou-present" value={score.miouPresent} />
        <Metric label="mIoU" testId="miou" value={score.miou} />
        <Metric label="pixel accuracy" testId="pixel-accuracy" value={score.pixelAccuracy} />
        <div className="metric muted">
          {score.classesPresent} of {classes} classes present, {score.classesScored} scored · {frameCount} frames · K = {clusters} · {protocolId}
        </div>
      </div>
      <ScoreLegend counts={score} />
      <TrainingFramesWarning trainingFramesScored={trainingFramesScored} />
      {/* A row of their own: beside the figures they wrapped mid-row. */}
      {children !== undefined && <div className="row">{children}</div>}
    </div>
  );
}

function Metric({ label, testId, value }: { label: string; testId: string; value: number }) {
  return (
    <div className="metric">
      <div className="muted">{label}</div>
      <div className="metric-value" data-testid={testId}>
        {formatScore(value)}
      </div>
    </div>
  );
}
