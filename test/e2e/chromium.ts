// The e2e tests launch Chromium exactly as `npm run bench:player` does: bench/lib/chromium.ts.
export { chromiumLaunch } from '../../bench/lib/chromium.js';
