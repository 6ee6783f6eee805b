// The preload: runs sandboxed in the window before the page and exposes exactly one object,
// `window.studio`, through contextBridge. The page never sees ipcRenderer, the MessagePort or Node.
// Bundled to CommonJS by scripts/build-preload.mjs (a sandboxed preload can require only 'electron').
import { contextBridge, ipcRenderer } from 'electron';
import type { StudioErrorData } from '../../shared/contract/errors.js';
import { IPC, type MenuCommandMessage } from './ipc-channels.js';
import { createPortClient, type ClientPort } from './port-client.js';

const client = createPortClient();
const menuListeners = new Set<(message: MenuCommandMessage) => void>();

/** The renderer's DOM MessagePort, by shape (the project type-checks main/ without the DOM lib). */
interface DomMessagePort {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

function fromDomPort(port: DomMessagePort): ClientPort {
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage: (listener) => {
      // Assigning onmessage also starts the port (addEventListener would need an explicit start()).
      port.onmessage = (e) => listener(e.data);
    },
    close: () => port.close(),
  };
}

ipcRenderer.on(IPC.port, (event) => {
  const port = event.ports[0] as unknown as DomMessagePort | undefined;
  if (port) client.attach(fromDomPort(port));
});

ipcRenderer.on(IPC.engineDown, (_event, error: StudioErrorData) => {
  client.fail({
    code: 'unavailable',
    message: typeof error?.message === 'string' ? error.message : 'engine stopped',
  });
});

ipcRenderer.on(IPC.menuCommand, (_event, message: MenuCommandMessage) => {
  for (const l of [...menuListeners]) l(message);
});

contextBridge.exposeInMainWorld('studio', {
  call: (method: string, args: unknown): Promise<unknown> => client.call(method, args),
  onEvent: (listener: (event: unknown) => void): (() => void) => client.onEvent(listener),
  openFolderDialog: async (): Promise<string | null> => {
    const result: unknown = await ipcRenderer.invoke(IPC.openFolderDialog);
    return typeof result === 'string' ? result : null;
  },
  onMenuCommand: (listener: (message: MenuCommandMessage) => void): (() => void) => {
    menuListeners.add(listener);
    return () => {
      menuListeners.delete(listener);
    };
  },
});
