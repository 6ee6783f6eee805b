// The two lines that travel with every score: what its columns average, and whether it is held out.
import { scoreLegend, trainingFramesWarning } from './score-format.js';

export function ScoreLegend({ counts }: { counts?: { classesPresent: number; classesScored: number } }) {
  return (
    <div className="muted score-legend" data-testid="score-legend">
      {scoreLegend(counts)}
    </div>
  );
}

/** Nothing when the score is held out; a warning naming the overlap when it is not. */
export function TrainingFramesWarning({ trainingFramesScored }: { trainingFramesScored: number | null | undefined }) {
  const text = trainingFramesWarning(trainingFramesScored);
  if (text === null) return null;
  return (
    // --warn: amber, not the error red; the score is valid, only not held out. ⚠ so colour is not the only signal.
    <div role="status" data-testid="training-frames-warning" style={{ color: 'var(--warn)' }}>
      ⚠ {text}
    </div>
  );
}
