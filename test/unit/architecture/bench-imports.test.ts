// Benchmarks measure the product: they may share launchers and fixtures with the tests only through
// bench/lib (which the tests import), never by importing a test file.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/temp-workspace.js';
import { sourceFiles } from './source-files.js';
import { importsOf } from './layer-rules.js';


function testImports(file: string, source: string): string[] {
  return importsOf(source)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.relative(REPO_ROOT, path.resolve(path.dirname(file), spec)))
    .filter((target) => target === 'test' || target.startsWith(`test${path.sep}`))
    .map((target) => `${path.relative(REPO_ROOT, file)} imports ${target}`);
}

describe('bench imports', () => {
  it('no benchmark imports a file under test/', () => {
    const files = sourceFiles(path.join(REPO_ROOT, 'bench'), /\.(ts|mts|js|mjs)$/);
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap((f) => testImports(f, fs.readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('catches one that does', () => {
    const file = path.join(REPO_ROOT, 'bench', 'x.ts');
    expect(testImports(file, `import { startServe } from '../test/e2e/serve.js';`)).toHaveLength(1);
    expect(testImports(file, `import { startServe } from './lib/served-studio.js';`)).toEqual([]);
  });
});
