// The repository's source files below a folder, for the architecture checks (layers, file size, bench imports).
import fs from 'node:fs';
import path from 'node:path';

export function sourceFiles(dir: string, pattern: RegExp = /\.(ts|tsx|mts|cts)$/): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (pattern.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}
