// The desktop shell's wiring: app lifecycle, single-instance lock, the window, security hooks, the
// studio:// protocol, menu, dialogs and the engine process. Electron is passed in (main.ts hands over
// the real module) so this file imports only Electron's types and can be exercised without its binary.
import path from 'node:path';
import type {
  App,
  BrowserWindow as BrowserWindowType,
  Dialog,
  IpcMain,
  IpcMainInvokeEvent,
  Menu as MenuType,
  MessageChannelMain as MessageChannelMainType,
  MessagePortMain,
  Protocol,
  Session,
  Shell,
  UtilityProcess,
  WebContents,
} from 'electron';
import { AssetForwarder } from './asset-forwarder.js';
import { createStudioProtocolHandler, serveAppFile, STUDIO_SCHEME_PRIVILEGES } from './app-protocol.js';
import { withCspHeader } from './csp.js';
import { EngineProcess, type EngineChild } from './engine-process.js';
import { IPC, type MenuCommandMessage } from './ipc-channels.js';
import { engineEnv, queueFromArgv } from './launch-args.js';
import { attachMenuActions, buildMenuTemplate, type MenuCommand } from './menu.js';
import { APP_ENTRY_URL, externalUrlToOpen, isAllowedNavigation, STUDIO_SCHEME } from './navigation.js';
import { mainWindowOptions } from './window-options.js';

/** The parts of the `electron` module the shell uses. */
export interface ShellElectron {
  readonly app: App;
  readonly BrowserWindow: typeof BrowserWindowType;
  readonly Menu: typeof MenuType;
  readonly MessageChannelMain: typeof MessageChannelMainType;
  readonly dialog: Dialog;
  readonly ipcMain: IpcMain;
  readonly protocol: Protocol;
  readonly session: { readonly defaultSession: Session };
  readonly shell: Shell;
  readonly utilityProcess: { fork(modulePath: string, args?: string[], options?: object): UtilityProcess };
}

export interface ShellOptions {
  /** Environment for CAUSE_STUDIO_HOME (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
  /** The app's command line (default process.argv): `--queue redis://…` goes to the engine. */
  readonly argv?: readonly string[];
}

/** Permissions the page may get: only writing (sanitised) text to the clipboard. */
export function isPermissionAllowed(permission: string): boolean {
  return permission === 'clipboard-sanitized-write';
}

/** Where a second launch lands: the existing window, restored and focused. */
export function focusExistingWindow(
  win: Pick<BrowserWindowType, 'isDestroyed' | 'isMinimized' | 'restore' | 'show' | 'focus'> | null,
): boolean {
  if (!win || win.isDestroyed()) return false;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
  return true;
}

/** The workspace the desktop engine opens: $CAUSE_STUDIO_HOME (as the CLI does) else Electron's userData. */
export function desktopWorkspace(env: NodeJS.ProcessEnv, userData: string): string {
  return env.CAUSE_STUDIO_HOME ? path.resolve(env.CAUSE_STUDIO_HOME) : userData;
}

/** Built-file locations inside the app (a folder in development, app.asar when packaged). */
export function shellPaths(appPath: string) {
  return {
    preload: path.join(appPath, 'dist', 'main', 'electron', 'preload.cjs'),
    engineEntry: path.join(appPath, 'dist', 'main', 'engine', 'host', 'utility-entry.js'),
    renderer: path.join(appPath, 'dist', 'renderer'),
    icon: path.join(appPath, 'assets', 'icons', 'icon.png'),
  };
}

/** Security hooks every WebContents gets, whoever created it. */
export function hardenWebContents(contents: WebContents, openExternal: (url: string) => void): void {
  const block = (event: { preventDefault(): void }, url: string) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  };
  contents.on('will-navigate', block);
  contents.on('will-redirect', block);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalUrlToOpen(url);
    if (external) openExternal(external);
    return { action: 'deny' };
  });
}

export interface ShellHandle {
  /** Resolves once the first window is created (or immediately false when another instance runs). */
  readonly started: Promise<boolean>;
}

