// A run's score in its detail panel, and the ranking of the runs being compared. Present-class mIoU
// leads and ranks; the legend and the held-out warning travel with the figures.
import type { EvalReport } from '../../../../shared/contract/evaluation.js';
import type { ExperimentSummary } from '../../../../shared/contract/experiments.js';
import { formatScore, rankByPresentMiou, trainingFramesWarning } from '../../components/score-format.js';
import { ScoreLegend, TrainingFramesWarning } from '../../components/ScoreNotes.js';
import { useRunScore } from './use-run-score.js';
import { formatConsistency, useRunConsistency } from './use-run-consistency.js';

export function RunScore({
  experimentId,
  hasPredictions,
}: {
  experimentId: string;
  hasPredictions: boolean;
}) {
  const { report, evaluated, error } = useRunScore(experimentId);
  if (error !== null) return <div className="error-text">{error}</div>;
  if (evaluated === false) {
    return (
      <div className="muted" data-testid="run-score-none">
        Not scored yet: {hasPredictions ? '' : 'predict cluster maps, then '}evaluate against ground truth in
        Mapping.
      </div>
    );
  }
  if (report === undefined) return <div className="muted">Loading the score…</div>;
  return (
    <>
      <RunScoreFigures report={report} />
      <RunTemporalFigures experimentId={experimentId} datasetId={report.datasetId} />
    </>
  );
}

/** Temporal inconsistency (ground truth, along the true motion) and static-region flicker of the run. */
function RunTemporalFigures({ experimentId, datasetId }: { experimentId: string; datasetId: string }) {
  const t = useRunConsistency(experimentId, datasetId);
  return (
    <div className="metric" title="Pixels followed along the true motion whose class stays and whose cluster changes (SynthDrive); flicker = static pixels changing cluster">
      <div className="muted">temporal inconsistency · flicker</div>
      <div className="metric-value" data-testid="run-temporal">
        {formatConsistency(t.inconsistency)} · {formatConsistency(t.flickerStatic)}
      </div>
    </div>
  );
}

/** The figures of one engine report (pure: rendered from the report alone). */
export function RunScoreFigures({ report }: { report: EvalReport }) {
  return (
    <div data-testid="run-score">
      <div className="row">
        <div className="metric">
          <div className="muted">present-class mIoU</div>
          <div className="metric-value" data-testid="run-miou-present">
            {formatScore(report.miouPresent)}
          </div>
        </div>
        <div className="metric">
          <div className="muted">mIoU</div>
          <div className="metric-value" data-testid="run-miou">
            {formatScore(report.miou)}
          </div>
        </div>
        <div className="metric">
          <div className="muted">pixel accuracy</div>
          <div className="metric-value">{formatScore(report.pixelAccuracy)}</div>
        </div>
        <div className="metric muted">
          {report.frameCount} frames · {report.protocolId} · mapping {report.mappingName}
        </div>
      </div>
      <ScoreLegend counts={report} />
      <TrainingFramesWarning trainingFramesScored={report.trainingFramesScored} />
    </div>
  );
}

/** The compared runs (2–4) ranked by present-class mIoU. */
export function CompareScores({ runs }: { runs: readonly ExperimentSummary[] }) {
  // One score per slot in a fixed order, so the hooks stay stable as runs are ticked.
  const a = useRunScore(runs[0]?.id ?? null);
  const b = useRunScore(runs[1]?.id ?? null);
  const c = useRunScore(runs[2]?.id ?? null);
  const d = useRunScore(runs[3]?.id ?? null);
  const ta = useRunConsistency(runs[0]?.id ?? null, a.report?.datasetId);
  const tb = useRunConsistency(runs[1]?.id ?? null, b.report?.datasetId);
  const tc = useRunConsistency(runs[2]?.id ?? null, c.report?.datasetId);
  const td = useRunConsistency(runs[3]?.id ?? null, d.report?.datasetId);
  const scored = runs.map((run, i) => ({ run, report: [a, b, c, d][i]?.report, inconsistency: [ta, tb, tc, td][i]?.inconsistency }));
  return <CompareScoresTable rows={scored} />;
}

export function CompareScoresTable({
  rows,
}: {
  rows: readonly { run: ExperimentSummary; report: EvalReport | undefined; inconsistency?: number | null | undefined }[];
}) {
  const ranked = rankByPresentMiou(rows, (r) => r.report ?? null);
  const first = rows.find((r) => r.report !== undefined)?.report;
  // Ranks only mean something on the same frames and classes.
  const mixed =
    new Set(
      rows.flatMap((r) => (r.report === undefined ? [] : [`${r.report.datasetId}/${r.report.protocolId}`])),
    ).size > 1;
  return (
    <div data-testid="compare-scores">
      <table className="table" style={{ width: 'auto' }}>
        <thead>
          <tr>
            <th className="num">#</th>
            <th>Run</th>
            <th className="num">present-class mIoU</th>
            <th className="num">mIoU</th>
            <th className="num">pixel accuracy</th>
            <th className="num">classes present / scored</th>
            <th className="num">frames</th>
            <th className="num" title="ground truth, along the true motion (SynthDrive)">temporal inconsistency</th>
            <th>mapping</th>
          </tr>
        </thead>
        <tbody>
          {ranked.map(({ run, report, inconsistency }, i) => {
            const warning = trainingFramesWarning(report?.trainingFramesScored);
            return (
              <tr key={run.id} data-testid="compare-score-row" data-run={run.id}>
                <td className="num">{report === undefined ? '—' : i + 1}</td>
                <td>
                  {run.name}
                  {warning !== null && (
                    <span title={warning} aria-label={warning} style={{ color: 'var(--warn)' }}>
                      {' '}
                      ⚠ trained on these frames
                    </span>
                  )}
                </td>
                <td className="num">{formatScore(report?.miouPresent)}</td>
                <td className="num">{formatScore(report?.miou)}</td>
                <td className="num">{formatScore(report?.pixelAccuracy)}</td>
                <td className="num">
                  {report === undefined ? 'not scored' : `${report.classesPresent} / ${report.classesScored}`}
                </td>
                <td className="num">{report?.frameCount ?? '—'}</td>
                <td className="num" data-testid="compare-temporal">
                  {formatConsistency(inconsistency)}
                </td>
                <td>{report?.mappingName ?? '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {first !== undefined && <ScoreLegend />}
      {mixed && (
        <div style={{ color: 'var(--warn)' }} data-testid="compare-scores-mixed">
          ⚠ These runs are scored on different datasets or protocols: the ranking compares unlike scores.
        </div>
      )}
    </div>
  );
}
