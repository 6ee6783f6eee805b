// The `cause-studio worker` processes connected to the queue, and what each is running.
import type { PoolTaskInfo, PoolWorkerInfo } from '../../../../shared/contract/pool.js';
import { formatEta, formatPercent } from '../../lib/format.js';
import { shortTaskId } from './task-format.js';

export function PoolWorkers({ workers, active }: { workers: readonly PoolWorkerInfo[]; active: readonly PoolTaskInfo[] }) {
  return (
    <div>
      <h3>Workers</h3>
      {workers.length === 0 ? (
        <div className="empty" data-testid="pool-no-workers">
          No worker is connected. Tasks wait in the queue until one starts:{' '}
          <code>cause-studio worker --queue URL --workspace SHARED_FOLDER</code>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="pool-workers">
            <thead>
              <tr>
                <th>Worker</th>
                <th>Address</th>
                <th className="num">Connected</th>
                <th>Running</th>
              </tr>
            </thead>
            <tbody>
              {workers.map((w) => (
                <tr key={w.name} data-testid="pool-worker-row" data-worker={w.name} data-running={w.running.length}>
                  <td>{w.name}</td>
                  <td className="muted">{w.addr}</td>
                  <td className="num">{formatEta(w.connectedSeconds)}</td>
                  <td>
                    {w.running.length === 0 ? (
                      <span className="muted">idle</span>
                    ) : (
                      w.running.map((id) => {
                        const t = active.find((a) => a.id === id);
                        return (
                          <span key={id} className="pool-running" title={id}>
                            {shortTaskId(id)} {t ? formatPercent(t.fraction) : ''}
                          </span>
                        );
                      })
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
