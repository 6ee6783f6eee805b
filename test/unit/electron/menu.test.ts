import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import {
  attachMenuActions,
  buildMenuTemplate,
  MENU_COMMANDS,
  menuCommandIds,
  type MenuCommand,
} from '../../../main/electron/menu.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Electron's menu roles, read from its type declarations (the binary is not needed for that). */
function electronRoles(): Set<string> {
  const dts = fs.readFileSync(path.join(root, 'node_modules', 'electron', 'electron.d.ts'), 'utf8');
  const start = dts.indexOf('interface MenuItemConstructorOptions');
  const m = /role\?: \(([^)]*)\)/.exec(dts.slice(start));
  if (!m) throw new Error('role union not found in electron.d.ts');
  return new Set([...m[1]!.matchAll(/'([A-Za-z]+)'/g)].map((x) => x[1]!));
}

function flatten(items: readonly MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

const platforms: NodeJS.Platform[] = ['linux', 'win32', 'darwin'];

describe('application menu template', () => {
  const roles = electronRoles();

  it.each(platforms)('on %s uses only real Electron roles and known command ids', (platform) => {
    const items = flatten(buildMenuTemplate({ platform, appName: 'Cause Studio', developerItems: true }));
    expect(roles.size).toBeGreaterThan(20);
    for (const item of items) {
      if (item.role) expect(roles.has(item.role), `role ${item.role}`).toBe(true);
      if (item.id) expect(MENU_COMMANDS).toContain(item.id);
      // Pure data: behaviour is attached separately.
      expect(item.click).toBeUndefined();
    }
  });

  it.each(platforms)(
    'on %s offers opening a dataset folder (Ctrl/Cmd+O), the workspace and quitting',
    (platform) => {
      const template = buildMenuTemplate({ platform, appName: 'Cause Studio', developerItems: false });
      const items = flatten(template);
      const open = items.find((i) => i.id === 'open-dataset-folder');
      expect(open?.accelerator).toBe('CmdOrCtrl+O');
      expect(items.some((i) => i.id === 'reveal-workspace')).toBe(true);
      expect(items.some((i) => i.role === 'quit')).toBe(true);
      expect(items.some((i) => i.role === 'copy') && items.some((i) => i.role === 'paste')).toBe(true);
      const ids = menuCommandIds(template);
      expect(new Set(ids).size).toBe(ids.length);
    },
  );

  it('puts the app menu first on macOS only, and About where each platform expects it', () => {
    const mac = buildMenuTemplate({ platform: 'darwin', appName: 'Cause Studio', developerItems: false });
    expect(mac[0]?.label).toBe('Cause Studio');
    expect(flatten(mac).some((i) => i.role === 'about')).toBe(true);
    const linux = buildMenuTemplate({ platform: 'linux', appName: 'Cause Studio', developerItems: false });
    expect(linux[0]?.label).toBe('File');
    expect(menuCommandIds(linux)).toContain('about');
  });

  it('shows reload and developer tools only in development', () => {
    const dev = flatten(buildMenuTemplate({ platform: 'linux', appName: 'x', developerItems: true }));
    const prod = flatten(buildMenuTemplate({ platform: 'linux', appName: 'x', developerItems: false }));
    expect(dev.some((i) => i.role === 'toggleDevTools')).toBe(true);
    expect(
      prod.some((i) => i.role === 'toggleDevTools' || i.role === 'reload' || i.role === 'forceReload'),
    ).toBe(false);
  });

  it('attaches each command id to its own action without touching the template', () => {
    const template = buildMenuTemplate({ platform: 'linux', appName: 'x', developerItems: false });
    const calls: MenuCommand[] = [];
    const actions = Object.fromEntries(
      MENU_COMMANDS.map((c) => [c, vi.fn(() => void calls.push(c))]),
    ) as unknown as Record<MenuCommand, () => void>;
    const wired = flatten(attachMenuActions(template, actions));
    for (const id of menuCommandIds(template)) {
      const item = wired.find((i) => i.id === id)!;
      (item.click as () => void)();
    }
    expect(calls.sort()).toEqual([...menuCommandIds(template)].sort());
    expect(flatten(template).every((i) => i.click === undefined)).toBe(true);
    // Role items keep Electron's own behaviour.
    expect(wired.filter((i) => i.role).every((i) => i.click === undefined)).toBe(true);
  });
});
