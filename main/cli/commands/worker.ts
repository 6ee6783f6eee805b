// `cause-studio worker --queue redis://HOST:PORT[/db] --workspace DIR [--concurrency N]`: a pool worker
// that runs the studio's tasks (feature shards, prediction frame ranges) from a BullMQ queue.
// `cause-studio pool --queue URL`: the workers connected to a queue and its task counts.
import type { Command } from 'commander';
import { StudioError } from '../../../shared/contract/errors.js';
import { startPoolWorker } from '../../engine/pool/pool-worker.js';
import type { CliRuntime } from '../runtime.js';

const positiveInt = (flag: string, v: string | undefined, fallback: number): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new StudioError('bad_request', `${flag}: '${v}' is not a positive whole number`);
  return n;
};

type WorkerOptions = { concurrency?: string; threads?: string; root?: string[]; name?: string; lockMs?: string; stalledMs?: string };

export function register(program: Command, rt: CliRuntime): void {
  program
    .command('worker')
    .description('run studio tasks from a queue (--queue redis://host:port[/db]); serves workspaces under --workspace / --root only')
    .option('--concurrency <n>', 'tasks at once, one thread each', '1')
    .option('--threads <n>', 'inference threads per task', '1')
    .option('--root <dir...>', 'more folders whose workspaces this worker serves')
    .option('--name <name>', 'name shown in the studio (default host-pid)')
    .option('--lock-ms <ms>', "how long a dead worker's task stays locked before another takes it", '30000')
    .option('--stalled-ms <ms>', 'how often to look for tasks of dead workers', '30000')
    .action(async (o: WorkerOptions) => {
      const queue = rt.options.queue;
      if (!queue) throw new StudioError('bad_request', 'worker: --queue redis://host:port[/db] is required');
      const roots = [...(rt.options.workspace ? [rt.options.workspace] : []), ...(o.root ?? [])];
      if (roots.length === 0) throw new StudioError('bad_request', 'worker: name the shared workspace folder(s) it serves with --workspace DIR (or --root DIR)');
      const worker = await startPoolWorker({
        queue,
        roots,
        concurrency: positiveInt('--concurrency', o.concurrency, 1),
        threads: positiveInt('--threads', o.threads, 1),
        lockDurationMs: positiveInt('--lock-ms', o.lockMs, 30_000),
        stalledIntervalMs: positiveInt('--stalled-ms', o.stalledMs, 30_000),
        ...(o.name ? { name: o.name } : {}),
        log: (line) => process.stderr.write(line + '\n'),
      });
      process.stdout.write(`worker ${worker.name} on ${worker.display}, serving ${roots.join(', ')}\nready\n`);
      let stopping = false;
      const stop = async () => {
        if (stopping) process.exit(130);
        stopping = true;
        process.stderr.write('finishing running tasks… (again to quit at once; the queue hands them to another worker)\n');
        await worker.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
      await new Promise<void>(() => {});
    });

  program
    .command('pool')
    .description('the workers connected to --queue and its task counts')
    .action(async () => {
      const queue = rt.options.queue;
      if (!queue) throw new StudioError('bad_request', 'pool: --queue redis://host:port[/db] is required');
      const { PoolClient } = await import('../../engine/pool/client.js');
      const client = await PoolClient.open(queue);
      try {
        const [workers, counts] = await Promise.all([client.workers(), client.counts()]);
        rt.print({ queue: client.display, workers, counts }, () =>
          [`queue ${client.display}`, `workers (${workers.length}): ${workers.join(', ') || 'none'}`, `tasks: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`].join('\n'),
        );
      } finally {
        await client.close();
      }
    });
}
