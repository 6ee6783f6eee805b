// The dense CRF's helper thread (crf-threads.ts): runs thread 1's share of each frame's mean field.
import { parentPort } from 'node:worker_threads';
import { makeBarrier, type CrfShareMessage } from './crf-threads.js';
import { runMeanFieldShare } from './mean-field-plan.js';

const port = parentPort;
if (!port) throw new Error('crf-worker runs as a worker thread');
port.on('message', (m: CrfShareMessage) => {
  try {
    runMeanFieldShare(m.plan, m.iterations, m.thread, makeBarrier(m.sync, 2), m.out);
  } catch {
    // Tell the other thread, which is (or will be) waiting at a barrier.
    Atomics.store(m.sync, 2, 1);
    Atomics.add(m.sync, 1, 1);
    Atomics.notify(m.sync, 1);
  }
});
port.postMessage('ready');
