// The temporal link helper thread (link-pipeline.ts): runs one Linker per pipeline, frame after frame, so
// frame t+1's correspondence (its flow, or its patch matches) is computed while the predicting thread
// filters and writes frame t.
import { parentPort } from 'node:worker_threads';
import { Linker } from './link.js';
import { warmUpFlow } from './warm-up.js';
import type { LinkReply, LinkRequest } from './link-pipeline.js';

const port = parentPort;
if (!port) throw new Error('link-worker runs as a worker thread');
const linkers = new Map<number, Linker>();
let warm = false;
port.on('message', (m: LinkRequest) => {
  if (m.type === 'close') {
    linkers.delete(m.pipeline);
    return;
  }
  if (m.type === 'warm-up') {
    // once per thread; requests that come meanwhile wait for it (warm-up.ts)
    if (!warm) warmUpFlow();
    warm = true;
    return;
  }
  let reply: LinkReply;
  try {
    let l = linkers.get(m.pipeline);
    if (!l) {
      l = new Linker(m.mode, m.options);
      linkers.set(m.pipeline, l);
    }
    // not transferred: the flow tracker keeps the flow's arrays to warm-start the next frame
    reply = { pipeline: m.pipeline, seq: m.seq, link: l.link(m.frame) };
  } catch (e) {
    reply = { pipeline: m.pipeline, seq: m.seq, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage('ready');
