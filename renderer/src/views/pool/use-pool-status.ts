// The pool's status, asked for again after each answer while the Pool view is open. Polled rather than
// pushed: workers exist only as named connections in Redis's CLIENT LIST, which tells nobody when one
// comes or goes, and a task's progress lives in Redis, not in this engine's job events. One call at a
// time (the next is scheduled after the answer), so a slow or unreachable queue never piles calls up.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { PoolStatus } from '../../../../shared/contract/pool.js';
import { useStudio } from '../../state/studio-context.js';

export interface PoolStatusState {
  readonly status: PoolStatus | null;
  /** The engine could not answer (not the queue: queue trouble is in `status.error`). */
  readonly error: string | null;
  /** Ask now (after a settings change), without waiting for the next tick. */
  refresh(): void;
}

export const POOL_POLL_MS = 1000;

export function usePoolStatus(intervalMs = POOL_POLL_MS, recent = 12): PoolStatusState {
  const { client } = useStudio();
  const [status, setStatus] = useState<PoolStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const kick = useRef<() => void>(() => undefined);

  useEffect(() => {
    let disposed = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;
    // Asked for while a call was out: that answer may predate a settings change, so ask once more.
    let again = false;
    const tick = (): void => {
      if (disposed) return;
      if (inFlight) {
        again = true;
        return;
      }
      again = false;
      clearTimeout(timer);
      inFlight = true;
      client.call('pool.status', { recent }).then(
        (s) => {
          if (disposed) return;
          setStatus(s);
          setError(null);
        },
        (e: unknown) => {
          if (disposed) return;
          setError(typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e));
        },
      ).finally(() => {
        inFlight = false;
        if (!disposed) timer = setTimeout(tick, again ? 0 : intervalMs);
      });
    };
    kick.current = tick;
    tick();
    return () => {
      disposed = true;
      clearTimeout(timer);
    };
  }, [client, intervalMs, recent]);

  const refresh = useCallback(() => kick.current(), []);
  return { status, error, refresh };
}
