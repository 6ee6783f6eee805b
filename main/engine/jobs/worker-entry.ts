// Runs inside a job's worker thread: builds the JobContext, runs the kind's `run`, reports back.
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { StudioError, toErrorData } from '../../../shared/contract/errors.js';
import { diskFullError, writeFileAtomic } from '../workspace.js';
import type { JobContext, JobRunner } from './job-kind.js';
import type { HostToWorker, WorkerInit, WorkerToHost } from './worker-messages.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('worker-entry must run in a worker thread');

const post = (m: WorkerToHost) => port.postMessage(m);
const abort = new AbortController();
const pendingHostCalls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
let nextCallId = 1;

port.on('message', (m: HostToWorker) => {
  if (m.t === 'cancel') abort.abort();
  else if (m.t === 'hostReply') {
    const p = pendingHostCalls.get(m.callId);
    pendingHostCalls.delete(m.callId);
    if (!p) return;
    if (m.ok) p.resolve(m.result);
    else p.reject(StudioError.fromData(m.error));
  }
});

const checkpointFile = path.join(init.jobDir, 'checkpoint.json');

const ctx: JobContext = {
  jobId: init.jobId,
  workspaceRoot: init.workspaceRoot,
  databasePath: init.databasePath,
  jobDir: init.jobDir,
  attempt: init.attempt,
  signal: abort.signal,
  throwIfCancelled() {
    if (abort.signal.aborted) throw new StudioError('cancelled', 'job cancelled');
  },
  progress(update) {
    post({ t: 'progress', update });
  },
  metric(name, step, value) {
    post({ t: 'metric', name, step, value });
  },
  log(message, level = 'info') {
    post({ t: 'log', level, message });
  },
  loadCheckpoint() {
    let text: string;
    try {
      text = fs.readFileSync(checkpointFile, 'utf8');
    } catch {
      return undefined;
    }
    try {
      return JSON.parse(text) as { step: number; state: never };
    } catch (e) {
      // Atomic writes make this unlikely; if it happens the job restarts from scratch rather than crash.
      post({ t: 'log', level: 'warn', message: `${checkpointFile}: unreadable checkpoint ignored (${(e as Error).message})` });
      return undefined;
    }
  },
  saveCheckpoint(step, state) {
    fs.mkdirSync(init.jobDir, { recursive: true });
    writeFileAtomic(checkpointFile, JSON.stringify({ step, state }));
    post({ t: 'checkpoint', step });
  },
  hostCall(op, payload) {
    const callId = nextCallId++;
    return new Promise((resolve, reject) => {
      pendingHostCalls.set(callId, { resolve, reject });
      post({ t: 'hostCall', callId, op, payload });
    });
  },
};

try {
  const mod = (await import(init.runner)) as { run?: JobRunner };
  if (typeof mod.run !== 'function') throw new Error(`${init.runner}: job module exports no run()`);
  const result = await mod.run(ctx, init.params);
  post({ t: 'done', result: result ?? null });
} catch (e) {
  const error = abort.signal.aborted && !(e instanceof StudioError && e.code !== 'cancelled')
    ? { code: 'cancelled' as const, message: 'job cancelled' }
    : toErrorData(diskFullError(e, init.workspaceRoot) ?? e);
  post({ t: 'error', error });
}
// The host terminates the thread once it has the answer, even if job code left handles open.
