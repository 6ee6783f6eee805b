// The application menu as plain data: Electron roles for the standard items, ids for ours. Click
// handlers are attached by main (attachMenuActions) so the template stays testable without Electron.
import type { MenuItemConstructorOptions } from 'electron';

export const MENU_COMMANDS = ['open-dataset-folder', 'reveal-workspace', 'about'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export interface MenuInput {
  readonly platform: NodeJS.Platform;
  readonly appName: string;
  /** Reload / developer tools only in unpackaged runs. */
  readonly developerItems: boolean;
}

function isCommand(id: string | undefined): id is MenuCommand {
  return id !== undefined && (MENU_COMMANDS as readonly string[]).includes(id);
}

export function buildMenuTemplate(input: MenuInput): MenuItemConstructorOptions[] {
  const mac = input.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: input.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push({
    label: 'File',
    submenu: [
      { id: 'open-dataset-folder', label: 'Open Dataset Folder…', accelerator: 'CmdOrCtrl+O' },
      { id: 'reveal-workspace', label: 'Show Workspace Folder' },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  });
  // Text fields need the Edit roles for copy/paste shortcuts to work on macOS.
  template.push({
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  });
  template.push({
    label: 'View',
    submenu: [
      ...(input.developerItems
        ? ([
            { role: 'reload' },
            { role: 'forceReload' },
            { role: 'toggleDevTools' },
            { type: 'separator' },
          ] as const)
        : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  });
  template.push({
    label: 'Window',
    submenu: mac
      ? [{ role: 'minimize' }, { role: 'zoom' }, { type: 'separator' }, { role: 'front' }]
      : [{ role: 'minimize' }, { role: 'close' }],
  });
  // macOS has About in the app menu already.
  if (!mac) template.push({ role: 'help', submenu: [{ id: 'about', label: `About ${input.appName}` }] });
  return template;
}

/** Every menu command id in a template (depth-first), to check each one has an action. */
export function menuCommandIds(template: readonly MenuItemConstructorOptions[]): MenuCommand[] {
  const ids: MenuCommand[] = [];
  for (const item of template) {
    if (isCommand(item.id)) ids.push(item.id);
    if (Array.isArray(item.submenu)) ids.push(...menuCommandIds(item.submenu));
  }
  return ids;
}

/** A copy of the template with `click` wired to the action of each command id. */
export function attachMenuActions(
  template: readonly MenuItemConstructorOptions[],
  actions: Readonly<Record<MenuCommand, () => void>>,
): MenuItemConstructorOptions[] {
  return template.map((item) => {
    const copy: MenuItemConstructorOptions = { ...item };
    if (isCommand(item.id)) {
      const action = actions[item.id];
      copy.click = () => action();
    }
    if (Array.isArray(item.submenu)) copy.submenu = attachMenuActions(item.submenu, actions);
    return copy;
  });
}
