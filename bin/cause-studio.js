#!/usr/bin/env node
// Runs the built CLI (dist/) when present and up to date; from a source checkout without a build, or
// with sources newer than the build, runs the TypeScript sources through tsx.
// CAUSE_STUDIO_FROM_SOURCE=1 forces the sources.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { newerSource } from './stale-build.js';

const built = new URL('../dist/main/cli/index.js', import.meta.url);
let useBuild = existsSync(built) && !process.env.CAUSE_STUDIO_FROM_SOURCE;
if (useBuild) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const newer = newerSource(root, ['main', 'shared'], statSync(built).mtimeMs);
  if (newer) {
    useBuild = false;
    process.stderr.write(`cause-studio: ${newer} is newer than the build in dist/; running the sources (npm run build to refresh)\n`);
  }
}
if (useBuild) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../main/cli/index.ts', import.meta.url).href);
}
