// The e2e tests' serve launcher: bench/lib/served-studio.ts (shared with `npm run bench:player`), plus
// where the tests write their screenshots.
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../bench/lib/served-studio.js';

export { makeHome, REPO_ROOT, startServe, type ServedStudio } from '../../bench/lib/served-studio.js';

export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'screenshots');

export function screenshotPath(name: string): string {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return path.join(SCREENSHOT_DIR, `${name}.png`);
}
