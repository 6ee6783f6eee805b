// `cause-studio jobs list|show|cancel|resume`
import type { Command } from 'commander';
import type { JobSummary } from '../../../shared/contract/index.js';
import { formatSeconds, table, type CliRuntime, type EngineLink } from '../runtime.js';

function row(j: JobSummary): (string | number)[] {
  return [
    j.id.slice(0, 8),
    j.kind,
    j.state,
    `${Math.round(j.fraction * 100)}%`,
    j.etaSeconds === null ? '' : formatSeconds(j.etaSeconds),
    j.createdAt.replace('T', ' ').slice(0, 19),
    j.title,
  ];
}

export function register(program: Command, rt: CliRuntime): void {
  const jobs = program.command('jobs').description('durable background jobs');

  jobs
    .command('list')
    .description('list recent jobs')
    .option('--state <state...>', 'only these states')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (o: { state?: string[]; limit: string }) => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const list = await engine.callUnchecked('jobs.list', {
          ...(o.state ? { states: o.state } : {}),
          limit: Number(o.limit),
        }) as JobSummary[];
        rt.print(list, () =>
          list.length ? table(['id', 'kind', 'state', 'done', 'eta', 'created', 'title'], list.map(row)) : 'no jobs',
        );
      });
    });

  jobs
    .command('show <id>')
    .description('show one job with its event log')
    .action(async (id: string) => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const j = await engine.call('jobs.get', { id: await resolveId(engine, id) });
        rt.print(j, () =>
          [
            `${j.id}  ${j.kind}  ${j.state}  ${Math.round(j.fraction * 100)}%`,
            `title       ${j.title}`,
            `attempts    ${j.attempts + 1}${j.checkpointStep !== null ? `, checkpoint at step ${j.checkpointStep}` : ''}`,
            ...(j.error ? [`error       ${j.error}`] : []),
            `params      ${JSON.stringify(j.params)}`,
            ...(j.result !== null ? [`result      ${JSON.stringify(j.result)}`] : []),
            '',
            ...j.events.map((e) => `${e.at}  ${e.type.padEnd(12)} ${e.message}`),
          ].join('\n'),
        );
      });
    });

  jobs
    .command('cancel <id>')
    .description('cancel a queued or running job (also one that `serve` or a background engine runs)')
    .action(async (id: string) => {
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const j = await engine.call('jobs.cancel', { id: await resolveId(engine, id) });
        rt.print(j, () => `${j.id} ${j.state}`);
      });
    });

  jobs
    .command('resume <id>')
    .description('resume an interrupted, failed or cancelled job from its last checkpoint and wait for it')
    .option('--detach', 'queue it and return at once (it runs in `serve`, or in a background engine started for it)')
    .action(async (id: string, o: { detach?: boolean }) => {
      await rt.withEngine({ runJobs: true, background: o.detach === true }, async (engine) => {
        const full = await resolveId(engine, id);
        const j = await engine.call('jobs.resume', { id: full });
        if (o.detach) return rt.print(j, () => `${j.id} ${j.state}`);
        const final = await rt.runJob(engine, full, j.kind);
        rt.print(final, () => `${final.id} ${final.state}`);
      });
    });
}

/** Accepts the 8-character prefix `jobs list` shows. */
async function resolveId(engine: EngineLink, id: string): Promise<string> {
  if (id.length >= 36) return id;
  const matches = (await engine.call('jobs.list', { limit: 1000 })).filter((j) => j.id.startsWith(id));
  return matches.length === 1 ? matches[0]!.id : id;
}
