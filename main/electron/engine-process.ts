// Main's supervisor of the engine utility process: forks it with the workspace, hands each window a
// fresh MessagePort to it (and the asset forwarder its own), restarts it after a crash unless it keeps
// crashing, and stops it cleanly on quit. Written against small shapes of Electron's UtilityProcess,
// MessageChannelMain and WebContents so tests can drive it without Electron.
import type { StudioErrorData } from '../../shared/contract/errors.js';
// Types only: importing utility-entry's values would load the whole engine (SQLite, onnxruntime…)
// into Electron's main process.
import type {
  HostControlMessage,
  HostStatusMessage,
  MessagePortMainLike,
} from '../engine/host/utility-entry.js';
import { IPC } from './ipc-channels.js';

/** Must equal utility-entry's ENGINE_SERVICE_NAME / WORKSPACE_FLAG (test/unit/electron/engine-port.test.ts checks). */
export const ENGINE_SERVICE_NAME = 'cause-studio-engine';
export const WORKSPACE_FLAG = '--workspace=';

export interface EngineChild<P> {
  postMessage(message: HostControlMessage, transfer?: P[]): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export interface RendererTarget<P> {
  readonly id: number;
  isDestroyed(): boolean;
  postMessage(channel: string, message: unknown, transfer?: P[]): void;
  send(channel: string, ...args: unknown[]): void;
}

export interface EngineProcessDeps<P extends MessagePortMainLike> {
  fork(
    modulePath: string,
    args: string[],
    options: { serviceName: string; stdio: 'inherit' },
  ): EngineChild<P>;
  createChannel(): { port1: P; port2: P };
  /** Where studio://asset requests go; re-attached to each new engine. */
  readonly assets: { attach(port: P): void; detach(reason: string): void };
  /** The engine cannot run (bad workspace, newer database, crash loop): the shell tells the user. */
  onFatal(error: StudioErrorData): void;
  now?: () => number;
}

/** At most `maxCrashes` restarts within `windowMs`; past that the engine is considered broken. */
export class RestartPolicy {
  private crashes: number[] = [];
  constructor(
    readonly maxCrashes = 3,
    readonly windowMs = 60_000,
  ) {}

  /** Records a crash at `now` and says whether to restart. */
  crashed(now: number): boolean {
    this.crashes = this.crashes.filter((t) => now - t < this.windowMs);
    this.crashes.push(now);
    return this.crashes.length <= this.maxCrashes;
  }
}

export type EngineState = 'idle' | 'starting' | 'ready' | 'stopping' | 'stopped' | 'failed';

export class EngineProcess<P extends MessagePortMainLike> {
  private child: EngineChild<P> | null = null;
  private stateValue: EngineState = 'idle';
  private readonly renderers = new Map<number, RendererTarget<P>>();
  private readonly policy = new RestartPolicy();
  private stopWaiters: (() => void)[] = [];

  constructor(
    private readonly entryPath: string,
    private readonly workspace: string,
    private readonly deps: EngineProcessDeps<P>,
  ) {}

  get state(): EngineState {
    return this.stateValue;
  }

  start(): void {
    if (this.stateValue === 'starting' || this.stateValue === 'ready') return;
    this.stateValue = 'starting';
    const child = this.deps.fork(this.entryPath, [`${WORKSPACE_FLAG}${this.workspace}`], {
      serviceName: ENGINE_SERVICE_NAME,
      stdio: 'inherit',
    });
    this.child = child;
    child.on('message', (m) => {
      if (this.child === child) this.onStatus(m as HostStatusMessage);
    });
    child.on('exit', (code) => {
      if (this.child === child) this.onExit(code);
    });
  }

  /** A window finished loading (first load or reload): it gets a port now, or when the engine is ready. */
  connectRenderer(target: RendererTarget<P>): void {
    this.renderers.set(target.id, target);
    if (this.stateValue === 'ready') this.sendPort(target);
  }

  /** The window is gone: its session in the engine ends. */
  disconnectRenderer(id: number): void {
    if (!this.renderers.delete(id)) return;
    if (this.stateValue === 'ready') this.child?.postMessage({ type: 'disconnect-renderer', clientId: id });
  }

  /** Asks the engine to close (jobs checkpoint, database closes); kills it after `timeoutMs`. */
  stop(timeoutMs = 5000): Promise<void> {
    const child = this.child;
    if (!child || this.stateValue === 'stopped' || this.stateValue === 'failed') {
      this.stateValue = 'stopped';
      return Promise.resolve();
    }
    this.stateValue = 'stopping';
    this.deps.assets.detach('engine stopping');
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, timeoutMs);
      this.stopWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      try {
        child.postMessage({ type: 'shutdown' });
      } catch {
        child.kill();
      }
    });
  }

  private sendPort(target: RendererTarget<P>): void {
    if (target.isDestroyed()) {
      this.renderers.delete(target.id);
      return;
    }
    const { port1, port2 } = this.deps.createChannel();
    this.child?.postMessage({ type: 'connect-renderer', clientId: target.id }, [port1]);
    target.postMessage(IPC.port, null, [port2]);
  }

  private onStatus(m: HostStatusMessage): void {
    if (typeof m !== 'object' || m === null) return;
    if (m.type === 'ready') {
      this.stateValue = 'ready';
      const { port1, port2 } = this.deps.createChannel();
      this.child?.postMessage({ type: 'connect-assets' }, [port1]);
      this.deps.assets.attach(port2);
      for (const r of [...this.renderers.values()]) this.sendPort(r);
    } else if (m.type === 'fatal') {
      this.stateValue = 'failed';
      this.notifyDown(m.error);
      this.deps.onFatal(m.error);
    }
  }

  private onExit(code: number): void {
    this.child = null;
    if (this.stateValue === 'stopping' || this.stateValue === 'stopped') {
      this.stateValue = 'stopped';
      for (const w of this.stopWaiters.splice(0)) w();
      return;
    }
    if (this.stateValue === 'failed') return;
    this.deps.assets.detach(`engine exited with code ${code}`);
    const now = (this.deps.now ?? Date.now)();
    if (this.policy.crashed(now)) {
      this.notifyDown({
        code: 'unavailable',
        message: `the engine stopped (exit code ${code}); restarting it`,
      });
      this.stateValue = 'idle';
      this.start();
      return;
    }
    const error: StudioErrorData = {
      code: 'internal',
      message: `the engine crashed ${this.policy.maxCrashes + 1} times within a minute (last exit code ${code}); not restarting`,
    };
    this.stateValue = 'failed';
    this.notifyDown(error);
    this.deps.onFatal(error);
  }

  private notifyDown(error: StudioErrorData): void {
    for (const r of this.renderers.values()) {
      if (!r.isDestroyed()) r.send(IPC.engineDown, error);
    }
  }
}
