// An engine process for the kill test: `node --import tsx features-child.ts <workspace> [submit <json params>]`.
// Prints `job <id>` after submitting, `ready` once up, `succeeded <id>` / `failed <id> <error>`; runs until killed.
import { createEngine } from '../../../main/engine/engine.js';

const [workspace, action, json] = process.argv.slice(2);
const engine = await createEngine({ workspace: workspace! });
engine.onEvent((e) => {
  if (e.type === 'job.state' && e.state === 'succeeded') process.stdout.write(`succeeded ${e.jobId}\n`);
  if (e.type === 'job.state' && e.state === 'failed') process.stdout.write(`failed ${e.jobId} ${e.error ?? ''}\n`);
});
if (action === 'submit') {
  const job = engine.jobs.submit('features.extract', JSON.parse(json!));
  process.stdout.write(`job ${job.id}\n`);
}
process.stdout.write('ready\n');
setInterval(() => {}, 1 << 30);
