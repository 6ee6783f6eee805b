// The import rule between layers, as a small checker over source text.
import { builtinModules } from 'node:module';
import path from 'node:path';

export type Layer = 'shared' | 'engine' | 'cli' | 'web' | 'electron' | 'renderer' | 'other';

export function layerOf(relFile: string): Layer {
  const f = relFile.split(path.sep).join('/');
  if (f.startsWith('shared/')) return 'shared';
  if (f.startsWith('main/engine/')) return 'engine';
  if (f.startsWith('main/cli/')) return 'cli';
  if (f.startsWith('main/web/')) return 'web';
  if (f.startsWith('main/electron/')) return 'electron';
  // renderer/vite.config.ts and friends are build tooling that runs in Node, not the renderer.
  if (f.startsWith('renderer/src/')) return 'renderer';
  return 'other';
}

/** Which layers each layer may import from (relative imports). */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  shared: ['shared'],
  engine: ['engine', 'shared'],
  cli: ['cli', 'engine', 'shared', 'web'],
  web: ['web', 'engine', 'shared'],
  electron: ['electron', 'engine', 'shared'],
  renderer: ['renderer', 'shared'],
  other: ['shared', 'engine', 'cli', 'web', 'electron', 'renderer', 'other'],
};

/** npm packages shared/ may use: pure TypeScript only. */
const SHARED_PACKAGES = new Set(['zod']);
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3] ?? m[4])!);
  return out;
}

/** The violations in one file (relFile relative to the repo root). */
export function checkFile(relFile: string, source: string): string[] {
  const layer = layerOf(relFile);
  const problems: string[] = [];
  for (const spec of importsOf(source)) {
    if (spec.startsWith('.')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(relFile.split(path.sep).join('/')), spec));
      const targetLayer = layerOf(target);
      if (!MAY_IMPORT[layer].includes(targetLayer)) problems.push(`${relFile}: ${layer} must not import ${targetLayer} ('${spec}')`);
      continue;
    }
    const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
    if (pkg === 'electron' && layer !== 'electron' && layer !== 'other') {
      problems.push(`${relFile}: only main/electron may import electron`);
    }
    if (layer === 'shared' && !SHARED_PACKAGES.has(pkg)) problems.push(`${relFile}: shared/ must stay pure ('${spec}')`);
    if (layer === 'renderer' && NODE_BUILTINS.has(spec)) problems.push(`${relFile}: renderer must not use Node ('${spec}')`);
  }
  // Globals (window, document, process, Buffer) are kept out of shared/ by tsconfig.shared.json, which
  // type-checks it with neither DOM nor Node typings.
  return problems;
}
