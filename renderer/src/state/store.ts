// The renderer's one store: engine status, the live job list, metric series and the shared selection.
// Filled by pushed contract events (never by polling); components read it through selector hooks.
import type { EngineInfo, JobSummary, StudioEvent } from '../../../shared/contract/index.js';
import type { ConnectionState } from '../client/types.js';

export interface MetricSeries {
  readonly steps: number[];
  readonly values: number[];
}

export interface StudioNotice {
  readonly id: number;
  readonly level: 'error' | 'info';
  readonly message: string;
  readonly code?: string;
}

/** One selection model shared by every view (ui.md): selecting a thing updates all views that show it. */
export interface Selection {
  readonly datasetId: string | null;
  readonly sequenceId: string | null;
  readonly frameIndex: number;
  readonly experimentId: string | null;
  readonly clusterId: number | null;
  readonly classId: number | null;
}

export type ViewName = 'datasets' | 'experiments' | 'concepts' | 'mapping' | 'exports' | 'studies' | 'pool';

export interface StudioState {
  readonly connection: ConnectionState;
  readonly engine: EngineInfo | null;
  readonly engineError: string | null;
  /** Newest first. */
  readonly jobs: readonly JobSummary[];
  /** jobId → metric name → series; appended from pushed `metric` events. */
  readonly metrics: ReadonlyMap<string, ReadonlyMap<string, MetricSeries>>;
  readonly notices: readonly StudioNotice[];
  readonly selection: Selection;
  readonly view: ViewName;
  /** The mapping being edited (Mapping view), shown live by the player's class and error layers. */
  readonly mapping: { readonly experimentId: string; readonly protocolId: string; readonly values: Int32Array } | null;
  /** Bumped whenever a job finishes, so lists derived from engine data re-query exactly then. */
  readonly dataVersion: number;
}

export const initialSelection: Selection = {
  datasetId: null,
  sequenceId: null,
  frameIndex: 0,
  experimentId: null,
  clusterId: null,
  classId: null,
};

const FINAL_STATES = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

export class StudioStore {
  private state: StudioState = {
    connection: 'connecting',
    engine: null,
    engineError: null,
    jobs: [],
    metrics: new Map(),
    notices: [],
    selection: initialSelection,
    view: 'datasets',
    dataVersion: 0,
    mapping: null,
  };
  private readonly listeners = new Set<() => void>();
  private noticeId = 1;

  getState = (): StudioState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  update(patch: Partial<StudioState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  select(patch: Partial<Selection>): void {
    this.update({ selection: { ...this.state.selection, ...patch } });
  }

  notify(level: StudioNotice['level'], message: string, code?: string): void {
    const notice: StudioNotice = code === undefined ? { id: this.noticeId++, level, message } : { id: this.noticeId++, level, message, code };
    this.update({ notices: [...this.state.notices.slice(-4), notice] });
  }

  dismiss(id: number): void {
    this.update({ notices: this.state.notices.filter((n) => n.id !== id) });
  }

  setJobs(jobs: readonly JobSummary[]): void {
    this.update({ jobs: [...jobs].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)) });
  }

  upsertJob(job: JobSummary): void {
    const others = this.state.jobs.filter((j) => j.id !== job.id);
    this.setJobs([job, ...others]);
  }

  /** Applies a pushed event; returns true when the job is unknown and the list must be fetched. */
  applyEvent(event: StudioEvent): boolean {
    switch (event.type) {
      case 'job.progress': {
        const job = this.state.jobs.find((j) => j.id === event.jobId);
        if (job === undefined) return true;
        this.upsertJob({
          ...job,
          state: job.state === 'queued' ? 'running' : job.state,
          fraction: event.fraction,
          step: event.step,
          totalSteps: event.totalSteps,
          etaSeconds: event.etaSeconds,
          message: event.message,
          stage: event.stage ?? job.stage,
        });
        return false;
      }
      case 'job.state': {
        const job = this.state.jobs.find((j) => j.id === event.jobId);
        if (FINAL_STATES.has(event.state)) this.update({ dataVersion: this.state.dataVersion + 1 });
        if (event.state === 'failed' && event.error !== undefined) {
          this.notify('error', `Job ${job?.title ?? event.kind} failed: ${event.error}`);
        }
        if (job === undefined) return true;
        this.upsertJob({
          ...job,
          state: event.state,
          error: event.error ?? job.error,
          fraction: event.state === 'succeeded' ? 1 : job.fraction,
          etaSeconds: FINAL_STATES.has(event.state) ? null : job.etaSeconds,
        });
        return false;
      }
      case 'metric': {
        const metrics = new Map(this.state.metrics);
        const byName = new Map(metrics.get(event.jobId) ?? []);
        const prev = byName.get(event.name);
        // New arrays so uPlot and React see a change; series are short (one point per logged step).
        byName.set(event.name, {
          steps: [...(prev?.steps ?? []), event.step],
          values: [...(prev?.values ?? []), event.value],
        });
        metrics.set(event.jobId, byName);
        this.update({ metrics });
        return false;
      }
      case 'log':
        if (event.level === 'error') this.notify('error', event.message);
        return false;
    }
  }
}
