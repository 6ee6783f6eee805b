// Is the build in dist/ older than the TypeScript sources beside it? A stale build would run old code
// after a pull or an edit, silently; the launcher then runs the sources instead and says so. A packaged
// app ships no sources, so there is nothing to compare and the build is used.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The first source file (.ts/.tsx under `dirs` of `root`) modified after `builtMs`, or null. */
export function newerSource(root, dirs, builtMs) {
  const stack = dirs.map((d) => path.join(root, d));
  while (stack.length > 0) {
    const dir = stack.pop();
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // no such folder (a packaged app)
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') stack.push(p);
      } else if (/\.tsx?$/.test(e.name) && statSync(p).mtimeMs > builtMs) {
        return p;
      }
    }
  }
  return null;
}
