// The shell's wiring, driven through a stand-in for the `electron` module (the real one needs its
// binary): ordering before 'ready', the single-instance lock, the window's security hooks, CSP,
// permissions, the dialog IPC, the menu, the engine launch and a clean quit.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../main/electron/csp.js';
import { IPC } from '../../../main/electron/ipc-channels.js';
import { focusExistingWindow, startShell, type ShellElectron } from '../../../main/electron/shell.js';

type Listener = (...args: unknown[]) => unknown;

class FakePort extends EventEmitter {
  posted: unknown[] = [];
  postMessage(m: unknown) {
    this.posted.push(m);
  }
  start() {}
  close() {}
}

class FakeContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeContents.nextId++;
  sent: unknown[][] = [];
  posted: { channel: string; message: unknown; transfer: unknown[] }[] = [];
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  isDestroyed = () => false;
  send(...args: unknown[]) {
    this.sent.push(args);
  }
  postMessage(channel: string, message: unknown, transfer: unknown[] = []) {
    this.posted.push({ channel, message, transfer });
  }
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
    this.windowOpenHandler = h;
  }
}

class FakeChild extends EventEmitter {
  posted: { message: { type: string }; transfer: unknown[] }[] = [];
  postMessage(message: { type: string }, transfer: unknown[] = []) {
    this.posted.push({ message, transfer });
  }
  kill() {
    return true;
  }
}

function fakeElectron(options: { gotLock?: boolean; appPath: string }) {
  const log: string[] = [];
  const app = new EventEmitter() as EventEmitter & Record<string, unknown>;
  let ready!: () => void;
  const readyPromise = new Promise<void>((r) => (ready = r));
  const windows: FakeWindow[] = [];
  const children: {
    modulePath: string;
    args: string[];
    options: Record<string, unknown>;
    child: FakeChild;
  }[] = [];
  const ipcHandlers = new Map<string, Listener>();
  const state = {
    protocolHandlers: new Map<string, (r: Request) => Promise<Response>>(),
    headersListener: null as Listener | null,
    permissionRequest: null as Listener | null,
    permissionCheck: null as Listener | null,
    menuTemplate: null as MenuItemConstructorOptions[] | null,
    openExternal: [] as string[],
    openPath: [] as string[],
    dialogs: 0,
  };

  class FakeWindow extends EventEmitter {
    webContents = new FakeContents();
    loaded: string[] = [];
    minimized = true;
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
      log.push('window');
    }
    loadURL(url: string) {
      this.loaded.push(url);
      return Promise.resolve();
    }
    isDestroyed = () => false;
    isMinimized = () => this.minimized;
    restore = () => {
      this.minimized = false;
      log.push('restore');
    };
    show = () => log.push('show');
    focus = () => log.push('focus');
  }

  Object.assign(app, {
    enableSandbox: () => log.push('enableSandbox'),
    requestSingleInstanceLock: () => (log.push('lock'), options.gotLock ?? true),
    quit: () => log.push('quit'),
    whenReady: () => readyPromise,
    getAppPath: () => options.appPath,
    getPath: (name: string) => (name === 'userData' ? '/home/u/.config/Cause Studio' : `/tmp/${name}`),
    getName: () => 'Cause Studio',
    getVersion: () => '0.1.0',
    isPackaged: false,
  });

  const electron = {
    app,
    BrowserWindow: FakeWindow,
    Menu: {
      buildFromTemplate: (t: MenuItemConstructorOptions[]) => ({ t }),
      setApplicationMenu: (m: { t: MenuItemConstructorOptions[] }) => (state.menuTemplate = m.t),
    },
    MessageChannelMain: class {
      port1 = new FakePort();
      port2 = new FakePort();
    },
    dialog: {
      showOpenDialog: async () => (state.dialogs++, { canceled: false, filePaths: ['/data/cityscapes'] }),
      showErrorBox: (title: string) => log.push(`error-box ${title}`),
      showMessageBox: async () => ({ response: 0 }),
    },
    ipcMain: { handle: (channel: string, fn: Listener) => ipcHandlers.set(channel, fn) },
    protocol: {
      registerSchemesAsPrivileged: (schemes: { scheme: string }[]) =>
        log.push(`privileged ${schemes.map((s) => s.scheme).join()}`),
      handle: (scheme: string, h: (r: Request) => Promise<Response>) => state.protocolHandlers.set(scheme, h),
    },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (l: Listener) => (state.headersListener = l) },
        setPermissionRequestHandler: (l: Listener) => (state.permissionRequest = l),
        setPermissionCheckHandler: (l: Listener) => (state.permissionCheck = l),
      },
    },
    shell: {
      openExternal: async (url: string) => void state.openExternal.push(url),
      openPath: async (p: string) => (state.openPath.push(p), ''),
    },
    utilityProcess: {
      fork: (modulePath: string, args: string[], opts: Record<string, unknown>) => {
        const child = new FakeChild();
        children.push({ modulePath, args, options: opts, child });
        log.push('fork');
        return child;
      },
    },
  };
  return {
    electron: electron as unknown as ShellElectron,
    app,
    log,
    windows,
    children,
    ipcHandlers,
    state,
    ready: async () => {
      log.push('ready');
      ready();
      await new Promise((r) => setImmediate(r));
    },
  };
}

