// `cause-studio workspace info`
import type { Command } from 'commander';
import type { CliRuntime } from '../runtime.js';

export function register(program: Command, rt: CliRuntime): void {
  const ws = program.command('workspace').description('the workspace folder and its database');
  ws.command('info')
    .description('show the workspace path, schema version, counts and compute backends')
    .action(async () => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const info = await engine.call('workspace.info', {});
        const eng = await engine.call('engine.info', {});
        rt.print({ ...info, backends: eng.backends }, () =>
          [
            `workspace    ${info.path}`,
            `id           ${info.workspaceId}`,
            `created      ${info.createdAt}`,
            `schema       v${info.schemaVersion} (engine ${info.engineVersion})`,
            `disk free    ${info.diskFreeBytes === null ? 'unknown' : `${(info.diskFreeBytes / 2 ** 30).toFixed(1)} GiB`}`,
            ...Object.entries(info.counts).map(([k, v]) => `${k.padEnd(13)}${v}`),
            ...eng.backends.map(
              (b) => `${b.name.padEnd(13)}${b.available ? b.providers.join(', ') : 'unavailable'}${b.detail ? ` (${b.detail})` : ''}`,
            ),
          ].join('\n'),
        );
      });
    });
}