export function startShell(electron: ShellElectron, options: ShellOptions = {}): ShellHandle {
  const { app, BrowserWindow, Menu, MessageChannelMain, dialog, ipcMain, protocol, session, shell } =
    electron;
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;

  // Must happen before 'ready', synchronously at startup.
  protocol.registerSchemesAsPrivileged([STUDIO_SCHEME_PRIVILEGES]);
  app.enableSandbox();

  let queue: string | null;
  try {
    queue = queueFromArgv(options.argv ?? process.argv);
  } catch (e) {
    // A command line we cannot follow must not start a studio that silently runs everything here.
    void app.whenReady().then(() => {
      dialog.showErrorBox('Cause Studio cannot start', (e as Error).message);
      app.quit();
    });
    return { started: Promise.resolve(false) };
  }

  // A second copy would fight the first over the workspace's single-writer lock; hand over instead.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return { started: Promise.resolve(false) };
  }

  let mainWindow: BrowserWindowType | null = null;
  let quitting = false;
  const paths = shellPaths(app.getAppPath());
  const workspace = desktopWorkspace(env, app.getPath('userData'));
  const assets = new AssetForwarder();

  const engine = new EngineProcess<MessagePortMain>(paths.engineEntry, workspace, {
    fork: (modulePath, args, forkOptions) =>
      electron.utilityProcess.fork(modulePath, args, {
        ...forkOptions,
        // The engine (and its job threads) read the launch queue from their environment, as under the CLI.
        ...(queue !== null ? { env: engineEnv(env, queue) } : {}),
      }) as unknown as EngineChild<MessagePortMain>,
    createChannel: () => new MessageChannelMain(),
    assets,
    onFatal: (error) => {
      if (quitting) return;
      dialog.showErrorBox(
        'Cause Studio cannot start its engine',
        `${error.message}\n\nWorkspace: ${workspace}`,
      );
      app.quit();
    },
  });

  const openExternal = (url: string) => {
    void shell.openExternal(url);
  };

  app.on('second-instance', () => {
    focusExistingWindow(mainWindow);
  });

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, openExternal));

  const chooseFolder = async (title: string): Promise<string | null> => {
    const opts = { title, properties: ['openDirectory' as const, 'dontAddToRecent' as const] };
    const result = mainWindow
      ? await dialog.showOpenDialog(mainWindow, opts)
      : await dialog.showOpenDialog(opts);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  };

  const menuActions: Record<MenuCommand, () => void> = {
    'open-dataset-folder': () => {
      void chooseFolder('Open dataset folder').then((folder) => {
        if (folder && mainWindow && !mainWindow.isDestroyed()) {
          mainWindow.webContents.send(IPC.menuCommand, {
            command: 'open-dataset-folder',
            path: folder,
          } satisfies MenuCommandMessage);
        }
      });
    },
    'reveal-workspace': () => {
      void shell.openPath(workspace);
    },
    about: () => {
      void dialog.showMessageBox({
        type: 'info',
        title: 'About Cause Studio',
        message: `Cause Studio ${app.getVersion()}`,
        detail: `Electron ${process.versions.electron ?? '?'} · Node ${process.versions.node}\nWorkspace: ${workspace}`,
      });
    },
  };

  const createWindow = () => {
    const win = new BrowserWindow(mainWindowOptions({ preloadPath: paths.preload, iconPath: paths.icon }));
    mainWindow = win;
    const contentsId = win.webContents.id;
    win.once('ready-to-show', () => win.show());
    // Each load (first, reload, crash recovery) runs a new preload that needs a new port.
    win.webContents.on('did-finish-load', () => engine.connectRenderer(win.webContents));
    win.on('closed', () => {
      engine.disconnectRenderer(contentsId);
      if (mainWindow === win) mainWindow = null;
    });
    void win.loadURL(APP_ENTRY_URL);
  };

  const started = app.whenReady().then(() => {
    const ses = session.defaultSession;
    ses.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: withCspHeader(details.responseHeaders) });
    });
    ses.setPermissionRequestHandler((_contents, permission, callback) =>
      callback(isPermissionAllowed(permission)),
    );
    ses.setPermissionCheckHandler((_contents, permission) => isPermissionAllowed(permission));

    protocol.handle(
      STUDIO_SCHEME,
      createStudioProtocolHandler({
        app: (request) => serveAppFile(paths.renderer, request),
        asset: assets.handle,
      }),
    );

    ipcMain.handle(IPC.openFolderDialog, async (event: IpcMainInvokeEvent) => {
      // Only our own page may open dialogs.
      if (!isAllowedNavigation(event.senderFrame?.url ?? '')) return null;
      return chooseFolder('Choose a folder');
    });

    const template = buildMenuTemplate({ platform, appName: app.getName(), developerItems: !app.isPackaged });
    Menu.setApplicationMenu(Menu.buildFromTemplate(attachMenuActions(template, menuActions)));

    engine.start();
    createWindow();

    app.on('activate', () => {
      if (!mainWindow) createWindow();
    });
    return true;
  });

  app.on('window-all-closed', () => {
    if (platform !== 'darwin') app.quit();
  });

  // Quit waits for the engine to close the database and checkpoint running jobs.
  app.on('before-quit', (event) => {
    if (quitting || engine.state === 'stopped' || engine.state === 'idle' || engine.state === 'failed')
      return;
    event.preventDefault();
    quitting = true;
    void engine.stop().finally(() => app.quit());
  });

  return { started };
}
