// House rule: no source file under main/, renderer/ or shared/ grows past 600 lines. A file that long
// mixes concerns (the trainer, SynthDrive's world and the player once did); split it by responsibility.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/temp-workspace.js';
import { sourceFiles } from './source-files.js';

const MAX_LINES = 600;

/**
 * Files allowed past the limit, each with its reason. Generated files go here; hand-written ones
 * should not.
 */
const ALLOWED: Readonly<Record<string, string>> = {};


function oversized(files: readonly { path: string; text: string }[], max = MAX_LINES): string[] {
  const out: string[] = [];
  for (const f of files) {
    const lines = f.text.split('\n').length - (f.text.endsWith('\n') ? 1 : 0);
    if (lines > max && !(f.path in ALLOWED)) out.push(`${f.path}: ${lines} lines (limit ${max})`);
  }
  return out;
}

describe('file size', () => {
  it(`keeps every source file in main/, renderer/ and shared/ at ${MAX_LINES} lines or fewer`, () => {
    const files = ['shared', 'main', 'renderer'].flatMap((d) => sourceFiles(path.join(REPO_ROOT, d), /\.(ts|tsx|mts|cts|js|mjs|css)$/));
    expect(files.length).toBeGreaterThan(20);
    const texts = files.map((f) => ({ path: path.relative(REPO_ROOT, f), text: fs.readFileSync(f, 'utf8') }));
    expect(oversized(texts)).toEqual([]);
  });

  it('flags a long file and counts lines exactly', () => {
    const at = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}`).join('\n') + '\n';
    expect(oversized([{ path: 'main/a.ts', text: at(600) }])).toEqual([]);
    expect(oversized([{ path: 'main/a.ts', text: at(601) }])).toEqual(['main/a.ts: 601 lines (limit 600)']);
  });

  it('names only existing files in the allow-list, each with a reason', () => {
    for (const [file, why] of Object.entries(ALLOWED)) {
      expect(fs.existsSync(path.join(REPO_ROOT, file)), file).toBe(true);
      expect(why.length, file).toBeGreaterThan(10);
    }
  });
});
