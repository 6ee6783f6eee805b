// Fire-and-forget buttons (Cancel, Resume, Train again) still owe the user the engine's reason when a
// call fails — e.g. "only interrupted, failed or cancelled jobs resume" after another window resumed it.
import { useCallback, useState } from 'react';

export interface Action {
  readonly error: string | null;
  /** Runs the call; a rejection's message becomes `error` (cleared by the next call). */
  run(call: () => Promise<unknown>): void;
}

export function useAction(): Action {
  const [error, setError] = useState<string | null>(null);
  const run = useCallback((call: () => Promise<unknown>) => {
    setError(null);
    call().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  return { error, run };
}
