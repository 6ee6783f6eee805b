// One `useStudio()` hook over the engine client, plus small selector hooks. Components never talk to the
// transport directly; engine errors are reported as notices, never swallowed.
import { createContext, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { ReactNode } from 'react';
import type { ArgsOf, CancelSignal, MethodName, ResultOf } from '../../../shared/contract/index.js';
import type { RendererClient } from '../client/types.js';
import { StudioStore, type Selection, type StudioState } from './store.js';

interface StudioContextValue {
  readonly client: RendererClient;
  readonly store: StudioStore;
}

const StudioContext = createContext<StudioContextValue | null>(null);

function errorMessage(e: unknown): { message: string; code?: string } {
  if (typeof e === 'object' && e !== null && 'message' in e) {
    const code = 'code' in e && typeof e.code === 'string' ? e.code : undefined;
    return code === undefined ? { message: String(e.message) } : { message: String(e.message), code };
  }
  return { message: String(e) };
}

export function StudioProvider({ client, children }: { client: RendererClient; children: ReactNode }) {
  const [store] = useState(() => new StudioStore());

  useEffect(() => {
    let disposed = false;
    const refreshJobs = (): void => {
      client.call('jobs.list', { limit: 50 }).then(
        (jobs) => !disposed && store.setJobs(jobs),
        (e: unknown) => !disposed && store.notify('error', `Could not list jobs: ${errorMessage(e).message}`),
      );
    };
    const refreshEngine = (): void => {
      client.call('engine.info', {}).then(
        (engine) => !disposed && store.update({ engine, engineError: null }),
        (e: unknown) => !disposed && store.update({ engineError: errorMessage(e).message }),
      );
    };
    const offEvent = client.onEvent((event) => {
      if (store.applyEvent(event)) refreshJobs();
    });
    // (Re)load the snapshot each time the transport (re)connects; events keep it current in between.
    const offConn = client.onConnection((connection) => {
      store.update({ connection });
      if (connection === 'open') {
        refreshEngine();
        refreshJobs();
      }
    });
    store.update({ connection: client.connection() });
    refreshEngine();
    refreshJobs();
    return () => {
      disposed = true;
      offEvent();
      offConn();
    };
  }, [client, store]);

  return <StudioContext.Provider value={{ client, store }}>{children}</StudioContext.Provider>;
}

export interface UseStudio {
  readonly client: RendererClient;
  readonly store: StudioStore;
  /** Calls the engine; a failure is shown as a notice and rethrown so the caller can react. */
  call<M extends MethodName>(method: M, args: ArgsOf<M>, options?: { signal?: CancelSignal }): Promise<ResultOf<M>>;
  select(patch: Partial<Selection>): void;
}

export function useStudio(): UseStudio {
  const ctx = useContext(StudioContext);
  if (ctx === null) throw new Error('useStudio() used outside <StudioProvider>');
  const { client, store } = ctx;
  const call = useCallback(
    async <M extends MethodName>(method: M, args: ArgsOf<M>, options?: { signal?: CancelSignal }) => {
      try {
        return await client.call(method, args, options);
      } catch (e) {
        const { message, code } = errorMessage(e);
        if (code !== 'cancelled') store.notify('error', `${method}: ${message}`, code);
        throw e;
      }
    },
    [client, store],
  );
  const select = useCallback((patch: Partial<Selection>) => store.select(patch), [store]);
  return { client, store, call, select };
}

export function useStudioState<T>(selector: (state: StudioState) => T): T {
  const { store } = useStudio();
  return useSyncExternalStore(store.subscribe, () => selector(store.getState()));
}

export const useEngineInfo = () => useStudioState((s) => s.engine);
export const useJobs = () => useStudioState((s) => s.jobs);
export const useSelection = () => useStudioState((s) => s.selection);
export const useConnection = () => useStudioState((s) => s.connection);
export const useDataVersion = () => useStudioState((s) => s.dataVersion);
export const useJobMetrics = (jobId: string | null) =>
  useStudioState((s) => (jobId === null ? undefined : s.metrics.get(jobId)));

export interface QueryState<T> {
  readonly data: T | undefined;
  readonly error: string | null;
  readonly loading: boolean;
  reload(): void;
}

/**
 * Loads engine data for a view; re-runs when its key changes or when a job finishes (dataVersion), so
 * lists stay current through pushed events instead of polling.
 */
export function useQuery<M extends MethodName>(method: M, args: ArgsOf<M> | null): QueryState<ResultOf<M>> {
  const { call } = useStudio();
  const dataVersion = useDataVersion();
  const [nonce, setNonce] = useState(0);
  const [state, setState] = useState<{ data: ResultOf<M> | undefined; error: string | null; loading: boolean }>({
    data: undefined,
    error: null,
    loading: args !== null,
  });
  const key = args === null ? null : JSON.stringify(args);
  const argsRef = useRef(args);
  argsRef.current = args;
  useEffect(() => {
    if (key === null || argsRef.current === null) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    call(method, argsRef.current).then(
      (data) => !controller.signal.aborted && setState({ data, error: null, loading: false }),
      (e: unknown) => !controller.signal.aborted && setState({ data: undefined, error: errorMessage(e).message, loading: false }),
    );
    return () => controller.abort();
  }, [call, method, key, dataVersion, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { ...state, reload };
}
