// Enforces ARCHITECTURE.md's import rule on every source file of the repository.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/temp-workspace.js';
import { sourceFiles } from './source-files.js';
import { checkFile, importsOf } from './layer-rules.js';


describe('layer import rules', () => {
  it('hold for every file in shared/, main/ and renderer/', () => {
    const files = ['shared', 'main', 'renderer'].flatMap((d) => sourceFiles(path.join(REPO_ROOT, d)));
    expect(files.length).toBeGreaterThan(20);
    const problems = files.flatMap((f) => checkFile(path.relative(REPO_ROOT, f), fs.readFileSync(f, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('catch the violations they exist for', () => {
    expect(checkFile('shared/x.ts', `import fs from 'node:fs';`)).toHaveLength(1);
    expect(checkFile('shared/x.ts', `import { a } from '../main/engine/y.js';`)).toHaveLength(1);
    expect(checkFile('main/engine/x.ts', `import { app } from 'electron';`)).toHaveLength(1);
    expect(checkFile('main/engine/x.ts', `const e = await import('electron');`)).toHaveLength(1);
    expect(checkFile('main/engine/x.ts', `import { y } from '../cli/y.js';`)).toHaveLength(1);
    expect(checkFile('renderer/src/x.ts', `import { Engine } from '../../main/engine/engine.js';`)).toHaveLength(1);
    expect(checkFile('renderer/src/x.ts', `import path from 'node:path';`)).toHaveLength(1);
    expect(checkFile('main/electron/x.ts', `import { app } from 'electron'; import { e } from '../engine/e.js';`)).toEqual([]);
    expect(checkFile('renderer/src/x.ts', `import { contract } from '../../shared/contract/index.js';`)).toEqual([]);
  });

  it('see every import form', () => {
    expect(importsOf(`import a from 'a';\nimport type { B } from "b";\nexport * from './c.js';\nconst d = await import('d');\nrequire('e');\nimport 'f';`)).toEqual(['a', 'b', './c.js', 'd', 'e', 'f']);
  });
});
