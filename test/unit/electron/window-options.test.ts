import { describe, expect, it } from 'vitest';
import { mainWindowOptions, SECURE_WEB_PREFERENCES } from '../../../main/electron/window-options.js';

describe('main window options', () => {
  const options = mainWindowOptions({
    preloadPath: '/opt/cause/dist/main/electron/preload.cjs',
    iconPath: '/opt/cause/assets/icons/icon.png',
  });
  const prefs = options.webPreferences!;

  it('isolates and sandboxes the renderer, with no Node anywhere', () => {
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on and the risky features off', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('additionalArguments');
  });

  it('loads the bundled CommonJS preload by absolute path and shows the window only when painted', () => {
    expect(prefs.preload).toBe('/opt/cause/dist/main/electron/preload.cjs');
    expect(options.show).toBe(false);
    expect(options.icon).toBe('/opt/cause/assets/icons/icon.png');
    expect(options.title).toBe('Cause Studio');
  });

  it('carries every secure preference through unchanged', () => {
    expect(prefs).toMatchObject(SECURE_WEB_PREFERENCES);
  });

  it('refuses a relative preload path (it would resolve against the cwd)', () => {
    expect(() => mainWindowOptions({ preloadPath: 'dist/main/electron/preload.cjs' })).toThrow(/absolute/);
    expect(mainWindowOptions({ preloadPath: 'C:\\app\\preload.cjs' }).webPreferences?.preload).toBe(
      'C:\\app\\preload.cjs',
    );
  });
});
