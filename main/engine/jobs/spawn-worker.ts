// Starting a worker thread on a module that may be TypeScript source (tests, `tsx` dev runs) or built JS.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Kind definitions name their worker as `new URL('./x-worker.js', import.meta.url)`. Built, that file
 * exists; from source only `x-worker.ts` does, so map it back.
 */
export function resolveModuleUrl(url: URL): URL {
  if (url.protocol !== 'file:') return url;
  const file = fileURLToPath(url);
  if (fs.existsSync(file)) return url;
  if (file.endsWith('.js')) {
    const ts = file.slice(0, -3) + '.ts';
    if (fs.existsSync(ts)) return pathToFileURL(ts);
  }
  throw new Error(`worker module not found: ${file}`);
}

export function spawnWorker(entry: URL, workerData: unknown, options: { resourceLimits?: object } = {}): Worker {
  const resolved = resolveModuleUrl(entry);
  if (!resolved.pathname.endsWith('.ts')) return new Worker(resolved, { workerData, ...options });
  // Source mode: register tsx inside the worker (Node 20 does not pass --import loaders to workers).
  // The ESM entry of tsx's API (require.resolve would pick the CommonJS one, which cannot be imported).
  const require = createRequire(import.meta.url);
  const tsxDir = path.dirname(require.resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(path.join(tsxDir, 'dist', 'esm', 'api', 'index.mjs')).href;
  const code =
    `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); ` +
    `return import(${JSON.stringify(resolved.href)}); }).catch((e) => { setImmediate(() => { throw e; }); });`;
  return new Worker(code, { eval: true, workerData, ...options });
}
