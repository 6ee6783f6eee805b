// The flow helper thread (flow-pipeline.ts): runs one FlowTracker per pipeline, frame after frame, so the
// flow of frame t+1 is computed while the predicting thread filters and writes frame t.
import { parentPort } from 'node:worker_threads';
import { FlowTracker } from './optical-flow.js';
import type { FlowReply, FlowRequest } from './flow-pipeline.js';

const port = parentPort;
if (!port) throw new Error('flow-worker runs as a worker thread');
const trackers = new Map<number, FlowTracker>();
port.on('message', (m: FlowRequest) => {
  if (m.type === 'close') {
    trackers.delete(m.pipeline);
    return;
  }
  let reply: FlowReply;
  try {
    let t = trackers.get(m.pipeline);
    if (!t) {
      t = new FlowTracker(m.options);
      trackers.set(m.pipeline, t);
    }
    t.push(m.sequence, m.rgb, m.width, m.height, m.w, m.h);
    // not transferred: the tracker keeps the flow's arrays to warm-start the next frame
    reply = { pipeline: m.pipeline, seq: m.seq, field: t.field() };
  } catch (e) {
    reply = { pipeline: m.pipeline, seq: m.seq, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage('ready');