let appPath: string;
beforeEach(() => {
  appPath = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-shell-'));
  fs.mkdirSync(path.join(appPath, 'dist', 'renderer'), { recursive: true });
  fs.writeFileSync(
    path.join(appPath, 'dist', 'renderer', 'index.html'),
    '<!doctype html><title>studio</title>',
  );
});
afterEach(() => fs.rmSync(appPath, { recursive: true, force: true }));

describe('shell startup', () => {
  it('registers the privileged scheme and the sandbox before ready, then opens one window on studio://app', async () => {
    const f = fakeElectron({ appPath });
    const handle = startShell(f.electron, { env: {}, platform: 'linux' });
    expect(f.log).toEqual(['privileged studio', 'enableSandbox', 'lock']);
    await f.ready();
    expect(await handle.started).toBe(true);
    expect(f.windows).toHaveLength(1);
    const win = f.windows[0]!;
    expect(win.loaded).toEqual(['studio://app/index.html']);
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(prefs.preload).toBe(path.join(appPath, 'dist', 'main', 'electron', 'preload.cjs'));
  });

  it('a second instance quits at once and opens nothing', async () => {
    const f = fakeElectron({ appPath, gotLock: false });
    const handle = startShell(f.electron, { env: {}, platform: 'linux' });
    expect(await handle.started).toBe(false);
    expect(f.log).toEqual(['privileged studio', 'enableSandbox', 'lock', 'quit']);
    await f.ready();
    expect(f.windows).toHaveLength(0);
    expect(f.children).toHaveLength(0);
  });

  it('brings the existing window back when the app is launched again', async () => {
    const f = fakeElectron({ appPath });
    startShell(f.electron, { env: {}, platform: 'linux' });
    await f.ready();
    f.log.length = 0;
    f.app.emit('second-instance', {}, ['cause-studio'], '/');
    expect(f.log).toEqual(['restore', 'show', 'focus']);
    expect(focusExistingWindow(null)).toBe(false);
  });

  it('forks the engine utility process with the workspace and serves studio://app from the bundle', async () => {
    const f = fakeElectron({ appPath });
    startShell(f.electron, { env: {}, platform: 'linux' });
    await f.ready();
    expect(f.children).toHaveLength(1);
    const { modulePath, args, options } = f.children[0]!;
    expect(modulePath).toBe(path.join(appPath, 'dist', 'main', 'engine', 'host', 'utility-entry.js'));
    expect(args).toEqual(['--workspace=/home/u/.config/Cause Studio']);
    expect(options.serviceName).toBe('cause-studio-engine');
    const handler = f.state.protocolHandlers.get('studio')!;
    const page = await handler(new Request('studio://app/'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>studio</title>');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    // The engine has not said 'ready': assets answer 503 instead of hanging.
    expect((await handler(new Request('studio://asset/frame/f1'))).status).toBe(503);
  });

  it('hands --queue from its command line to the engine process, whose environment carries it', async () => {
    const f = fakeElectron({ appPath });
    const argv = ['/usr/bin/electron', '.', '--queue', 'redis://10.0.0.5:6379/2'];
    startShell(f.electron, { env: { PATH: '/usr/bin' }, platform: 'linux', argv });
    await f.ready();
    expect(f.children).toHaveLength(1);
    expect(f.children[0]!.options.env).toEqual({ PATH: '/usr/bin', CAUSE_STUDIO_QUEUE: 'redis://10.0.0.5:6379/2' });
    expect(f.children[0]!.args).toEqual(['--workspace=/home/u/.config/Cause Studio']);
    // Without the flag the engine inherits the app's environment unchanged (Electron's default).
    const g = fakeElectron({ appPath });
    startShell(g.electron, { env: {}, platform: 'linux', argv: ['/usr/bin/electron', '.'] });
    await g.ready();
    expect(g.children[0]!.options).not.toHaveProperty('env');
  });

  it('a --queue without a URL stops the launch with a message, before taking the lock or forking', async () => {
    const f = fakeElectron({ appPath });
    const handle = startShell(f.electron, { env: {}, platform: 'linux', argv: ['/app', '--queue'] });
    expect(await handle.started).toBe(false);
    await f.ready();
    expect(f.log).toEqual(['privileged studio', 'enableSandbox', 'ready', 'error-box Cause Studio cannot start', 'quit']);
    expect(f.windows).toHaveLength(0);
    expect(f.children).toHaveLength(0);
  });

  it('uses $CAUSE_STUDIO_HOME as the workspace when set, like the CLI', async () => {
    const f = fakeElectron({ appPath });
    startShell(f.electron, { env: { CAUSE_STUDIO_HOME: '/data/ws' }, platform: 'linux' });
    await f.ready();
    expect(f.children[0]!.args).toEqual([`--workspace=${path.resolve('/data/ws')}`]);
  });
});

describe('shell security hooks', () => {
  it('blocks navigation away from the app and new windows; https links go to the system browser', async () => {
    const f = fakeElectron({ appPath });
    startShell(f.electron, { env: {}, platform: 'linux' });
    await f.ready();
    const contents = new FakeContents();
    f.app.emit('web-contents-created', {}, contents);
    const navigate = (event: string, url: string) => {
      let prevented = false;
      contents.emit(event, { preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(navigate('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(navigate('will-redirect', 'http://127.0.0.1:8080/')).toBe(true);
    expect(navigate('will-navigate', 'studio://app/index.html')).toBe(false);
    let webviewBlocked = false;
    contents.emit('will-attach-webview', { preventDefault: () => (webviewBlocked = true) });
    expect(webviewBlocked).toBe(true);
    expect(contents.windowOpenHandler!({ url: 'https://github.com/x' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'studio://app/index.html' })).toEqual({ action: 'deny' });
    expect(f.state.openExternal).toEqual(['https://github.com/x']);
  });

  it('puts the CSP on every response and denies permissions except clipboard writes', async () => {
    const f = fakeElectron({ appPath });
    startShell(f.electron, { env: {}, platform: 'linux' });
    await f.ready();
    let headers: Record<string, string[]> | undefined;
    f.state.headersListener!(
      { responseHeaders: { 'content-security-policy': ['default-src *'] } },
      (r: { responseHeaders: Record<string, string[]> }) => {
        headers = r.responseHeaders;
      },
    );
    expect(headers).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    const decide = (permission: string) => {
      let granted: boolean | undefined;
      f.state.permissionRequest!({}, permission, (g: boolean) => (granted = g));
      return granted;
    };
    expect(decide('media')).toBe(false);
    expect(decide('geolocation')).toBe(false);
    expect(decide('openExternal')).toBe(false);
    expect(decide('clipboard-sanitized-write')).toBe(true);
    expect(f.state.permissionCheck!({}, 'notifications')).toBe(false);
  });

  it('opens the folder dialog only for the app page', async () => {
    const f = fakeElectron({ appPath });
    startShell(f.electron, { env: {}, platform: 'linux' });
    await f.ready();
    const invoke = f.ipcHandlers.get(IPC.openFolderDialog)!;
    expect(await invoke({ senderFrame: { url: 'https://evil.example/' } })).toBeNull();
    expect(await invoke({ senderFrame: null })).toBeNull();
    expect(f.state.dialogs).toBe(0);
    expect(await invoke({ senderFrame: { url: 'studio://app/index.html' } })).toBe('/data/cityscapes');
    expect(f.state.dialogs).toBe(1);
  });
});

describe('shell engine, menu and quit', () => {
  it('hands the window a port to the engine once the engine is ready, and the asset forwarder its own', async () => {
    const f = fakeElectron({ appPath });
    startShell(f.electron, { env: {}, platform: 'linux' });
    await f.ready();
    const win = f.windows[0]!;
    const child = f.children[0]!.child;
    win.webContents.emit('did-finish-load');
    expect(win.webContents.posted).toEqual([]);
    child.emit('message', { type: 'ready', engineVersion: '0.1.0', workspace: '/w', pid: 1 });
    expect(child.posted.map((p) => p.message)).toEqual([
      { type: 'connect-assets' },
      { type: 'connect-renderer', clientId: win.webContents.id },
    ]);
    expect(child.posted.every((p) => p.transfer.length === 1)).toBe(true);
    expect(win.webContents.posted).toHaveLength(1);
    expect(win.webContents.posted[0]).toMatchObject({ channel: IPC.port, message: null });
    expect(win.webContents.posted[0]!.transfer).toHaveLength(1);
    // The window's port and the engine's are the two ends of one channel, distinct from the asset one.
    expect(win.webContents.posted[0]!.transfer[0]).not.toBe(child.posted[1]!.transfer[0]);
    // A reload gets a fresh port.
    win.webContents.emit('did-finish-load');
    expect(win.webContents.posted).toHaveLength(2);
    win.emit('closed');
    expect(child.posted.at(-1)!.message).toEqual({
      type: 'disconnect-renderer',
      clientId: win.webContents.id,
    });
  });

  it('shows the engine error and quits when the engine cannot open the workspace', async () => {
    const f = fakeElectron({ appPath });
    startShell(f.electron, { env: {}, platform: 'linux' });
    await f.ready();
    const win = f.windows[0]!;
    win.webContents.emit('did-finish-load');
    f.children[0]!.child.emit('message', {
      type: 'fatal',
      error: { code: 'schema_too_new', message: 'studio.db: written by a newer studio' },
    });
    expect(f.log).toContain('error-box Cause Studio cannot start its engine');
    expect(f.log.at(-1)).toBe('quit');
    expect(win.webContents.sent).toEqual([
      [IPC.engineDown, { code: 'schema_too_new', message: 'studio.db: written by a newer studio' }],
    ]);
  });

  it('wires the File menu: a chosen dataset folder goes to the window', async () => {
    const f = fakeElectron({ appPath });
    startShell(f.electron, { env: {}, platform: 'linux' });
    await f.ready();
    const flat = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
      items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flat(i.submenu) : [])]);
    const items = flat(f.state.menuTemplate!);
    (items.find((i) => i.id === 'open-dataset-folder')!.click as () => void)();
    await new Promise((r) => setTimeout(r, 10));
    expect(f.windows[0]!.webContents.sent).toEqual([
      [IPC.menuCommand, { command: 'open-dataset-folder', path: '/data/cityscapes' }],
    ]);
    (items.find((i) => i.id === 'reveal-workspace')!.click as () => void)();
    expect(f.state.openPath).toEqual(['/home/u/.config/Cause Studio']);
    expect(items.some((i) => i.role === 'toggleDevTools')).toBe(true); // unpackaged run
  });

  it('on quit, asks the engine to shut down and quits only after it exited', async () => {
    const f = fakeElectron({ appPath });
    startShell(f.electron, { env: {}, platform: 'linux' });
    await f.ready();
    const child = f.children[0]!.child;
    child.emit('message', { type: 'ready', engineVersion: '0.1.0', workspace: '/w', pid: 1 });
    let prevented = false;
    f.log.length = 0;
    f.app.emit('before-quit', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    expect(child.posted.at(-1)!.message).toEqual({ type: 'shutdown' });
    expect(f.log).not.toContain('quit');
    child.emit('message', { type: 'stopped' });
    child.emit('exit', 0);
    await new Promise((r) => setImmediate(r));
    expect(f.log).toEqual(['quit']);
    // The second before-quit (from that app.quit()) goes through.
    let preventedAgain = false;
    f.app.emit('before-quit', { preventDefault: () => (preventedAgain = true) });
    expect(preventedAgain).toBe(false);
  });

  it('quits when the last window closes except on macOS', async () => {
    for (const [platform, quits] of [
      ['linux', true],
      ['win32', true],
      ['darwin', false],
    ] as const) {
      const f = fakeElectron({ appPath });
      startShell(f.electron, { env: {}, platform });
      await f.ready();
      f.log.length = 0;
      f.app.emit('window-all-closed');
      expect(f.log.includes('quit'), platform).toBe(quits);
    }
  });
});
