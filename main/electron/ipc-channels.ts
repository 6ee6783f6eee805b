// IPC channel names shared by main and the preload. The contract itself never travels over IPC: it goes
// over the MessagePort handed out on STUDIO_PORT; these channels only carry the shell's own messages.
export const IPC = {
  /** main → preload: a MessagePort to the engine (a new one after each load and each engine restart). */
  port: 'studio:port',
  /** main → preload: the engine stopped; pending and new calls fail with this error until a new port. */
  engineDown: 'studio:engine-down',
  /** preload → main (invoke): native folder picker; resolves to a path or null. */
  openFolderDialog: 'studio:open-folder-dialog',
  /** main → preload: an app-menu command the renderer acts on (e.g. a folder chosen from File menu). */
  menuCommand: 'studio:menu-command',
} as const;

export interface MenuCommandMessage {
  readonly command: 'open-dataset-folder';
  readonly path: string;
}
