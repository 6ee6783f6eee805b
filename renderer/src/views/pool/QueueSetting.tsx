// The workspace setting `queue`: set or clear the Redis URL the studio's next jobs are split onto. The
// field starts empty rather than showing the stored URL, so a password in it never reaches the screen.
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { PoolStatus } from '../../../../shared/contract/pool.js';
import { useStudio } from '../../state/studio-context.js';

export function QueueSetting({ status, onChanged }: { status: PoolStatus | null; onChanged: () => void }) {
  const { client } = useStudio();
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const save = (next: string | null): void => {
    setBusy(true);
    setError(null);
    client
      .call('settings.set', { key: 'queue', value: next })
      .then(
        () => {
          setValue('');
          onChanged();
        },
        (e: unknown) => setError(typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e)),
      )
      .finally(() => setBusy(false));
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (value.trim() !== '') save(value.trim());
  };

  return (
    <form className="panel form-grid" onSubmit={submit} aria-label="Queue setting" data-testid="pool-setting">
      <label htmlFor="pool-queue-input">Workspace queue</label>
      <div className="row">
        <input
          id="pool-queue-input"
          className="grow"
          data-testid="pool-queue-input"
          value={value}
          placeholder={status?.source === 'setting' && status.queue !== null ? `now ${status.queue}` : 'redis://host:6379/0 or rediss://:password@host:6380'}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" className="primary" data-testid="pool-queue-save" disabled={busy || value.trim() === ''}>
          Use this queue
        </button>
        <button type="button" data-testid="pool-queue-clear" disabled={busy} onClick={() => save(null)}>
          Clear
        </button>
      </div>
      <span />
      <span className="muted">
        Used by feature extraction and prediction started from now on; jobs already running keep their queue.
        {status?.source === 'launch' && ' The queue given at launch (--queue) wins over this setting while the studio runs.'}
      </span>
      {error !== null && (
        <>
          <span />
          <span className="error-text" role="alert" data-testid="pool-setting-error">
            {error}
          </span>
        </>
      )}
    </form>
  );
}
