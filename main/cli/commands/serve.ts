// `cause-studio serve [--host] [--port] [--token]`. It publishes its endpoint in the workspace
// (serve.json) so CLI commands submit jobs to it instead of failing on the workspace lock. The hidden
// `--until-idle` form is the background engine a `--no-wait` command starts: loopback, a fresh token,
// runs the queue and exits once no job is queued or running and no client is attached.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Engine } from '../../engine/engine.js';
import { PACKAGE_ROOT } from '../../engine/version.js';
import { StudioError } from '../../../shared/contract/errors.js';
import { publishEndpoint, readEndpoint } from '../../engine/transport/endpoint-file.js';
import { isLoopback, startServer, type RunningServer } from '../../web/server.js';
import type { CliRuntime } from '../runtime.js';

/** How often a background engine checks whether it has anything left to do. */
const IDLE_POLL_MS = 1000;
/** A background engine nobody connects to (its starter died) still gets this long before it gives up. */
const FIRST_CLIENT_GRACE_MS = 30_000;

export function register(program: Command, rt: CliRuntime): void {
  program
    .command('serve')
    .description('serve the studio UI to a browser (loopback only unless --host is given; then a token is required)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', '7420')
    .option('--token <token>', 'access token (generated when binding beyond loopback)')
    .addOption(new Option('--until-idle', 'background engine: exit when no job is left and no client is attached').hideHelp())
    .action(async (o: { host: string; port: string; token?: string; untilIdle?: boolean }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: '${o.port}' is not a port number`);
      const background = o.untilIdle === true;
      const engine = await rt.openLocalEngine().catch((e: unknown) => {
        const owner = readEndpoint(rt.workspaceRoot);
        if (e instanceof StudioError && e.code === 'conflict' && owner?.role === 'background') {
          throw new StudioError(
            'conflict',
            `${rt.workspaceRoot}: a background engine (pid ${owner.pid}) is running jobs queued with --no-wait; it stops by itself ` +
              'when they are done (see `cause-studio jobs list`). To serve now, stop it (kill ' + String(owner.pid) + '): its jobs become ' +
              'interrupted and serve resumes them',
            { pid: owner.pid },
          );
        }
        throw e;
      });
      // Resume what a killed engine left behind, now that someone is serving it. A background engine
      // runs what was queued; interrupted jobs wait for `jobs resume` or a studio.
      engine.jobs.recover({ resume: !background });
      const host = background ? '127.0.0.1' : o.host;
      const token = o.token ?? (background ? randomBytes(24).toString('base64url') : undefined);
      const server = await startServer(engine, {
        host,
        port,
        ...(token ? { token } : {}),
        rendererDir: path.join(PACKAGE_ROOT, 'dist', 'renderer'),
      });
      const unpublish = publishEndpoint(engine.workspace.root, {
        pid: process.pid,
        host,
        port: server.port,
        token: server.token,
        role: background ? 'background' : 'serve',
      });
      process.stdout.write(`Cause Studio ${background ? 'background engine' : 'serving'} at ${server.url}\n`);
      if (!isLoopback(host)) process.stdout.write(`(bound to ${host}: the token in the URL is required)\n`);
      process.stdout.write(`workspace ${engine.workspace.root}\n`);
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        unpublish();
        await server.close();
        await engine.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
      process.on('exit', unpublish);
      if (background) watchIdle(engine, server, stop);
      await new Promise<void>(() => {}); // serve until a signal
    });
}

function watchIdle(engine: Engine, server: RunningServer, stop: () => Promise<void>): void {
  const started = Date.now();
  let hadClient = false;
  let idleChecks = 0;
  const timer = setInterval(() => {
    if (server.clients() > 0) hadClient = true;
    const busy = server.clients() > 0 || engine.jobs.list({ states: ['queued', 'running'], limit: 1 }).length > 0;
    idleChecks = busy ? 0 : idleChecks + 1;
    // Two quiet checks in a row: a client that just submitted and disconnected has had its job queued.
    if (idleChecks >= 2 && (hadClient || Date.now() - started > FIRST_CLIENT_GRACE_MS)) {
      clearInterval(timer);
      process.stdout.write('background engine: queue empty, stopping\n');
      void stop();
    }
  }, IDLE_POLL_MS);
}
