// `cause-studio serve [--host] [--port] [--token]`
import path from 'node:path';
import type { Command } from 'commander';
import { PACKAGE_ROOT } from '../../engine/version.js';
import { isLoopback, startServer } from '../../web/server.js';
import type { CliRuntime } from '../runtime.js';

export function register(program: Command, rt: CliRuntime): void {
  program
    .command('serve')
    .description('serve the studio UI to a browser (loopback only unless --host is given; then a token is required)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', '7420')
    .option('--token <token>', 'access token (generated when binding beyond loopback)')
    .action(async (o: { host: string; port: string; token?: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: '${o.port}' is not a port number`);
      const engine = await rt.openEngine({ runJobs: true });
      // Resume what a killed engine left behind, now that someone is serving it.
      engine.jobs.recover({ resume: true });
      const server = await startServer(engine, {
        host: o.host,
        port,
        ...(o.token ? { token: o.token } : {}),
        rendererDir: path.join(PACKAGE_ROOT, 'dist', 'renderer'),
      });
      process.stdout.write(`Cause Studio serving at ${server.url}\n`);
      if (!isLoopback(o.host)) process.stdout.write(`(bound to ${o.host}: the token in the URL is required)\n`);
      process.stdout.write(`workspace ${engine.workspace.root}\n`);
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await server.close();
        await engine.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
      await new Promise<void>(() => {}); // serve until a signal
    });
}
