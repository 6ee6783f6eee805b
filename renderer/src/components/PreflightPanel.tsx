// The import's preflight report: what was kept, what was dropped and why, per file.
import type { PreflightReport } from '../../../shared/contract/datasets.js';

export function PreflightPanel({ report }: { report: PreflightReport }) {
  return (
    <details className="panel" data-testid="preflight">
      <summary>
        Preflight: {report.keptFrames} frames kept, {report.droppedFrames} dropped, {report.framesWithoutLabels} without labels ·{' '}
        {report.issues.length + report.issuesTruncated} issues
      </summary>
      <div className="row" style={{ marginTop: 8, alignItems: 'flex-start' }}>
        <table className="table" style={{ width: 'auto' }}>
          <thead>
            <tr>
              <th>Split</th>
              <th className="num">Frames</th>
              <th className="num">Labelled</th>
              <th className="num">Sequences</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(report.perSplit).map(([split, s]) => (
              <tr key={split}>
                <td>{split}</td>
                <td className="num">{s.frames}</td>
                <td className="num">{s.labelled}</td>
                <td className="num">{s.sequences}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="grow">
          {report.notes.map((n) => (
            <div key={n} className="muted">
              {n}
            </div>
          ))}
          {report.issues.length > 0 && (
            <div className="table-wrap" style={{ maxHeight: 200 }}>
              <table className="table">
                <thead>
                  <tr>
                    <th>Issue</th>
                    <th>File</th>
                    <th>What is wrong</th>
                    <th>Dropped</th>
                  </tr>
                </thead>
                <tbody>
                  {report.issues.map((i, n) => (
                    <tr key={n}>
                      <td>{i.kind}</td>
                      <td>{i.file}</td>
                      <td style={{ whiteSpace: 'normal' }}>{i.message}</td>
                      <td>{i.dropped ? 'yes' : 'no'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {report.issuesTruncated > 0 && <div className="muted">…and {report.issuesTruncated} more.</div>}
        </div>
      </div>
    </details>
  );
}
