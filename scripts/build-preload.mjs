// Bundles the Electron preload to one CommonJS file. A sandboxed preload cannot be an ES module and
// can require only 'electron' (and a few Node shims), so everything it imports is inlined here and
// 'electron' stays external. Usage: node scripts/build-preload.mjs [--outfile <path>]
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--outfile');
const outfile =
  outIndex >= 0 && args[outIndex + 1]
    ? path.resolve(args[outIndex + 1])
    : path.join(root, 'dist', 'main', 'electron', 'preload.cjs');

try {
  await build({
    entryPoints: [path.join(root, 'main', 'electron', 'preload.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // Electron 45's Chromium; keeps modern syntax as written.
    target: 'chrome140',
    external: ['electron'],
    sourcemap: true,
    logLevel: 'warning',
  });
  console.log(`preload bundled: ${path.relative(process.cwd(), outfile)}`);
} catch (e) {
  console.error(
    `build-preload: bundling main/electron/preload.ts failed: ${e instanceof Error ? e.message : e}`,
  );
  process.exit(1);
}
