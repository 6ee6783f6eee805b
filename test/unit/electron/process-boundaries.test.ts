// What each Electron-side process may load. Main imports the engine's types only (loading the engine
// would pull SQLite and onnxruntime into the UI's process); the utility entry never imports electron;
// the preload bundle stays free of Node and npm code.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** [specifier, typeOnly] for each static import/export-from and dynamic import of a file. */
function imports(file: string): [string, boolean][] {
  const src = fs.readFileSync(path.join(root, file), 'utf8');
  const out: [string, boolean][] = [];
  for (const m of src.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm))
    out.push([m[3]!, Boolean(m[2])]);
  for (const m of src.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push([m[1]!, false]);
  for (const m of src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push([m[1]!, false]);
  return out;
}

const electronFiles = fs
  .readdirSync(path.join(root, 'main', 'electron'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `main/electron/${f}`);

describe('Electron process boundaries', () => {
  it('finds the shell files', () => {
    expect(electronFiles).toEqual(
      expect.arrayContaining(['main/electron/main.ts', 'main/electron/preload.ts', 'main/electron/shell.ts']),
    );
    expect(imports('main/electron/main.ts')).toContainEqual(['electron', false]);
  });

  it.each(electronFiles)('%s imports the engine for types only', (file) => {
    for (const [spec, typeOnly] of imports(file)) {
      if (spec.includes('/engine/')) expect(typeOnly, `${file} → ${spec}`).toBe(true);
    }
  });

  it.each(electronFiles.filter((f) => !f.endsWith('/main.ts') && !f.endsWith('/preload.ts')))(
    '%s loads electron for types only (so it can be tested without the binary)',
    (file) => {
      for (const [spec, typeOnly] of imports(file)) {
        if (spec === 'electron') expect(typeOnly, file).toBe(true);
      }
    },
  );

  it('the preload pulls in only electron and code without Node or npm imports', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [spec, typeOnly] of imports(file)) {
        if (typeOnly) continue;
        if (spec === 'electron') continue;
        expect(spec.startsWith('.'), `${file} imports ${spec}`).toBe(true);
        visit(path.posix.join(path.posix.dirname(file), spec).replace(/\.js$/, '.ts'));
      }
    };
    visit('main/electron/preload.ts');
    expect([...seen].sort()).toEqual([
      'main/electron/ipc-channels.ts',
      'main/electron/port-client.ts',
      'main/electron/preload.ts',
    ]);
  });

  it('the engine utility entry never imports electron', () => {
    const specs = imports('main/engine/host/utility-entry.ts').map(([s]) => s);
    expect(specs.length).toBeGreaterThan(0);
    expect(specs.filter((s) => s === 'electron' || s.startsWith('electron/'))).toEqual([]);
    expect(specs.filter((s) => s.includes('/electron/'))).toEqual([]);
  });
});
