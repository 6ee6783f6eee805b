// The queue's tasks: those running now with their progress, and the latest finished ones.
import type { PoolTaskInfo } from '../../../../shared/contract/pool.js';
import { formatDuration, formatPercent } from '../../lib/format.js';
import { shortTaskId, taskElapsedMs, taskKindLabel } from './task-format.js';

/** The first cells of both tables: which task, what kind, on which worker, how many frames. */
function TaskCells({ t }: { t: PoolTaskInfo }) {
  return (
    <>
      <td title={t.id}>
        {shortTaskId(t.id)}
        {!t.thisWorkspace && <span className="muted"> (another studio)</span>}
      </td>
      <td>{taskKindLabel(t.kind)}</td>
      <td>{t.worker ?? '—'}</td>
      <td className="num">{t.frames ?? '—'}</td>
    </>
  );
}

export function PoolTasks({ active, recent }: { active: readonly PoolTaskInfo[]; recent: readonly PoolTaskInfo[] }) {
  const now = Date.now();
  return (
    <div>
      <h3>Running tasks</h3>
      {active.length === 0 ? (
        <p className="muted" data-testid="pool-no-active">
          None running.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="pool-active">
            <thead>
              <tr>
                <th>Task</th>
                <th>Kind</th>
                <th>Worker</th>
                <th className="num">Frames</th>
                <th>Progress</th>
                <th className="num">Running for</th>
                <th className="num">Attempt</th>
              </tr>
            </thead>
            <tbody>
              {active.map((t) => (
                <tr key={t.id} data-testid="pool-task-row" data-task-state={t.state} data-kind={t.kind} data-worker={t.worker ?? ''}>
                  <TaskCells t={t} />
                  <td>
                    <progress max={1} value={t.fraction} aria-label={`${shortTaskId(t.id)} progress`} />{' '}
                    <span data-testid="pool-task-progress">{formatPercent(t.fraction)}</span> <span className="muted">{t.message}</span>
                  </td>
                  <td className="num">{formatDuration(taskElapsedMs(t, now))}</td>
                  <td className="num">{t.attempts + 1}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>Finished lately</h3>
      {recent.length === 0 ? (
        <p className="muted">No finished tasks in the queue.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="pool-recent">
            <thead>
              <tr>
                <th>Task</th>
                <th>Kind</th>
                <th>Worker</th>
                <th className="num">Frames</th>
                <th>State</th>
                <th className="num">Took</th>
                <th>Finished</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((t) => (
                <tr key={t.id} data-testid="pool-recent-row" data-task-state={t.state} data-kind={t.kind} data-worker={t.worker ?? ''}>
                  <TaskCells t={t} />
                  <td className={t.state === 'failed' ? 'error-text' : undefined} title={t.error ?? undefined}>
                    {t.state === 'failed' ? `failed: ${t.error ?? ''}` : 'done'}
                  </td>
                  <td className="num">{formatDuration(taskElapsedMs(t, now))}</td>
                  <td className="muted">{t.finishedAt === null ? '—' : new Date(t.finishedAt).toLocaleTimeString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
