#!/usr/bin/env node
// Runs the built CLI (dist/) when present; from a source checkout without a build, runs the TypeScript
// sources through tsx. CAUSE_STUDIO_FROM_SOURCE=1 forces the sources.
import { existsSync } from 'node:fs';

const built = new URL('../dist/main/cli/index.js', import.meta.url);
if (existsSync(built) && !process.env.CAUSE_STUDIO_FROM_SOURCE) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../main/cli/index.ts', import.meta.url).href);
}
