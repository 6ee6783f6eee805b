// The temporal second-pass helper thread (second-pass.ts): one TemporalFilter per pipeline, frame after
// frame; the scores and the labels go back moved, not copied.
import { parentPort } from 'node:worker_threads';
import { TemporalFilter } from './filter.js';
import { secondPassStep, type SecondPassReply, type SecondPassRequest } from './second-pass.js';

const port = parentPort;
if (!port) throw new Error('second-pass-worker runs as a worker thread');
const filters = new Map<number, TemporalFilter>();
port.on('message', (m: SecondPassRequest) => {
  if (m.type === 'close') {
    filters.delete(m.pipeline);
    return;
  }
  try {
    let filter = filters.get(m.pipeline);
    if (!filter) {
      filter = new TemporalFilter(m.clusters, m.options);
      filters.set(m.pipeline, filter);
    }
    const { correspondence, meanSimilarity, ...f } = m.frame;
    const prediction = secondPassStep(filter, f, correspondence, meanSimilarity, m.labels);
    const reply: SecondPassReply = { pipeline: m.pipeline, seq: m.seq, result: { prediction, scores: f.scores } };
    const moved = prediction ? [prediction.clusters.buffer as ArrayBuffer, prediction.confidence.buffer as ArrayBuffer] : [];
    port.postMessage(reply, [f.scores.buffer as ArrayBuffer, ...moved]);
  } catch (e) {
    port.postMessage({ pipeline: m.pipeline, seq: m.seq, error: e instanceof Error ? e.message : String(e) } satisfies SecondPassReply);
  }
});
port.postMessage('ready');
