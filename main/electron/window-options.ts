// The main window's options as plain data: what makes the renderer a sandboxed web page with no Node.
// Type-only import of electron, so tests can check these without loading Electron.
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

/**
 * The security-relevant web preferences. Each is also Electron's default today except where noted;
 * they are spelled out so a future default change or a careless edit shows up in review and in tests.
 */
export const SECURE_WEB_PREFERENCES = {
  // The preload's world is separate from the page's; the page only sees what contextBridge exposes.
  contextIsolation: true,
  // The renderer runs in Chromium's OS sandbox; the preload can require only 'electron' (hence the
  // CommonJS bundle built by scripts/build-preload.mjs).
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
  // Dropping a file on the window must not navigate away from the app (not Electron's default).
  navigateOnDragDrop: false,
  // A page that spams alert() gets a checkbox to silence it instead of locking the UI.
  safeDialogs: true,
  spellcheck: false,
} as const satisfies WebPreferences;

export interface MainWindowInput {
  /** Absolute path of the bundled preload (dist/main/electron/preload.cjs). */
  readonly preloadPath: string;
  /** Window icon on Linux/Windows (macOS takes it from the bundle). */
  readonly iconPath?: string;
}

export function mainWindowOptions(input: MainWindowInput): BrowserWindowConstructorOptions {
  if (!/^(\/|[A-Za-z]:[\\/])/.test(input.preloadPath)) {
    throw new Error(`preload path must be absolute, got '${input.preloadPath}'`);
  }
  return {
    title: 'Cause Studio',
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    // Shown on 'ready-to-show' so the user never sees an empty white frame.
    show: false,
    backgroundColor: '#15171a',
    ...(input.iconPath ? { icon: input.iconPath } : {}),
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload: input.preloadPath },
  };
}
