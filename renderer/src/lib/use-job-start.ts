// The submit half of every "start a job" form: the job it started (for <JobProgress>) and the engine's
// error message, shown rather than swallowed. One place, so each form only says which call it makes.
import { useCallback, useState } from 'react';

export interface JobStart {
  readonly jobId: string | null;
  readonly error: string | null;
  /** Runs `call`; its job id is kept, a thrown error's message becomes `error`. */
  start(call: () => Promise<{ jobId: string }>): Promise<void>;
  /** For follow-up calls of the same form (e.g. import after generate). */
  setError(message: string | null): void;
}

export function useJobStart(): JobStart {
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const start = useCallback(async (call: () => Promise<{ jobId: string }>): Promise<void> => {
    setError(null);
    try {
      setJobId((await call()).jobId);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  return { jobId, error, start, setError };
}
